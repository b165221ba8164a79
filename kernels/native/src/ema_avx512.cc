// AVX-512 build of the EMA update loop (16 lanes; see ema_impl.h). In the
// gemm_avx512 static library with that ISA's -m flags (binding.gyp).
#include "ema_kernels.h"

#if defined(__x86_64__) && defined(__AVX512F__)
#define SPACETIME_VECTOR_BYTES 64
#include "ema_impl.h"
namespace spacetime {
const EmaKernelSet* ema_kernels_avx512() { return &kEmaSet; }
}  // namespace spacetime
#else
namespace spacetime {
const EmaKernelSet* ema_kernels_avx512() { return nullptr; }
}  // namespace spacetime
#endif
