// AVX-512 build of the AdamW update loop (16 lanes; see adamw_impl.h). In the
// gemm_avx512 static library with that ISA's -m flags (binding.gyp).
#include "adamw_kernels.h"

#if defined(__x86_64__) && defined(__AVX512F__)
#define SPACETIME_VECTOR_BYTES 64
#include "adamw_impl.h"
namespace spacetime {
const AdamWKernelSet* adamw_kernels_avx512() { return &kAdamWSet; }
}  // namespace spacetime
#else
namespace spacetime {
const AdamWKernelSet* adamw_kernels_avx512() { return nullptr; }
}  // namespace spacetime
#endif
