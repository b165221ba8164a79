// AVX-512 build of the element-wise and reduction row kernels (16 lanes; see
// elementwise_impl.h). In the AVX-512 static library (binding.gyp).
#include "elementwise_kernels.h"

#if defined(__x86_64__) && defined(__AVX512F__)
#define SPACETIME_VECTOR_BYTES 64
#include "elementwise_impl.h"
namespace spacetime {
const ElementwiseKernelSet* elementwise_kernels_avx512() { return &kElementwiseSet; }
}  // namespace spacetime
#else
namespace spacetime {
const ElementwiseKernelSet* elementwise_kernels_avx512() { return nullptr; }
}  // namespace spacetime
#endif
