// Baseline build of the AdamW update loop: 4-lane vector extensions with no -m
// flags (SSE on x86-64, generic code elsewhere), so the addon works on any CPU.
#include "adamw_kernels.h"

#define SPACETIME_VECTOR_BYTES 16
#include "adamw_impl.h"

namespace spacetime {
const AdamWKernelSet* adamw_kernels_scalar() { return &kAdamWSet; }
}  // namespace spacetime
