// The fused-attention kernels of attention_kernels.h, written once with
// GCC/Clang vector extensions for a vector of SPACETIME_VECTOR_BYTES bytes and
// compiled per ISA (attention_avx512.cc, attention_avx2.cc,
// attention_scalar.cc): the forward pass in attention_forward_impl.h, the
// backward in attention_backward_impl.h, the pieces they share in
// attention_tiles.h. Internal linkage throughout, as in elementwise_impl.h.
#pragma once
#include "attention_backward_impl.h"
#include "attention_forward_impl.h"

namespace spacetime {
namespace {

const AttentionKernelSet kAttentionSet = {
#if SPACETIME_VECTOR_BYTES == 64
    "avx512",
#elif SPACETIME_VECTOR_BYTES == 32
    "avx2",
#else
    "scalar",
#endif
    query_block, forward_scratch_floats, forward_block, backward_scratch_floats, backward_head};

}  // namespace
}  // namespace spacetime
