// AVX2 build of the element-wise and reduction row kernels (8 lanes; see
// elementwise_impl.h). In the AVX2 static library (binding.gyp).
#include "elementwise_kernels.h"

#if defined(__x86_64__) && defined(__AVX2__)
#define SPACETIME_VECTOR_BYTES 32
#include "elementwise_impl.h"
namespace spacetime {
const ElementwiseKernelSet* elementwise_kernels_avx2() { return &kElementwiseSet; }
}  // namespace spacetime
#else
namespace spacetime {
const ElementwiseKernelSet* elementwise_kernels_avx2() { return nullptr; }
}  // namespace spacetime
#endif
