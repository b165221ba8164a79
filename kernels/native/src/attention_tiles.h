// The pieces shared by the fused-attention forward (attention_forward_impl.h)
// and backward (attention_backward_impl.h): vector helpers, exp2 and log2, the
// register tile, and small copies. Compiled per ISA through attention_impl.h,
// for a vector of SPACETIME_VECTOR_BYTES bytes; internal linkage throughout.
//
// The register tile, `tile`:
//   C[RR rows, V vectors] (+)= sum_k A(r, k) * B[k, V vectors]
// reads A by scalar broadcast at any strides and B by vector loads.
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

#include "simd_vectors.h"

constexpr int NV = 2;  // vectors per row of tile_rows' tiles
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

// 2^x for x <= 0 (or -inf: a masked key), exactly 0 below -149. Scores are
// kept in log2 units (scaled by log2(e)) so the softmax needs only this:
// n = round(x), 2^(x - n) by a degree-5 minimax polynomial on [-1/2, 1/2]
// (9e-8 relative), times 2^n (AVX-512: one vscalefps).
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
// for r < RR, v < V: RR x V accumulators held in registers.
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

// C[RR, cols] (+)= A . B[k, cols] for cols = dp (a multiple of W): tiles of NV
// vectors, then one of a single vector.
template <int RR>
inline void tile_rows(int64_t kdim, const float* a, ptrdiff_t ars, ptrdiff_t aks, const float* b, ptrdiff_t bks,
                      int64_t cols, float* c, ptrdiff_t crs, bool accumulate) {
  int64_t j = 0;
  for (; j + NV * W <= cols; j += NV * W) tile<RR, NV>(kdim, a, ars, aks, b + j, bks, c + j, crs, accumulate);
  if (j < cols) tile<RR, 1>(kdim, a, ars, aks, b + j, bks, c + j, crs, accumulate);
}

// rows x d (row stride ss) -> rows_padded x dp, zeros around.
void copy_padded(const float* src, int64_t ss, int64_t rows, int64_t d, int64_t rows_padded, int64_t dp, float* dst) {
  if (d == dp && ss == d) {
    std::copy(src, src + rows * d, dst);
    std::fill(dst + rows * d, dst + rows_padded * dp, 0.0f);
    return;
  }
  for (int64_t i = 0; i < rows_padded; ++i) {
    float* row = dst + i * dp;
    if (i < rows) {
      std::copy(src + i * ss, src + i * ss + d, row);
      std::fill(row + d, row + dp, 0.0f);
    } else {
      std::fill(row, row + dp, 0.0f);
    }
  }
}

#if SPACETIME_VECTOR_BYTES == 64
#include "transpose_avx512.h"
#endif

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

}  // namespace
}  // namespace spacetime
