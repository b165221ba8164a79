// AVX2 build of the EMA update loop (8 lanes; see ema_impl.h). In the
// gemm_avx2 static library with that ISA's -m flags (binding.gyp).
#include "ema_kernels.h"

#if defined(__x86_64__) && defined(__AVX2__)
#define SPACETIME_VECTOR_BYTES 32
#include "ema_impl.h"
namespace spacetime {
const EmaKernelSet* ema_kernels_avx2() { return &kEmaSet; }
}  // namespace spacetime
#else
namespace spacetime {
const EmaKernelSet* ema_kernels_avx2() { return nullptr; }
}  // namespace spacetime
#endif
