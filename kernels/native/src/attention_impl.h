// The fused-attention kernels of attention_kernels.h, written once with
// GCC/Clang vector extensions for a vector of SPACETIME_VECTOR_BYTES bytes and
// compiled per ISA (attention_avx512.cc, attention_avx2.cc,
// attention_scalar.cc). Internal linkage throughout, as in elementwise_impl.h.
//
// Everything is built from one register-tiled product, `tile`:
//   C[R rows, NV vectors] (+)= sum_k A(r, k) * B[k, NV vectors]
// with A read by scalar broadcast at any strides and B by vector loads. The
// layouts make every product of attention fit it:
//   keys transposed into slivers of G = NV*W keys ([d][G] each): S = Q.K^T
//   values / keys / dO / Q padded to dp = round_up(d, W) columns: P.V, dS.K,
//   P^T.dO and dS^T.Q (A read transposed).
// Padding keys (M up to a multiple of G) get a -inf bias like masked keys;
// padding queries are zero rows whose results are dropped.
#pragma once
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <algorithm>

#include "attention_kernels.h"

#ifndef SPACETIME_VECTOR_BYTES
#error "define SPACETIME_VECTOR_BYTES before including attention_impl.h"
#endif
#if SPACETIME_VECTOR_BYTES > 16
#include <immintrin.h>
#endif

namespace spacetime {
namespace {

constexpr int W = SPACETIME_VECTOR_BYTES / 4;  // float lanes
constexpr int NV = 2;                          // vectors per tile row
constexpr int G = NV * W;                      // keys per packed sliver
// Tile rows: R query rows x NV vectors of accumulators: 12 x 2 zmm on
// AVX-512 (of 32 registers), 4 x 2 on AVX2 and SSE (of 16). Products whose
// rows are keys (dV, dK) use RK rows, which divides G.
constexpr int R = W == 16 ? 12 : 4;
constexpr int RK = W == 16 ? 8 : 4;
// Queries per forward task; keys per online-softmax block in the forward
// pass; keys per dK/dV block and queries per chunk in the backward pass.
constexpr int64_t kQueryBlock = 8 * R;
constexpr int64_t kForwardKeyBlock = 256;
constexpr int64_t kBackwardKeyBlock = 64;
constexpr int64_t kBackwardQueryChunk = 4 * R;
static_assert(kForwardKeyBlock % G == 0 && kBackwardKeyBlock % G == 0 && G % RK == 0, "blocks");

typedef float vf __attribute__((vector_size(SPACETIME_VECTOR_BYTES)));
typedef int32_t vi __attribute__((vector_size(SPACETIME_VECTOR_BYTES)));
typedef uint32_t vu __attribute__((vector_size(SPACETIME_VECTOR_BYTES)));

inline vf load(const float* p) {
  vf v;
  memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, vf v) { memcpy(p, &v, sizeof v); }
// Broadcast without arithmetic ({} + x is not x for x = -0, so the compiler
// would add before broadcasting, a dependent op in every tile step).
inline vf splat(float x) {
#if SPACETIME_VECTOR_BYTES == 64
  return (vf)_mm512_set1_ps(x);
#elif SPACETIME_VECTOR_BYTES == 32
  return (vf)_mm256_set1_ps(x);
#else
  vf v;
  for (int l = 0; l < W; ++l) v[l] = x;
  return v;
#endif
}
// a * b + c, fused where the ISA has FMA (the build uses -ffp-contract=off).
inline vf fmadd(vf a, vf b, vf c) {
#if SPACETIME_VECTOR_BYTES == 64
  return (vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif SPACETIME_VECTOR_BYTES == 32
  return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
  return a * b + c;
#endif
}
// a > b ? a : b, which is exactly (v)maxps; GCC emits a compare and a blend
// for the vector-extension form.
inline vf vmax(vf a, vf b) {
#if SPACETIME_VECTOR_BYTES == 64
  return (vf)_mm512_max_ps((__m512)a, (__m512)b);
#elif SPACETIME_VECTOR_BYTES == 32
  return (vf)_mm256_max_ps((__m256)a, (__m256)b);
#else
  return a > b ? a : b;
#endif
}
// Horizontal max and sum in a fixed order (a tree on AVX-512, lanes in turn
// elsewhere): identical for every call on one ISA.
inline float hmax(vf v) {
#if SPACETIME_VECTOR_BYTES == 64
  return _mm512_reduce_max_ps((__m512)v);
#else
  float r = v[0];
  for (int l = 1; l < W; ++l) r = std::max(r, v[l]);
  return r;
#endif
}
inline float hsum(vf v) {
#if SPACETIME_VECTOR_BYTES == 64
  return _mm512_reduce_add_ps((__m512)v);
#else
  float r = v[0];
  for (int l = 1; l < W; ++l) r += v[l];
  return r;
#endif
}

// 2^x for x <= 0 (or -inf: a masked key), exactly 0 below -149. Scores are
// kept in log2 units (scaled by log2(e)) so the softmax needs only this:
// n = round(x), 2^(x - n) by Cephes exp2f's degree-6 polynomial on
// [-1/2, 1/2] (~1 ulp), times 2^n (AVX-512: one vscalefps).
inline vf exp2_nonpositive(vf x) {
  const vf xc = vmax(x, splat(-150.0f));
#if SPACETIME_VECTOR_BYTES == 64
  const vf n = (vf)_mm512_roundscale_ps((__m512)xc, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
#else
  const vi ni = __builtin_convertvector(xc - 0.5f, vi);  // round to nearest for xc <= 0
  const vf n = __builtin_convertvector(ni, vf);
#endif
  const vf f = xc - n;
  vf p = splat(1.326472708012779e-3f);
  p = fmadd(p, f, splat(9.671512862188269e-3f));
  p = fmadd(p, f, splat(5.550733745645747e-2f));
  p = fmadd(p, f, splat(2.402224208184314e-1f));
  p = fmadd(p, f, splat(6.931469775965884e-1f));
  p = fmadd(p, f, splat(1.0f));
#if SPACETIME_VECTOR_BYTES == 64
  return (vf)_mm512_scalef_ps((__m512)p, (__m512)n);  // 2^-150 rounds to 0
#else
  const vi n1 = ni >> 1;  // n >= -150: both halves are normal floats
  const vi n2 = ni - n1;
  const vf s1 = (vf)(((vu)(n1 + 127)) << 23);
  const vf s2 = (vf)(((vu)(n2 + 127)) << 23);
  const vf e = p * s1 * s2;
  return x < -149.0f ? splat(0.0f) : e;
#endif
}

// log2(x) for normal x > 0, ~1e-7 absolute: x = m * 2^e with m in
// [sqrt(1/2), sqrt(2)), log2(m) = 2/ln2 * atanh(t), t = (m - 1)/(m + 1),
// |t| < 0.172, by its odd series to t^9.
inline vf log2_positive(vf x) {
  const vi bits = (vi)x;
  vi e = ((bits >> 23) & 0xff) - 127;
  vf m = (vf)((bits & 0x007fffff) | 0x3f800000);  // [1, 2)
  const vi big = m > splat(1.41421356f);          // -1 where true
  m = big ? m * 0.5f : m;
  e -= big;
  const vf t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
  vf poly = splat(0.32059889f);                          // 2/(9 ln2)
  poly = fmadd(poly, t2, splat(0.41219858f));            // 2/(7 ln2)
  poly = fmadd(poly, t2, splat(0.57707802f));            // 2/(5 ln2)
  poly = fmadd(poly, t2, splat(0.96179669f));            // 2/(3 ln2)
  poly = fmadd(poly, t2, splat(2.88539008f));            // 2/ln2
  return fmadd(poly, t, __builtin_convertvector(e, vf));
}

constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2 = 0.693147180559945309f;

int64_t round_up(int64_t a, int64_t b) { return (a + b - 1) / b * b; }

// C[r, v*W + l] (+)= sum_{k < kdim} a[r*ars + k*aks] * b[k*bks + v*W + l]
// for r < R, v < V: R x V accumulators held in registers.
template <int RR, int V>
inline void tile(int64_t kdim, const float* a, ptrdiff_t ars, ptrdiff_t aks, const float* b, ptrdiff_t bks,
                 float* c, ptrdiff_t crs, bool accumulate) {
  vf acc[RR][V];
#pragma GCC unroll 16
  for (int r = 0; r < RR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[r][v] = accumulate ? load(c + r * crs + v * W) : splat(0.0f);
  for (int64_t k = 0; k < kdim; ++k) {
    vf bv[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) bv[v] = load(b + k * bks + v * W);
    const float* ak = a + k * aks;
#pragma GCC unroll 16
    for (int r = 0; r < RR; ++r) {
      const vf av = splat(ak[r * ars]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[r][v] = fmadd(av, bv[v], acc[r][v]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < RR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) store(c + r * crs + v * W, acc[r][v]);
}

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

// C[R, cols] (+)= A . B[k, cols] for cols = dp (a multiple of W): tiles of NV
// vectors, then one of a single vector.
template <int RR>
inline void tile_rows(int64_t kdim, const float* a, ptrdiff_t ars, ptrdiff_t aks, const float* b, ptrdiff_t bks,
                      int64_t cols, float* c, ptrdiff_t crs, bool accumulate) {
  int64_t j = 0;
  for (; j + G <= cols; j += G) tile<RR, NV>(kdim, a, ars, aks, b + j, bks, c + j, crs, accumulate);
  if (j < cols) tile<RR, 1>(kdim, a, ars, aks, b + j, bks, c + j, crs, accumulate);
}

// Padded sizes of a problem on this ISA.
struct Layout {
  int64_t mp;  // keys rounded up to G
  int64_t dp;  // head dim rounded up to W
  explicit Layout(const AttentionProblem& p) : mp(round_up(p.m, G)), dp(round_up(p.d, W)) {}
};

// rows x d (row stride d) -> rows_padded x dp, zeros around.
void copy_padded(const float* src, int64_t rows, int64_t d, int64_t rows_padded, int64_t dp, float* dst) {
  if (d == dp) {
    std::copy(src, src + rows * d, dst);
    std::fill(dst + rows * d, dst + rows_padded * dp, 0.0f);
    return;
  }
  for (int64_t i = 0; i < rows_padded; ++i) {
    float* row = dst + i * dp;
    if (i < rows) {
      std::copy(src + i * d, src + (i + 1) * d, row);
      std::fill(row + d, row + dp, 0.0f);
    } else {
      std::fill(row, row + dp, 0.0f);
    }
  }
}

// m x d rows -> slivers of G rows transposed: element (j, c) at
// (j / G) * d * G + c * G + j % G; rows past m are 0. Reads each row once,
// contiguously (the scattered stores stay within one sliver).
#if SPACETIME_VECTOR_BYTES == 64
// In-register transpose of 16 rows of 16 floats: afterwards r[i] holds column i
// (as in gemm_avx512.cc).
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int h = 0; h < 16; h += 8)
    for (int i = 0; i < 4; ++i) {
      t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
      t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xdd);
    }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
  }
}
#endif

void transpose_slivers(const float* src, int64_t m, int64_t mp, int64_t d, float* dst) {
  for (int64_t s = 0; s < mp; s += G) {
    float* sliver = dst + s * d;
    const int64_t keys = std::min<int64_t>(G, m - s);
#if SPACETIME_VECTOR_BYTES == 64
    if (keys == G && d % 16 == 0) {  // full sliver: 16 x 16 blocks through registers
      for (int64_t j0 = 0; j0 < G; j0 += 16)
        for (int64_t c0 = 0; c0 < d; c0 += 16) {
          __m512 r[16];
          for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + (s + j0 + i) * d + c0);
          transpose16(r);
          for (int i = 0; i < 16; ++i) _mm512_storeu_ps(sliver + (c0 + i) * G + j0, r[i]);
        }
      continue;
    }
#endif
    if (keys < G) std::fill(sliver, sliver + G * d, 0.0f);
    for (int64_t jj = 0; jj < keys; ++jj) {
      const float* row = src + (s + jj) * d;
      for (int64_t c = 0; c < d; ++c) sliver[c * G + jj] = row[c];
    }
  }
}

// 0 for a kept key, -inf for a masked or padding key.
// (Two loops, not one with `!mask ||` inside: GCC if-converts that into masked
// loads from the null pointer, each a slow fault-suppression assist.)
void key_bias(const AttentionProblem& p, int64_t bh, int64_t mp, float* bias) {
  if (p.mask) {
    const float* mask = p.mask + (bh / p.heads) * p.m;
    for (int64_t j = 0; j < p.m; ++j) bias[j] = mask[j] != 0.0f ? 0.0f : -INFINITY;
  } else {
    std::fill(bias, bias + p.m, 0.0f);
  }
  std::fill(bias + p.m, bias + mp, -INFINITY);
}

// ---------------------------------------------------------------- forward
//
// One task: QB = NQ*W queries of one batch-head against all of its keys, in
// blocks of KB keys with an online softmax. The scores are held transposed,
// s^T [keys][QB], so that each query is a vector lane: the running max, the
// sum and the rescaling are plain vector operations (no horizontal
// reductions), and the keys are read in place, one broadcast at a time, so
// nothing is packed per head. Only the task's own queries are transposed,
// once, into q^T [d][QB] (already multiplied by scale * log2(e): scores in
// log2 units). Then o [QB][dp] += p . v reads p^T by broadcast and v by rows.

constexpr int NQ = W == 16 ? 4 : 2;        // query vectors per task
constexpr int64_t QB = NQ * W;             // queries per task: 64 (AVX-512), 16 (AVX2), 8 (SSE)
constexpr int SK = 4;                      // keys per score tile: SK x NQ accumulators
constexpr int RQ = W == 16 ? 8 : 4;        // query rows per p.v tile
constexpr int64_t KB = (256 + SK - 1) / SK * SK;  // keys per softmax block
static_assert(QB % RQ == 0 && SK % 2 == 0, "forward tiles");

int64_t query_block() { return QB; }

// s[r, 0..QB) = bias[r] + sum_c k[r*d + c] * qt[c*QB + 0..QB) for SK keys r:
// SK x NQ accumulators that start at the bias (0, or -inf for a masked key).
inline void score_tile(int64_t d, const float* k, const float* bias, const float* qt, float* s, vf max[NQ]) {
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
      const vf kv = splat(k[r * d + c]);
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

// qt[c*QB + r] = q[r*d + c] * scale for r < rows, 0 for rows <= r < QB.
void transpose_queries(const float* q, int64_t rows, int64_t d, float scale, float* qt) {
#if SPACETIME_VECTOR_BYTES == 64
  if (rows == QB && d % 16 == 0) {  // 16 x 16 blocks through registers
    const __m512 sv = _mm512_set1_ps(scale);
    for (int64_t r0 = 0; r0 < QB; r0 += 16)
      for (int64_t c0 = 0; c0 < d; c0 += 16) {
        __m512 t[16];
        for (int i = 0; i < 16; ++i) t[i] = _mm512_loadu_ps(q + (r0 + i) * d + c0);
        transpose16(t);
        for (int i = 0; i < 16; ++i) _mm512_storeu_ps(qt + (c0 + i) * QB + r0, _mm512_mul_ps(t[i], sv));
      }
    return;
  }
#endif
  for (int64_t c = 0; c < d; ++c)
    for (int64_t r = 0; r < QB; ++r) qt[c * QB + r] = r < rows ? q[r * d + c] * scale : 0.0f;
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
  const float* q = p.q + (bh * p.n + q0) * d;
  float* out = p.out + (bh * p.n + q0) * d;
  // Start fetching the block's queries and output rows (usually cold) while the keys are set up.
  for (int64_t i = 0; i < rows * d; i += 16) {
    __builtin_prefetch(q + i, 0, 3);
    __builtin_prefetch(out + i, 1, 3);
  }
  // and the next block's queries: the next task's, when this thread takes it.
  const int64_t next = (bh * p.n + q0 + rows) * d, next_end = std::min(next + QB * d, p.batch * p.heads * p.n * d);
  for (int64_t i = next; i < next_end; i += 16) __builtin_prefetch(p.q + i, 0, 2);
  // Keys: full tiles of SK are read in place; the last, partial one from a zero-padded copy.
  const float* k = p.k + bh * m * d;
  const int64_t k_full = m / SK * SK;
  if (k_full < mk) {
    std::copy(k + k_full * d, k + m * d, b.k_tail);
    std::fill(b.k_tail + (m - k_full) * d, b.k_tail + SK * d, 0.0f);
  }
  key_bias(p, bh, mk, b.bias);
  const float* v = p.v + bh * m * d;
  if (dp != d) {
    copy_padded(v, m, d, m, dp, b.v_padded);
    v = b.v_padded;
  }
  transpose_queries(q, rows, d, p.scale * kLog2e, b.qt);
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
      score_tile(d, key < k_full ? k + key * d : b.k_tail, b.bias + key, b.qt, b.s + j * QB, block_max);
    }
    // Online softmax, lane by lane: s^T -> 2^(s^T - new max), the sums (two
    // partial sums: even and odd keys), the old sums and o rescaled.
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
      tile_rows<RQ>(keys, b.s + r0, 1, QB, v + kb0 * dp, dp, dp, b.o + r0 * dp, dp, kb0 > 0);
  }
  // out = o / sum, lse = (max + log2(sum)) * ln2; a query whose keys are all
  // masked (sum 0) gets out 0 and lse -inf.
  float* lse = p.lse + bh * p.n + q0;
  float* inv = b.correction;  // (free now)
  for (int64_t i = 0; i < QB; i += W) {
    const vf l = load(b.row_sum + i);
    const vf kept = l > splat(0.0f) ? splat(1.0f) : splat(0.0f);
    store(inv + i, kept / (kept > splat(0.0f) ? l : splat(1.0f)));
    store(b.row_max + i, kept > splat(0.0f) ? (load(b.row_max + i) + log2_positive(l)) * kLn2 : splat(-INFINITY));
  }
  std::copy(b.row_max, b.row_max + rows, lse);
  for (int64_t r = 0; r < rows; ++r) {
    const float scale = inv[r];
    for (int64_t c = 0; c < d; ++c) out[r * d + c] = b.o[r * dp + c] * scale;
  }
}

// ---------------------------------------------------------------- backward

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
  const float* q = p.q + bh * n * d;
  const float* dout = p.dout + bh * n * d;
  const float* out = p.out + bh * n * d;
  copy_padded(q, n, d, np, dp, b.qp);
  copy_padded(dout, n, d, np, dp, b.dop);
  copy_padded(p.k + bh * m * d, m, d, mp, dp, b.kp);
  transpose_slivers(p.k + bh * m * d, m, mp, d, b.kt);
  transpose_slivers(p.v + bh * m * d, m, mp, d, b.vt);
  std::fill(b.dq, b.dq + np * dp, 0.0f);
  key_bias(p, bh, mp, b.bias);
  // delta_i = dO_i . O_i (= sum_j dP_ij P_ij), and lse; padding rows pass nothing.
  for (int64_t i = 0; i < np; ++i) {
    if (i < n) {
      double acc = 0;
      for (int64_t c = 0; c < d; ++c) acc += double(dout[i * d + c]) * double(out[i * d + c]);
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
      memcpy(p.dk + (bh * m + kb0 + j) * d, b.dk + j * dp, size_t(d) * sizeof(float));
      memcpy(p.dv + (bh * m + kb0 + j) * d, b.dv + j * dp, size_t(d) * sizeof(float));
    }
  }
  for (int64_t i = 0; i < n; ++i) memcpy(p.dq + (bh * n + i) * d, b.dq + i * dp, size_t(d) * sizeof(float));
}

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
