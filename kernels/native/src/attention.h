// Fused scaled dot-product attention (flash-attention style) on the shared
// thread pool: the driver. See attention_kernels.h for the problem layout and
// attention_impl.h for the tiling.
//
// Forward: one pool pass, one task per block of queries of one batch-head,
// reading that head's keys and values in place, with an online softmax over
// key blocks, writing out and the per-row log-sum-exp.
// Backward: one task per batch-head recomputes the probabilities blockwise
// from lse and writes that head's dq, dk and dv; nothing is shared between
// tasks, and each sum runs in a fixed order, so results are bit-identical for
// any thread count. Neither pass stores an [N, M] matrix.
#pragma once
#include "attention_kernels.h"

namespace spacetime {

// Writes p.out and p.lse (lse = -inf and out = 0 where every key is masked).
void attention_forward(const AttentionProblem& p);
// Writes p.dq, p.dk, p.dv from q, k, v, mask, out, lse and dout.
void attention_backward(const AttentionProblem& p);

}  // namespace spacetime
