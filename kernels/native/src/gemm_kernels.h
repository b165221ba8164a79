// The contract between the ISA-neutral GEMM driver (gemm.cc) and the per-ISA
// translation units (gemm_avx512.cc, gemm_avx2.cc, gemm_scalar.cc).
//
// Each ISA file is compiled with its own -m flags, so nothing here may be an
// inline function or template: a weak symbol compiled with AVX-512 could be
// picked by the linker for the whole addon and crash an AVX2-only machine.
// Plain structs and function pointers only.
#pragma once
#include <stddef.h>

namespace spacetime {

// A strided read-only matrix: element (i, j) is data[i * rs + j * cs].
// A transposed operand is the same memory with rs and cs swapped.
struct MatView {
  const float* data;
  ptrdiff_t rs;
  ptrdiff_t cs;
};

// How a finished micro-tile (acc = sum over one K block) is written to C.
// first K block: C = alpha*acc + beta*C   (beta == 0: C = alpha*acc, C is never read)
// later blocks:  C = C + alpha*acc
struct Epilogue {
  float alpha;
  float beta;
  bool first;
};

// The A side of a macro-tile, rows [0, mc) x K block [0, kc):
//  packed:   data is the first of ceil(mc/mr) packed slivers (see pack_a);
//  in place: data is op(A)'s element (m0, k0) and (rs, cs) its strides. Used
//            when few B slivers share each A sliver, so packing A would cost
//            as much memory traffic as the product itself (attention's P.V).
struct ABlock {
  const float* data;
  ptrdiff_t rs, cs;
  bool packed;
};

// Largest kc any kernel set uses (bounds on-stack sliver buffers).
constexpr int kMaxKc = 1024;

// One ISA's kernels and the blocking that suits them.
struct GemmKernelSet {
  const char* name;  // "avx512" | "avx2" | "scalar"
  int mr, nr;        // micro-tile rows (of A) and columns (of B)
  int kc, mc, nc;    // cache blocking: K block (<= kMaxKc), rows and columns per task
  int in_place_a_max_n;  // read A in place (unpacked) when N <= this; 0: always pack
  // Pack op(A) rows [m0, m0+mc) x cols [k0, k0+kc) into ceil(mc/mr) slivers of
  // mr*kc floats; element (r, k) of a sliver at k*mr + r; rows past mc are 0.
  void (*pack_a)(MatView a, ptrdiff_t m0, int mc, ptrdiff_t k0, int kc, float* dst);
  // Pack op(B) rows [k0, k0+kc) x cols [n0, n0+nc) into ceil(nc/nr) slivers of
  // nr*kc floats; element (k, c) of a sliver at k*nr + c; columns past nc are 0.
  void (*pack_b)(MatView b, ptrdiff_t k0, int kc, ptrdiff_t n0, int nc, float* dst);
  // C[mc x nc] (row stride ldc) <- epilogue(A block . packed B block).
  void (*macro)(int mc, int nc, int kc, ABlock a, const float* pb, float* c, ptrdiff_t ldc,
                Epilogue ep);
  // Runs `iters` rounds of independent multiply-adds, the best case of this
  // ISA's arithmetic; returns the flops done. The peak that benchmarks compare to.
  double (*fma_probe)(long iters, float* sink);
};

// nullptr when the ISA was not compiled in (non-x86 build).
const GemmKernelSet* gemm_kernels_avx512();
const GemmKernelSet* gemm_kernels_avx2();
const GemmKernelSet* gemm_kernels_scalar();

}  // namespace spacetime
