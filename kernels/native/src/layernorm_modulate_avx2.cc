// AVX2 build of the fused LayerNorm + modulate row loops (8 lanes; see
// layernorm_modulate_impl.h). In the gemm_avx2 static library with that ISA's -m flags (binding.gyp).
#include "layernorm_modulate_kernels.h"

#if defined(__x86_64__) && defined(__AVX2__)
#define SPACETIME_VECTOR_BYTES 32
#include "layernorm_modulate_impl.h"
namespace spacetime {
const LayerNormModulateKernelSet* layernorm_modulate_kernels_avx2() { return &kLayerNormModulateSet; }
}  // namespace spacetime
#else
namespace spacetime {
const LayerNormModulateKernelSet* layernorm_modulate_kernels_avx2() { return nullptr; }
}  // namespace spacetime
#endif
