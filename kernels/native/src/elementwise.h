// Element-wise float32 ops with NumPy broadcasting, and sums over a contiguous
// run of axes, on the shared thread pool (the drivers; the row kernels are
// per ISA, see elementwise_kernels.h).
//
// Deterministic: an element-wise output is one correctly rounded operation
// whatever the partition; each sum's order of addition is fixed by the shape
// alone (fixed blocks, never the thread count), so results are bit-identical
// run to run on one ISA.
#pragma once
#include <stdint.h>

#include "elementwise_kernels.h"

namespace spacetime {

constexpr int kMaxBroadcastRank = 8;

// out[i0..ir] = op(a[Σ ik·a_strides[k]], b[Σ ik·b_strides[k]]) over `shape`
// (out is contiguous). The innermost strides must be 0 or 1; a stride of 0
// broadcasts. The caller has collapsed unit and mergeable dimensions (index.ts).
struct BinaryArgs {
  BinaryOp op;
  const float* a;
  const float* b;
  float* out;
  int rank;  // 1..kMaxBroadcastRank
  int64_t shape[kMaxBroadcastRank];
  int64_t a_strides[kMaxBroadcastRank];
  int64_t b_strides[kMaxBroadcastRank];
};
void binary(const BinaryArgs& args);

// out[i] = op(x[i]) for i in [0, n).
void unary(UnaryOp op, const float* x, float* out, int64_t n);

// out[r, :] = the gradient of gelu(x[r, :] + bias) for dy[r, :], for each of `rows` rows of
// `cols` values (BinaryOp::kBiasGelu's backward); one value's result never depends on the
// partition.
void bias_gelu_grad(const float* x, const float* bias, const float* dy, float* out, int64_t rows, int64_t cols);

// x viewed as [outer, reduced, inner]: out[o, j] = Σ_r x[o, r, j], divided by
// `reduced` when mean. Rows of `reduced` are summed in blocks of kSumBlock,
// the block sums then added in order.
void reduce_sum(const float* x, float* out, int64_t outer, int64_t reduced, int64_t inner, bool mean);

}  // namespace spacetime
