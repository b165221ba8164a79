// AVX2 build of the fused-attention kernels (8 lanes; see attention_impl.h).
// In the avx2 static library (binding.gyp), called only after the runtime check.
#include "attention_kernels.h"

#if defined(__x86_64__) && defined(__AVX2__)
#define SPACETIME_VECTOR_BYTES 32
#include "attention_impl.h"
namespace spacetime {
const AttentionKernelSet* attention_kernels_avx2() { return &kAttentionSet; }
}  // namespace spacetime
#else
namespace spacetime {
const AttentionKernelSet* attention_kernels_avx2() { return nullptr; }
}  // namespace spacetime
#endif
