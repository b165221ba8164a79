// AVX-512 GEMM kernels: a 12x32 micro-tile (24 zmm accumulators, two B
// vectors, A broadcast from memory) in three flavours (A packed, A read in
// place row-major, A in place column-major), and packing that transposes 16x16
// blocks in registers. Built with -mavx512f/bw/vl/dq -mfma in its own static
// library (see binding.gyp); only called after the runtime check in
// cpu_features.cc. Blocking measured on a Zen 5 core (48 KB L1, 1 MB L2):
// kc = 1024 beat 256 by ~10% on 1024^3, since fewer K blocks mean fewer
// passes over C; the macro-tile itself runs at ~99% of the FMA peak.
#include "gemm_kernels.h"

#if defined(__x86_64__) && defined(__AVX512F__)
#include <immintrin.h>

#include "gemm_tiles.h"

namespace spacetime {
namespace {

constexpr int MR = 12;
constexpr int NR = 32;

#include "transpose_avx512.h"

// Loads `rows` rows (stride rs) of `count` <= 16 floats each; other lanes and rows are 0.
// Loads `rows` rows (stride rs) of `count` <= 16 floats each; other lanes and rows are 0.
// Full rows use plain loads: masked loads that miss the cache are several
// times slower here (they seem not to train the prefetcher), which made
// packing from DRAM 4x slower in measurement.
inline void load_rows(__m512 r[16], const float* src, ptrdiff_t rs, int rows, int count) {
  const __mmask16 mask = __mmask16((1u << count) - 1);
  for (int i = 0; i < 16; ++i) {
    if (i >= rows) r[i] = _mm512_setzero_ps();
    else if (count == 16) r[i] = _mm512_loadu_ps(src + i * rs);
    else r[i] = _mm512_maskz_loadu_ps(mask, src + i * rs);
  }
}

// Row-major op(A) (cs == 1) is the common case and a transpose: 16 k at a time
// through registers instead of one float at a time.
void pack_a(MatView a, ptrdiff_t m0, int mc, ptrdiff_t k0, int kc, float* dst) {
  if (a.cs != 1) return pack_a_tpl<MR>(a, m0, mc, k0, kc, dst);
  for (int i = 0; i < mc; i += MR, dst += MR * kc) {
    const int rows = min_int(MR, mc - i);
    const float* src = a.data + (m0 + i) * a.rs + k0;
    for (int k = 0; k < kc; k += 16) {
      const int count = min_int(16, kc - k);
      __m512 r[16];
      load_rows(r, src + k, a.rs, rows, count);
      transpose16(r);
      // Column k+t of the block is r[t]; its first MR lanes are sliver row k+t.
      for (int t = 0; t < count; ++t) _mm512_mask_storeu_ps(dst + (k + t) * MR, 0x0fff, r[t]);
    }
  }
}

// Column-major op(B) (rs == 1, B was transposed): two 16x16 transposes per 16 k.
void pack_b(MatView b, ptrdiff_t k0, int kc, ptrdiff_t n0, int nc, float* dst) {
  if (b.rs != 1) return pack_b_tpl<NR>(b, k0, kc, n0, nc, dst);
  for (int j = 0; j < nc; j += NR, dst += NR * kc) {
    const int cols = min_int(NR, nc - j);
    const float* src = b.data + k0 + (n0 + j) * b.cs;
    for (int k = 0; k < kc; k += 16) {
      const int count = min_int(16, kc - k);
      for (int half = 0; half < 2; ++half) {
        __m512 r[16];
        load_rows(r, src + k + half * 16 * b.cs, b.cs, cols - half * 16, count);
        transpose16(r);
        for (int t = 0; t < count; ++t) _mm512_store_ps(dst + (k + t) * NR + half * 16, r[t]);
      }
    }
  }
}

inline void store_row(float* c, __m512 lo, __m512 hi, const Epilogue& ep, __m512 alpha, __m512 beta) {
  lo = _mm512_mul_ps(alpha, lo);
  hi = _mm512_mul_ps(alpha, hi);
  if (!ep.first) {
    lo = _mm512_add_ps(_mm512_loadu_ps(c), lo);
    hi = _mm512_add_ps(_mm512_loadu_ps(c + 16), hi);
  } else if (ep.beta != 0.0f) {
    lo = _mm512_fmadd_ps(beta, _mm512_loadu_ps(c), lo);
    hi = _mm512_fmadd_ps(beta, _mm512_loadu_ps(c + 16), hi);
  }
  _mm512_storeu_ps(c, lo);
  _mm512_storeu_ps(c + 16, hi);
}

enum class ASource { kPacked, kRowMajor, kColMajor };

// Software prefetch distances for A read in place, measured on batched P.V
// (48 x 256x256 . 256x32, A from DRAM): 184 GFLOP/s on one core in row-major
// place and 154 column-major, against ~95 when packing A first.
constexpr int kRowPrefetchFloats = 128;
constexpr int kColPrefetchSteps = 8;

// The fixed summation order: acc starts at 0 and takes k = 0, 1, ..., kc-1 in
// turn, whatever the A source, so every source gives the same bits.
template <ASource Src>
void micro_12x32(int kc, const float* a, ptrdiff_t as, int mr, const float* b, float* c, ptrdiff_t ldc,
                 Epilogue ep) {
  // Row-major in place: row r starts at a + row[r]; missing rows repeat the last one.
  ptrdiff_t row[MR];
  for (int r = 0; r < MR; ++r) row[r] = Src == ASource::kRowMajor ? (r < mr ? r : mr - 1) * as : 0;
#define ST_DECL(r) __m512 c##r##l = _mm512_setzero_ps(), c##r##h = _mm512_setzero_ps();
#define ST_FMA(r)                                                                         \
  {                                                                                       \
    const __m512 ar = _mm512_set1_ps(Src == ASource::kRowMajor ? a[row[r] + k] : a[r]);   \
    c##r##l = _mm512_fmadd_ps(ar, b0, c##r##l);                                           \
    c##r##h = _mm512_fmadd_ps(ar, b1, c##r##h);                                           \
  }
#define ST_STORE(r) store_row(c + r * ldc, c##r##l, c##r##h, ep, alpha, beta);
  ST_DECL(0) ST_DECL(1) ST_DECL(2) ST_DECL(3) ST_DECL(4) ST_DECL(5)
  ST_DECL(6) ST_DECL(7) ST_DECL(8) ST_DECL(9) ST_DECL(10) ST_DECL(11)
  for (int r = 0; r < MR; ++r) _mm_prefetch((const char*)(c + r * ldc), _MM_HINT_T0);
  for (int k = 0; k < kc; ++k) {
    if (Src == ASource::kRowMajor && k % 16 == 0)
      for (int r = 0; r < MR; ++r) _mm_prefetch((const char*)(a + row[r] + k + kRowPrefetchFloats), _MM_HINT_T0);
    if (Src == ASource::kColMajor) {
      _mm_prefetch((const char*)(a + kColPrefetchSteps * as), _MM_HINT_T0);
      _mm_prefetch((const char*)(a + kColPrefetchSteps * as + MR - 1), _MM_HINT_T0);
    }
    const __m512 b0 = _mm512_load_ps(b);
    const __m512 b1 = _mm512_load_ps(b + 16);
    ST_FMA(0) ST_FMA(1) ST_FMA(2) ST_FMA(3) ST_FMA(4) ST_FMA(5)
    ST_FMA(6) ST_FMA(7) ST_FMA(8) ST_FMA(9) ST_FMA(10) ST_FMA(11)
    if (Src == ASource::kPacked) a += MR;
    if (Src == ASource::kColMajor) a += as;
    b += NR;
  }
  const __m512 alpha = _mm512_set1_ps(ep.alpha);
  const __m512 beta = _mm512_set1_ps(ep.beta);
  ST_STORE(0) ST_STORE(1) ST_STORE(2) ST_STORE(3) ST_STORE(4) ST_STORE(5)
  ST_STORE(6) ST_STORE(7) ST_STORE(8) ST_STORE(9) ST_STORE(10) ST_STORE(11)
#undef ST_DECL
#undef ST_FMA
#undef ST_STORE
}

double fma_probe(long iters, float* sink) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(0.001f * i);
  const __m512 scale = _mm512_set1_ps(0.9999f), shift = _mm512_set1_ps(0.0001f);
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], scale, shift);
  for (int i = 1; i < 12; ++i) acc[0] = _mm512_add_ps(acc[0], acc[i]);
  *sink = _mm512_reduce_add_ps(acc[0]);
  return double(iters) * 12 * 16 * 2;
}

const GemmKernelSet kAvx512 = {
    "avx512", MR, NR,
    /*kc=*/1024, /*mc=*/96, /*nc=*/256, /*in_place_a_max_n=*/2 * NR,
    pack_a, pack_b,
    macro_tpl<MR, NR, micro_12x32<ASource::kPacked>, micro_12x32<ASource::kRowMajor>,
              micro_12x32<ASource::kColMajor>>,
    fma_probe,
};

}  // namespace

const GemmKernelSet* gemm_kernels_avx512() { return &kAvx512; }

}  // namespace spacetime

#else
namespace spacetime {
const GemmKernelSet* gemm_kernels_avx512() { return nullptr; }
}  // namespace spacetime
#endif
