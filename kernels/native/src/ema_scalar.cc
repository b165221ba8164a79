// Baseline build of the EMA update loop: 4-lane vector extensions with no -m
// flags (SSE on x86-64, generic code elsewhere), so the addon works on any CPU.
#include "ema_kernels.h"

#define SPACETIME_VECTOR_BYTES 16
#include "ema_impl.h"

namespace spacetime {
const EmaKernelSet* ema_kernels_scalar() { return &kEmaSet; }
}  // namespace spacetime
