// The contract between the fused-attention driver (attention.cc) and its
// per-ISA kernels (attention_avx512.cc, attention_avx2.cc, attention_scalar.cc,
// all built from attention_impl.h). As in gemm_kernels.h: plain structs and
// function pointers only, so no symbol compiled with AVX-512 flags can leak
// into the rest of the addon.
#pragma once
#include <stdint.h>

namespace spacetime {

// Where a batch-head's rows live: row r of batch entry b, head h starts at
// base + b * batch + h * head + r * row (floats); its d values are contiguous.
//   head-major [B, heads, N, d]: {heads * N * d, N * d, d} (head_major());
//   token-major [B, N, S] with head h in columns [h*d, h*d + d) of a row of S
//   (e.g. q, k or v inside a packed qkv [B, N, 3*heads*d], base at its column
//   offset): {N * S, d, S}.
struct AttentionLayout {
  int64_t batch, head, row;
};

inline AttentionLayout head_major(int64_t heads, int64_t rows, int64_t d) { return {heads * rows * d, rows * d, d}; }

// One attention call: q [BH, N, d], k and v [BH, M, d], out [BH, N, d] in the
// layouts below (BH = batch * heads), lse [BH, N] (always head-major,
// contiguous). mask [batch, M] (nullptr: keep every key; 0 = padded key,
// anything else = keep) is shared by the heads of a batch entry. The backward
// pass also reads out, lse and dout and writes dq, dk, dv (overwritten, never
// read); dq shares q's layout, dk k's, dv v's and dout out's.
struct AttentionProblem {
  const float* q;
  const float* k;
  const float* v;
  const float* mask;
  float* out;
  float* lse;
  const float* dout;
  float* dq;
  float* dk;
  float* dv;
  int64_t batch, heads, n, m, d;
  float scale;
  AttentionLayout lq, lk, lv, lo;

  // Offset of row r of batch-head bh in layout l.
  int64_t at(const AttentionLayout& l, int64_t bh, int64_t r) const {
    return (bh / heads) * l.batch + (bh % heads) * l.head + r * l.row;
  }
};

// One ISA's kernels. Every function's arithmetic depends only on the problem
// and its arguments (never on the worker running it), so results are
// bit-identical run to run and for any thread count.
struct AttentionKernelSet {
  const char* name;
  // Queries per forward task (the parallel grain of the forward pass).
  int64_t (*query_block)();
  // Floats of scratch one forward_block call needs.
  int64_t (*forward_scratch_floats)(const AttentionProblem& p);
  // out and lse of queries [q0, q0 + rows) of batch-head bh (rows <= query_block()).
  void (*forward_block)(const AttentionProblem& p, int64_t bh, int64_t q0, int64_t rows, float* scratch);
  // Floats of scratch one backward_head call needs.
  int64_t (*backward_scratch_floats)(const AttentionProblem& p);
  // dq, dk and dv of batch-head bh (all of its queries and keys).
  void (*backward_head)(const AttentionProblem& p, int64_t bh, float* scratch);
};

// nullptr when the ISA was not compiled in (non-x86 build).
const AttentionKernelSet* attention_kernels_avx512();
const AttentionKernelSet* attention_kernels_avx2();
const AttentionKernelSet* attention_kernels_scalar();

}  // namespace spacetime
