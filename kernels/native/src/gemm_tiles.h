// Packing and the macro-tile loop, shared by the per-ISA GEMM files as
// templates over the micro-tile size. Included ONLY by gemm_avx512.cc,
// gemm_avx2.cc and gemm_scalar.cc; everything sits in an anonymous namespace
// so each file gets its own copy compiled for its own ISA (no shared weak
// symbols across ISAs, see gemm_kernels.h).
#pragma once
#include <string.h>

#include "gemm_kernels.h"

namespace spacetime {
namespace {

inline int min_int(int a, int b) { return a < b ? a : b; }

template <int MR>
void pack_a_tpl(MatView a, ptrdiff_t m0, int mc, ptrdiff_t k0, int kc, float* dst) {
  if (a.rs == 1) {
    // op(A) is column-major (A was transposed): row k of the stored matrix
    // holds all mc values for that k contiguously, so walk k outermost and
    // deal each run of MR out to its sliver; every cache line is read once.
    for (int k = 0; k < kc; ++k) {
      const float* src = a.data + m0 + (k0 + k) * a.cs;
      for (int i = 0; i < mc; i += MR) {
        const int rows = min_int(MR, mc - i);
        float* out = dst + (ptrdiff_t)i * kc + k * MR;
        if (rows == MR) {
          memcpy(out, src + i, MR * sizeof(float));
        } else {
          for (int r = 0; r < MR; ++r) out[r] = r < rows ? src[i + r] : 0.0f;
        }
      }
    }
    return;
  }
  for (int i = 0; i < mc; i += MR, dst += MR * kc) {
    const int rows = min_int(MR, mc - i);
    const float* src = a.data + (m0 + i) * a.rs + k0 * a.cs;
    if (a.cs == 1 && rows == MR) {
      // Row-major op(A): a transpose. Walk k in short runs so each source row
      // stays in a register line while its values are scattered MR apart.
      const float* row[MR];
      for (int r = 0; r < MR; ++r) row[r] = src + r * a.rs;
      int k = 0;
      for (; k + 8 <= kc; k += 8)
        for (int r = 0; r < MR; ++r)
          for (int kk = 0; kk < 8; ++kk) dst[(k + kk) * MR + r] = row[r][k + kk];
      for (; k < kc; ++k)
        for (int r = 0; r < MR; ++r) dst[k * MR + r] = row[r][k];
    } else {
      for (int k = 0; k < kc; ++k)
        for (int r = 0; r < MR; ++r)
          dst[k * MR + r] = r < rows ? src[r * a.rs + k * a.cs] : 0.0f;
    }
  }
}

template <int NR>
void pack_b_tpl(MatView b, ptrdiff_t k0, int kc, ptrdiff_t n0, int nc, float* dst) {
  for (int j = 0; j < nc; j += NR, dst += NR * kc) {
    const int cols = min_int(NR, nc - j);
    const float* src = b.data + k0 * b.rs + (n0 + j) * b.cs;
    if (b.cs == 1 && cols == NR) {
      // Row-major op(B): each k row holds NR contiguous columns.
      for (int k = 0; k < kc; ++k) memcpy(dst + k * NR, src + k * b.rs, NR * sizeof(float));
    } else if (b.rs == 1 && cols == NR) {
      // op(B) is column-major (B was transposed): a transpose, as in pack_a.
      int k = 0;
      for (; k + 8 <= kc; k += 8)
        for (int c = 0; c < NR; ++c)
          for (int kk = 0; kk < 8; ++kk) dst[(k + kk) * NR + c] = src[c * b.cs + k + kk];
      for (; k < kc; ++k)
        for (int c = 0; c < NR; ++c) dst[k * NR + c] = src[c * b.cs + k];
    } else {
      for (int k = 0; k < kc; ++k)
        for (int c = 0; c < NR; ++c)
          dst[k * NR + c] = c < cols ? src[k * b.rs + c * b.cs] : 0.0f;
    }
  }
}

// Writes a partial tile (mr x nr of the MR x NR accumulator `acc`) through the epilogue.
template <int NR>
void store_edge(const float* acc, int mr, int nr, float* c, ptrdiff_t ldc, Epilogue ep) {
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nr; ++j) {
      const float v = ep.alpha * acc[i * NR + j];
      float* out = c + i * ldc + j;
      if (!ep.first) *out = *out + v;
      else if (ep.beta == 0.0f) *out = v;
      else *out = ep.beta * *out + v;
    }
}

// A micro-kernel computes one full MR x NR tile from an A sliver and a packed
// B sliver. `as` is the A stride it needs: packed and column-major slivers
// hold element (r, k) at a[k*as + r] (as = MR when packed), row-major ones at
// a[r*as + k]. Each ISA provides a packed kernel and may provide in-place ones.
// `mr` (<= MR) is how many rows exist: a row-major kernel reads row mr-1 in
// place of the missing ones (their results land in the discarded part of the
// edge tile), so the last sliver needs no copy; other kernels ignore it.
using MicroFn = void (*)(int kc, const float* a, ptrdiff_t as, int mr, const float* b, float* c,
                         ptrdiff_t ldc, Epilogue ep);

// The macro-tile: every NR-column sliver of B against every MR-row sliver of A.
// The B sliver (kc*NR floats) stays in L1 while the A block streams from L2.
// In-place A slivers without a matching kernel, and partial ones (reading a
// full MR rows would run past the matrix), are packed on the fly.
template <int MR, int NR, MicroFn Packed, MicroFn RowMajor = nullptr, MicroFn ColMajor = nullptr>
void macro_tpl(int mc, int nc, int kc, ABlock a, const float* pb, float* c, ptrdiff_t ldc,
               Epilogue ep) {
  alignas(64) float edge[MR * NR];
  alignas(64) float sliver[MR * kMaxKc];  // only touched for on-the-fly packing
  for (int j = 0; j < nc; j += NR) {
    const int nr = min_int(NR, nc - j);
    const float* b = pb + (ptrdiff_t)(j / NR) * NR * kc;
    for (int i = 0; i < mc; i += MR) {
      const int mr = min_int(MR, mc - i);
      MicroFn micro = Packed;
      const float* as_ptr;
      ptrdiff_t as = MR;
      if (a.packed) {
        as_ptr = a.data + (ptrdiff_t)i * kc;
      } else if (RowMajor && a.cs == 1) {
        micro = RowMajor, as_ptr = a.data + i * a.rs, as = a.rs;
      } else if (ColMajor && mr == MR && a.rs == 1) {
        micro = ColMajor, as_ptr = a.data + i, as = a.cs;
      } else {
        pack_a_tpl<MR>(MatView{a.data, a.rs, a.cs}, i, mr, 0, kc, sliver);
        as_ptr = sliver;
      }
      float* ct = c + i * ldc + j;
      if (mr == MR && nr == NR) {
        micro(kc, as_ptr, as, mr, b, ct, ldc, ep);
      } else {
        micro(kc, as_ptr, as, mr, b, edge, NR, Epilogue{1.0f, 0.0f, true});
        store_edge<NR>(edge, mr, nr, ct, ldc, ep);
      }
    }
  }
}

}  // namespace
}  // namespace spacetime
