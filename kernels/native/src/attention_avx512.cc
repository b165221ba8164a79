// AVX-512 build of the fused-attention kernels (16 lanes; see attention_impl.h).
// In the avx512 static library (binding.gyp), called only after the runtime check.
#include "attention_kernels.h"

#if defined(__x86_64__) && defined(__AVX512F__)
#define SPACETIME_VECTOR_BYTES 64
#include "attention_impl.h"
namespace spacetime {
const AttentionKernelSet* attention_kernels_avx512() { return &kAttentionSet; }
}  // namespace spacetime
#else
namespace spacetime {
const AttentionKernelSet* attention_kernels_avx512() { return nullptr; }
}  // namespace spacetime
#endif
