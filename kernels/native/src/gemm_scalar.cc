// Portable GEMM kernels: a 4x8 micro-tile in plain C++ that builds on any
// architecture with baseline flags (the compiler may still use SSE2 on x86-64).
// It is the fallback when neither AVX2 nor AVX-512 is usable, and a second
// opinion in the parity tests.
#include "gemm_kernels.h"
#include "gemm_tiles.h"

namespace spacetime {
namespace {

constexpr int MR = 4;
constexpr int NR = 8;

// The fixed summation order: acc starts at 0 and takes k = 0, 1, ..., kc-1 in turn.
// Packed A only (`as` == MR); in-place A is packed on the fly by macro_tpl.
void micro_4x8(int kc, const float* a, ptrdiff_t, int, const float* b, float* c, ptrdiff_t ldc, Epilogue ep) {
  float acc[MR * NR] = {};
  for (int k = 0; k < kc; ++k, a += MR, b += NR)
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) acc[i * NR + j] += a[i] * b[j];
  store_edge<NR>(acc, MR, NR, c, ldc, ep);
}

// Same shape of work as micro_4x8's inner loop: MR*NR independent multiply-adds.
double fma_probe(long iters, float* sink) {
  float acc[MR * NR];
  for (int i = 0; i < MR * NR; ++i) acc[i] = 0.001f * i;
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < MR * NR; ++i) acc[i] = acc[i] * 0.9999f + 0.0001f;
  float sum = 0;
  for (int i = 0; i < MR * NR; ++i) sum += acc[i];
  *sink = sum;
  return double(iters) * MR * NR * 2;
}

const GemmKernelSet kScalar = {
    "scalar", MR, NR,
    /*kc=*/256, /*mc=*/64, /*nc=*/256, /*in_place_a_max_n=*/0,
    pack_a_tpl<MR>, pack_b_tpl<NR>, macro_tpl<MR, NR, micro_4x8>, fma_probe,
};

}  // namespace

const GemmKernelSet* gemm_kernels_scalar() { return &kScalar; }

}  // namespace spacetime
