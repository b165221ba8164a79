// AVX2 build of the AdamW update loop (8 lanes; see adamw_impl.h). In the
// gemm_avx2 static library with that ISA's -m flags (binding.gyp).
#include "adamw_kernels.h"

#if defined(__x86_64__) && defined(__AVX2__)
#define SPACETIME_VECTOR_BYTES 32
#include "adamw_impl.h"
namespace spacetime {
const AdamWKernelSet* adamw_kernels_avx2() { return &kAdamWSet; }
}  // namespace spacetime
#else
namespace spacetime {
const AdamWKernelSet* adamw_kernels_avx2() { return nullptr; }
}  // namespace spacetime
#endif
