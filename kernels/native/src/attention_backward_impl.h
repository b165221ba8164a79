// The fused-attention backward pass (see attention_kernels.h for the contract
// and attention_tiles.h for the shared pieces), compiled per ISA through
// attention_impl.h.
//
// One task per batch-head: it recomputes the probabilities blockwise from the
// forward's log-sum-exp and writes that head's dq, dk and dv. Every product is
// the register tile of attention_tiles.h:
//   keys and values transposed into slivers of G = NV*W keys ([d][G] each):
//     S = Q.K^T and dP = dO.V^T;
//   keys, dO and Q padded to dp = round_up(d, W) columns: dQ = dS.K,
//     dV = P^T.dO and dK = dS^T.Q (A read transposed).
// Padding keys (M up to a multiple of G) get a -inf bias like masked keys;
// padding queries are zero rows whose results are dropped.
#pragma once
#include "attention_tiles.h"

namespace spacetime {
namespace {

constexpr int G = NV * W;  // keys per sliver of transposed keys or values
// Tile rows: R query rows x NV vectors of accumulators: 12 x 2 zmm on
// AVX-512 (of 32 registers), 4 x 2 on AVX2 and SSE (of 16). Products whose
// rows are keys (dV, dK) use RK rows, which divides G.
constexpr int R = W == 16 ? 12 : 4;
constexpr int RK = W == 16 ? 8 : 4;
// Keys per dK/dV block; queries per chunk.
constexpr int64_t kBackwardKeyBlock = 64;
constexpr int64_t kBackwardQueryChunk = 4 * R;
static_assert(kBackwardKeyBlock % G == 0 && G % RK == 0, "blocks");

// s[r, 0..G) = scale * (q_r . k_j) + bias_j for a sliver of G keys: R x NV
// accumulators, then the scale and bias in the store.
inline void tile_scores(int64_t d, const float* q, ptrdiff_t qrs, const float* kt, const float* bias, vf scale,
                        float* s, ptrdiff_t srs) {
  vf acc[R][NV];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = splat(0.0f);
  for (int64_t c = 0; c < d; ++c) {
    vf kv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) kv[v] = load(kt + c * G + v * W);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const vf qv = splat(q[r * qrs + c]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = fmadd(qv, kv[v], acc[r][v]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) store(s + r * srs + v * W, fmadd(acc[r][v], scale, load(bias + v * W)));
}

// Padded sizes of a problem on this ISA.
struct Layout {
  int64_t mp;  // keys rounded up to G
  int64_t dp;  // head dim rounded up to W
  explicit Layout(const AttentionProblem& p) : mp(round_up(p.m, G)), dp(round_up(p.d, W)) {}
};

// m x d rows (row stride ss) -> slivers of G rows transposed: element (j, c)
// at (j / G) * d * G + c * G + j % G; rows past m are 0. Reads each row once,
// contiguously (the scattered stores stay within one sliver).
void transpose_slivers(const float* src, int64_t ss, int64_t m, int64_t mp, int64_t d, float* dst) {
  for (int64_t s = 0; s < mp; s += G) {
    float* sliver = dst + s * d;
    const int64_t keys = std::min<int64_t>(G, m - s);
#if SPACETIME_VECTOR_BYTES == 64
    if (keys == G && d % 16 == 0) {  // full sliver: 16 x 16 blocks through registers
      for (int64_t j0 = 0; j0 < G; j0 += 16)
        for (int64_t c0 = 0; c0 < d; c0 += 16) {
          __m512 r[16];
          for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + (s + j0 + i) * ss + c0);
          transpose16(r);
          for (int i = 0; i < 16; ++i) _mm512_storeu_ps(sliver + (c0 + i) * G + j0, r[i]);
        }
      continue;
    }
#endif
    if (keys < G) std::fill(sliver, sliver + G * d, 0.0f);
    for (int64_t jj = 0; jj < keys; ++jj) {
      const float* row = src + (s + jj) * ss;
      for (int64_t c = 0; c < d; ++c) sliver[c * G + jj] = row[c];
    }
  }
}


struct BackwardBuffers {
  float *qp, *dop, *kp, *kt, *vt, *dq, *delta, *lse, *bias, *pb, *ds, *dk, *dv;
};

// Carves scratch into the backward buffers; returns floats used.
int64_t backward_buffers(const AttentionProblem& p, float* base, BackwardBuffers* b) {
  const Layout L(p);
  const int64_t np = round_up(p.n, R), dp = L.dp, mp = L.mp;
  const int64_t sizes[13] = {np * dp, np * dp, mp * dp, mp * p.d, mp * p.d, np * dp, np, np, mp,
                             kBackwardQueryChunk * kBackwardKeyBlock, kBackwardQueryChunk * kBackwardKeyBlock,
                             kBackwardKeyBlock * dp, kBackwardKeyBlock * dp};
  float** slots[13] = {&b->qp, &b->dop, &b->kp, &b->kt, &b->vt, &b->dq, &b->delta, &b->lse, &b->bias,
                       &b->pb, &b->ds, &b->dk, &b->dv};
  int64_t used = 0;
  for (int i = 0; i < 13; ++i) {
    if (base) *slots[i] = base + used;
    used += round_up(sizes[i], 16);  // keep every buffer 64-byte aligned
  }
  return used;
}

int64_t backward_scratch_floats(const AttentionProblem& p) { return backward_buffers(p, nullptr, nullptr); }

void backward_head(const AttentionProblem& p, int64_t bh, float* scratch) {
  const Layout L(p);
  const int64_t n = p.n, m = p.m, d = p.d, dp = L.dp, mp = L.mp, np = round_up(n, R);
  BackwardBuffers b;
  backward_buffers(p, scratch, &b);
  const int64_t qs = p.lq.row, ks = p.lk.row, vs = p.lv.row, os = p.lo.row;
  const float* q = p.q + p.at(p.lq, bh, 0);
  const float* k = p.k + p.at(p.lk, bh, 0);
  const float* dout = p.dout + p.at(p.lo, bh, 0);
  const float* out = p.out + p.at(p.lo, bh, 0);
  copy_padded(q, qs, n, d, np, dp, b.qp);
  copy_padded(dout, os, n, d, np, dp, b.dop);
  copy_padded(k, ks, m, d, mp, dp, b.kp);
  transpose_slivers(k, ks, m, mp, d, b.kt);
  transpose_slivers(p.v + p.at(p.lv, bh, 0), vs, m, mp, d, b.vt);
  std::fill(b.dq, b.dq + np * dp, 0.0f);
  key_bias(p, bh, mp, b.bias);
  // delta_i = dO_i . O_i (= sum_j dP_ij P_ij), and lse; padding rows pass nothing.
  for (int64_t i = 0; i < np; ++i) {
    if (i < n) {
      double acc = 0;
      for (int64_t c = 0; c < d; ++c) acc += double(dout[i * os + c]) * double(out[i * os + c]);
      b.delta[i] = float(acc);
      b.lse[i] = p.lse[bh * n + i];
    } else {
      b.delta[i] = 0.0f;
      b.lse[i] = -INFINITY;
    }
  }
  const vf scale2 = splat(p.scale * kLog2e), scale = splat(p.scale);

  for (int64_t kb0 = 0; kb0 < mp; kb0 += kBackwardKeyBlock) {
    const int64_t kb = std::min(kBackwardKeyBlock, mp - kb0);
    std::fill(b.dk, b.dk + kb * dp, 0.0f);
    std::fill(b.dv, b.dv + kb * dp, 0.0f);
    for (int64_t qc0 = 0; qc0 < np; qc0 += kBackwardQueryChunk) {
      const int64_t qc = std::min(kBackwardQueryChunk, np - qc0);
      for (int64_t r0 = 0; r0 < qc; r0 += R) {
        float* pr = b.pb + r0 * kBackwardKeyBlock;
        float* dsr = b.ds + r0 * kBackwardKeyBlock;
        for (int64_t j = 0; j < kb; j += G) {
          // s (log2 units, biased) into pb; dp = dO . v^T into ds
          tile_scores(d, b.qp + (qc0 + r0) * dp, dp, b.kt + (kb0 + j) * d, b.bias + kb0 + j, scale2, pr + j, kBackwardKeyBlock);
          tile<R, NV>(d, b.dop + (qc0 + r0) * dp, dp, 1, b.vt + (kb0 + j) * d, G, dsr + j, kBackwardKeyBlock, false);
        }
        for (int r = 0; r < R; ++r) {
          float* ps = pr + r * kBackwardKeyBlock;
          float* dss = dsr + r * kBackwardKeyBlock;
          const float row_lse = b.lse[qc0 + r0 + r];
          if (row_lse == -INFINITY) {  // every key masked, or a padding row
            std::fill(ps, ps + kb, 0.0f);
            std::fill(dss, dss + kb, 0.0f);
            continue;
          }
          const vf l = splat(row_lse * kLog2e), delta = splat(b.delta[qc0 + r0 + r]);
          for (int64_t j = 0; j < kb; j += W) {
            const vf pv = exp2_nonpositive(load(ps + j) - l);
            store(ps + j, pv);
            store(dss + j, pv * (load(dss + j) - delta) * scale);  // ds, with the scale of s folded in
          }
        }
        // dq += ds . k
        tile_rows<R>(kb, dsr, kBackwardKeyBlock, 1, b.kp + kb0 * dp, dp, dp, b.dq + (qc0 + r0) * dp, dp, true);
      }
      // dv += p^T . dO and dk += ds^T . q over this chunk's queries, RK keys at a time.
      for (int64_t j0 = 0; j0 < kb; j0 += RK) {
        tile_rows<RK>(qc, b.pb + j0, 1, kBackwardKeyBlock, b.dop + qc0 * dp, dp, dp, b.dv + j0 * dp, dp, true);
        tile_rows<RK>(qc, b.ds + j0, 1, kBackwardKeyBlock, b.qp + qc0 * dp, dp, dp, b.dk + j0 * dp, dp, true);
      }
    }
    const int64_t keys = std::min(kb, m - kb0);
    for (int64_t j = 0; j < keys; ++j) {
      memcpy(p.dk + p.at(p.lk, bh, kb0 + j), b.dk + j * dp, size_t(d) * sizeof(float));
      memcpy(p.dv + p.at(p.lv, bh, kb0 + j), b.dv + j * dp, size_t(d) * sizeof(float));
    }
  }
  for (int64_t i = 0; i < n; ++i) memcpy(p.dq + p.at(p.lq, bh, i), b.dq + i * dp, size_t(d) * sizeof(float));
}

}  // namespace
}  // namespace spacetime
