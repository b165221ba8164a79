// AVX2 + FMA GEMM kernels: a 6x16 micro-tile (12 ymm accumulators, two B
// vectors, one A broadcast: 15 of the 16 ymm registers) plus packing compiled
// for AVX2. Built with -mavx2 -mfma in its own static library (binding.gyp);
// only called after the runtime check in cpu_features.cc.
#include "gemm_kernels.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include "gemm_tiles.h"

namespace spacetime {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;

// In-register transpose of 8 rows of 8 floats: afterwards r[i] holds column i.
inline void transpose8(__m256 r[8]) {
  __m256 t[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    r[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x20);
    t[i + 4] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x31);
  }
  for (int i = 0; i < 8; ++i) r[i] = t[i];
}

// Loads `rows` rows (stride rs) of `count` <= 8 floats each; other lanes and rows are 0.
inline void load_rows(__m256 r[8], const float* src, ptrdiff_t rs, int rows, int count) {
  alignas(32) static const int kLanes[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  const __m256i mask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kLanes + 8 - count));
  for (int i = 0; i < 8; ++i) {
    if (i >= rows) r[i] = _mm256_setzero_ps();
    else if (count == 8) r[i] = _mm256_loadu_ps(src + i * rs);
    else r[i] = _mm256_maskload_ps(src + i * rs, mask);
  }
}

// Row-major op(A) (cs == 1): transpose 8 k at a time through registers.
void pack_a(MatView a, ptrdiff_t m0, int mc, ptrdiff_t k0, int kc, float* dst) {
  if (a.cs != 1) return pack_a_tpl<MR>(a, m0, mc, k0, kc, dst);
  for (int i = 0; i + MR <= mc; i += MR, dst += MR * kc) {
    const float* src = a.data + (m0 + i) * a.rs + k0;
    for (int k = 0; k < kc; k += 8) {
      const int count = min_int(8, kc - k);
      __m256 r[8];
      load_rows(r, src + k, a.rs, MR, count);
      transpose8(r);
      for (int t = 0; t < count; ++t) {  // lanes 0..5 of column k+t
        _mm_storeu_ps(dst + (k + t) * MR, _mm256_castps256_ps128(r[t]));
        _mm_storel_pi(reinterpret_cast<__m64*>(dst + (k + t) * MR + 4), _mm256_extractf128_ps(r[t], 1));
      }
    }
  }
  if (const int done = mc / MR * MR; done < mc) pack_a_tpl<MR>(a, m0 + done, mc - done, k0, kc, dst);
}

// Column-major op(B) (rs == 1, B was transposed): two 8x8 transposes per 8 k.
void pack_b(MatView b, ptrdiff_t k0, int kc, ptrdiff_t n0, int nc, float* dst) {
  if (b.rs != 1) return pack_b_tpl<NR>(b, k0, kc, n0, nc, dst);
  for (int j = 0; j < nc; j += NR, dst += NR * kc) {
    const int cols = min_int(NR, nc - j);
    const float* src = b.data + k0 + (n0 + j) * b.cs;
    for (int k = 0; k < kc; k += 8) {
      const int count = min_int(8, kc - k);
      for (int half = 0; half < 2; ++half) {
        __m256 r[8];
        load_rows(r, src + k + half * 8 * b.cs, b.cs, cols - half * 8, count);
        transpose8(r);
        for (int t = 0; t < count; ++t) _mm256_store_ps(dst + (k + t) * NR + half * 8, r[t]);
      }
    }
  }
}

inline void store_row(float* c, __m256 lo, __m256 hi, const Epilogue& ep, __m256 alpha, __m256 beta) {
  lo = _mm256_mul_ps(alpha, lo);
  hi = _mm256_mul_ps(alpha, hi);
  if (!ep.first) {
    lo = _mm256_add_ps(_mm256_loadu_ps(c), lo);
    hi = _mm256_add_ps(_mm256_loadu_ps(c + 8), hi);
  } else if (ep.beta != 0.0f) {
    lo = _mm256_fmadd_ps(beta, _mm256_loadu_ps(c), lo);
    hi = _mm256_fmadd_ps(beta, _mm256_loadu_ps(c + 8), hi);
  }
  _mm256_storeu_ps(c, lo);
  _mm256_storeu_ps(c + 8, hi);
}

// The fixed summation order: acc starts at 0 and takes k = 0, 1, ..., kc-1 in turn.
// Packed A only (`as` == MR); in-place A is packed on the fly by macro_tpl.
void micro_6x16(int kc, const float* a, ptrdiff_t, int, const float* b, float* c, ptrdiff_t ldc, Epilogue ep) {
#define ST_DECL(r) __m256 c##r##l = _mm256_setzero_ps(), c##r##h = _mm256_setzero_ps();
#define ST_FMA(r)                                      \
  {                                                    \
    const __m256 ar = _mm256_broadcast_ss(a + r);      \
    c##r##l = _mm256_fmadd_ps(ar, b0, c##r##l);        \
    c##r##h = _mm256_fmadd_ps(ar, b1, c##r##h);        \
  }
#define ST_STORE(r) store_row(c + r * ldc, c##r##l, c##r##h, ep, alpha, beta);
  ST_DECL(0) ST_DECL(1) ST_DECL(2) ST_DECL(3) ST_DECL(4) ST_DECL(5)
  for (int r = 0; r < MR; ++r) _mm_prefetch((const char*)(c + r * ldc), _MM_HINT_T0);
  for (int k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    ST_FMA(0) ST_FMA(1) ST_FMA(2) ST_FMA(3) ST_FMA(4) ST_FMA(5)
    a += MR;
    b += NR;
  }
  const __m256 alpha = _mm256_set1_ps(ep.alpha);
  const __m256 beta = _mm256_set1_ps(ep.beta);
  ST_STORE(0) ST_STORE(1) ST_STORE(2) ST_STORE(3) ST_STORE(4) ST_STORE(5)
#undef ST_DECL
#undef ST_FMA
#undef ST_STORE
}

double fma_probe(long iters, float* sink) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(0.001f * i);
  const __m256 scale = _mm256_set1_ps(0.9999f), shift = _mm256_set1_ps(0.0001f);
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], scale, shift);
  alignas(32) float lanes[8];
  for (int i = 1; i < 12; ++i) acc[0] = _mm256_add_ps(acc[0], acc[i]);
  _mm256_store_ps(lanes, acc[0]);
  *sink = lanes[0] + lanes[7];
  return double(iters) * 12 * 8 * 2;
}

const GemmKernelSet kAvx2 = {
    "avx2", MR, NR,
    /*kc=*/256, /*mc=*/96, /*nc=*/512, /*in_place_a_max_n=*/0,
    pack_a, pack_b, macro_tpl<MR, NR, micro_6x16>, fma_probe,
};

}  // namespace

const GemmKernelSet* gemm_kernels_avx2() { return &kAvx2; }

}  // namespace spacetime

#else
namespace spacetime {
const GemmKernelSet* gemm_kernels_avx2() { return nullptr; }
}  // namespace spacetime
#endif
