// The fused-attention forward pass (see attention_kernels.h for the contract
// and attention_tiles.h for the shared pieces), compiled per ISA through
// attention_impl.h.
//
// One task: QB = NQ*W queries of one batch-head against all of its keys, in
// blocks of KB keys with an online softmax. The scores are held transposed,
// s^T [keys][QB], so that each query is a vector lane: the running max, the
// sum and the rescaling are plain vector operations (no horizontal
// reductions), and the keys are read in place, one broadcast at a time, so
// nothing is packed per head. Only the task's own queries are transposed,
// once, into q^T [d][QB] (already multiplied by scale * log2(e): scores in
// log2 units). Then o [QB][dp] += p . v reads p^T by broadcast and v by rows.
#pragma once
#include "attention_tiles.h"

namespace spacetime {
namespace {

constexpr int NQ = W == 16 ? 4 : 2;        // query vectors per task
constexpr int64_t QB = NQ * W;             // queries per task: 64 (AVX-512), 16 (AVX2), 8 (SSE)
constexpr int SK = 4;                      // keys per score tile: SK x NQ accumulators
constexpr int RQ = W == 16 ? 8 : 4;        // query rows per p.v tile
constexpr int64_t KB = (256 + SK - 1) / SK * SK;  // keys per softmax block
static_assert(QB % RQ == 0 && SK % 2 == 0, "forward tiles");  // (the softmax takes keys in pairs)

int64_t query_block() { return QB; }

// s[r, 0..QB) = bias[r] + sum_c k[r*ks + c] * qt[c*QB + 0..QB) for SK keys r:
// SK x NQ accumulators that start at the bias (0, or -inf for a masked key).
inline void score_tile(int64_t d, const float* k, int64_t ks, const float* bias, const float* qt, float* s,
                       vf max[NQ]) {
  vf acc[SK][NQ];
#pragma GCC unroll 8
  for (int r = 0; r < SK; ++r) {
    const vf b = splat(bias[r]);
#pragma GCC unroll 4
    for (int v = 0; v < NQ; ++v) acc[r][v] = b;
  }
  for (int64_t c = 0; c < d; ++c) {
    vf qv[NQ];
#pragma GCC unroll 4
    for (int v = 0; v < NQ; ++v) qv[v] = load(qt + c * QB + v * W);
#pragma GCC unroll 8
    for (int r = 0; r < SK; ++r) {
      const vf kv = splat(k[r * ks + c]);
#pragma GCC unroll 4
      for (int v = 0; v < NQ; ++v) acc[r][v] = fmadd(kv, qv[v], acc[r][v]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < SK; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NQ; ++v) {
      store(s + r * QB + v * W, acc[r][v]);
      max[v] = vmax(max[v], acc[r][v]);
    }
}

// qt[c*QB + r] = q[r*qs + c] * scale for r < rows, 0 for rows <= r < QB.
void transpose_queries(const float* q, int64_t qs, int64_t rows, int64_t d, float scale, float* qt) {
#if SPACETIME_VECTOR_BYTES == 64
  if (rows == QB && d % 16 == 0) {  // 16 x 16 blocks through registers
    const __m512 sv = _mm512_set1_ps(scale);
    for (int64_t r0 = 0; r0 < QB; r0 += 16)
      for (int64_t c0 = 0; c0 < d; c0 += 16) {
        __m512 t[16];
        for (int i = 0; i < 16; ++i) t[i] = _mm512_loadu_ps(q + (r0 + i) * qs + c0);
        transpose16(t);
        for (int i = 0; i < 16; ++i) _mm512_storeu_ps(qt + (c0 + i) * QB + r0, _mm512_mul_ps(t[i], sv));
      }
    return;
  }
#endif
  for (int64_t c = 0; c < d; ++c)
    for (int64_t r = 0; r < QB; ++r) qt[c * QB + r] = r < rows ? q[r * qs + c] * scale : 0.0f;
}

// Per-task scratch, carved from one buffer; every part 64-byte aligned.
struct ForwardBuffers {
  float *qt, *o, *row_max, *row_sum, *correction, *s, *bias, *k_tail, *v_padded;
};

int64_t forward_buffers(const AttentionProblem& p, float* base, ForwardBuffers* b) {
  const int64_t dp = round_up(p.d, W), mk = round_up(p.m, SK);
  const int64_t sizes[9] = {p.d * QB, QB * dp, QB, QB, QB, KB * QB, mk, SK * p.d, dp == p.d ? 0 : p.m * dp};
  float** slots[9] = {&b->qt, &b->o, &b->row_max, &b->row_sum, &b->correction, &b->s, &b->bias, &b->k_tail, &b->v_padded};
  int64_t used = 0;
  for (int i = 0; i < 9; ++i) {
    if (base) *slots[i] = base + used;
    used += round_up(sizes[i], 16);
  }
  return used;
}

int64_t forward_scratch_floats(const AttentionProblem& p) { return forward_buffers(p, nullptr, nullptr); }

void forward_block(const AttentionProblem& p, int64_t bh, int64_t q0, int64_t rows, float* scratch) {
  const int64_t m = p.m, d = p.d, dp = round_up(d, W), mk = round_up(m, SK), rp = round_up(rows, RQ);
  ForwardBuffers b;
  forward_buffers(p, scratch, &b);
  const int64_t qs = p.lq.row, ks = p.lk.row, os = p.lo.row;
  const float* q = p.q + p.at(p.lq, bh, q0);
  float* out = p.out + p.at(p.lo, bh, q0);
  // Start fetching the block's queries and output rows (usually cold) while the keys are set up,
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < d; c += 16) {
      __builtin_prefetch(q + r * qs + c, 0, 3);
      __builtin_prefetch(out + r * os + c, 1, 3);
    }
  // and the next task's queries (this head's next block, or the next head's first), when this thread takes it.
  const bool last = q0 + rows >= p.n;
  const int64_t next_bh = last ? bh + 1 : bh, next_q0 = last ? 0 : q0 + rows;
  if (next_bh < p.batch * p.heads)
    for (int64_t r = next_q0; r < std::min(next_q0 + QB, p.n); ++r)
      for (int64_t c = 0; c < d; c += 16) __builtin_prefetch(p.q + p.at(p.lq, next_bh, r) + c, 0, 2);
  // Keys: full tiles of SK are read in place; the last, partial one from a zero-padded copy.
  const float* k = p.k + p.at(p.lk, bh, 0);
  const int64_t k_full = m / SK * SK;
  if (k_full < mk) {
    copy_padded(k + k_full * ks, ks, m - k_full, d, SK, d, b.k_tail);
  }
  key_bias(p, bh, mk, b.bias);
  const float* v = p.v + p.at(p.lv, bh, 0);
  int64_t vs = p.lv.row;
  if (dp != d) {
    copy_padded(v, vs, m, d, m, dp, b.v_padded);
    v = b.v_padded;
    vs = dp;
  }
  transpose_queries(q, qs, rows, d, p.scale * kLog2e, b.qt);
  std::fill(b.row_max, b.row_max + QB, -INFINITY);
  std::fill(b.row_sum, b.row_sum + QB, 0.0f);

  for (int64_t kb0 = 0; kb0 < mk; kb0 += KB) {
    const int64_t kb = std::min(KB, mk - kb0);
    // s^T = k . q^T + bias for kb keys x QB queries, and its max per query.
    vf block_max[NQ];
#pragma GCC unroll 4
    for (int v = 0; v < NQ; ++v) block_max[v] = splat(-INFINITY);
    for (int64_t j = 0; j < kb; j += SK) {
      const int64_t key = kb0 + j;
      if (key < k_full) score_tile(d, k + key * ks, ks, b.bias + key, b.qt, b.s + j * QB, block_max);
      else score_tile(d, b.k_tail, d, b.bias + key, b.qt, b.s + j * QB, block_max);
    }
    // Online softmax, lane by lane: s^T -> p^T = 2^(s^T - new max) in place,
    // the sums (two partial sums: even and odd keys), the old sums and o rescaled.
    vf shift[NQ], correction[NQ], sum0[NQ], sum1[NQ];
#pragma GCC unroll 4
    for (int v = 0; v < NQ; ++v) {
      const vf old_max = load(b.row_max + v * W);
      const vf new_max = vmax(old_max, block_max[v]);
      store(b.row_max + v * W, new_max);
      // A query that has seen only masked keys keeps max -inf: shift by 0 so
      // that its weights and correction are 2^-inf = 0, not NaN.
      shift[v] = new_max == splat(-INFINITY) ? splat(0.0f) : new_max;
      correction[v] = exp2_nonpositive(old_max - shift[v]);
      store(b.correction + v * W, correction[v]);
      sum0[v] = sum1[v] = splat(0.0f);
    }
    for (int64_t j = 0; j < kb; j += 2) {
      float* s0 = b.s + j * QB;
      float* s1 = s0 + QB;
#pragma GCC unroll 4
      for (int v = 0; v < NQ; ++v) {
        const vf e0 = exp2_nonpositive(load(s0 + v * W) - shift[v]);
        const vf e1 = exp2_nonpositive(load(s1 + v * W) - shift[v]);
        store(s0 + v * W, e0);
        store(s1 + v * W, e1);
        sum0[v] += e0;
        sum1[v] += e1;
      }
    }
#pragma GCC unroll 4
    for (int v = 0; v < NQ; ++v)
      store(b.row_sum + v * W, load(b.row_sum + v * W) * correction[v] + (sum0[v] + sum1[v]));
    if (kb0 > 0) {  // (the first block writes o rather than adding to it)
      for (int64_t i = 0; i < rp; ++i) {
        const vf cv = splat(b.correction[i]);
        for (int64_t c = 0; c < dp; c += W) store(b.o + i * dp + c, load(b.o + i * dp + c) * cv);
      }
    }
    // o += p . v over the real keys (p is 0 on padding keys, whose v rows do not exist)
    const int64_t keys = std::min(kb, m - kb0);
    for (int64_t r0 = 0; r0 < rp; r0 += RQ)
      tile_rows<RQ>(keys, b.s + r0, 1, QB, v + kb0 * vs, vs, dp, b.o + r0 * dp, dp, kb0 > 0);
  }
  // out = o / sum, lse = (max + log2(sum)) * ln2; a query whose keys are all
  // masked (sum 0) gets out 0 and lse -inf.
  float* lse = p.lse + bh * p.n + q0;
  float* inv = b.correction;  // (free now)
  for (int64_t i = 0; i < QB; i += W) {
    const vf l = load(b.row_sum + i);
    const vi kept = l > splat(0.0f);
    store(inv + i, kept ? splat(1.0f) / l : splat(0.0f));
    store(b.row_max + i, kept ? (load(b.row_max + i) + log2_positive(l)) * kLn2 : splat(-INFINITY));
  }
  std::copy(b.row_max, b.row_max + rows, lse);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < d; ++c) out[r * os + c] = b.o[r * dp + c] * inv[r];
}

}  // namespace
}  // namespace spacetime
