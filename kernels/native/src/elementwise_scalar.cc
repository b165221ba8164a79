// Baseline build of the element-wise and reduction row kernels: 4-lane vector
// extensions with no -m flags (SSE2 on x86-64, generic code elsewhere), so the
// addon works on any CPU. Chosen when SPACETIME_ISA=scalar or nothing better exists.
#include "elementwise_kernels.h"

#define SPACETIME_VECTOR_BYTES 16
#include "elementwise_impl.h"

namespace spacetime {
const ElementwiseKernelSet* elementwise_kernels_scalar() { return &kElementwiseSet; }
}  // namespace spacetime
