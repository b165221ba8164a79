// Baseline build of the fused LayerNorm + modulate row loops: 4-lane vector
// extensions with no -m flags (SSE on x86-64, generic code elsewhere), so the
// addon works on any CPU.
#include "layernorm_modulate_kernels.h"

#define SPACETIME_VECTOR_BYTES 16
#include "layernorm_modulate_impl.h"

namespace spacetime {
const LayerNormModulateKernelSet* layernorm_modulate_kernels_scalar() { return &kLayerNormModulateSet; }
}  // namespace spacetime
