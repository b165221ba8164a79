// Batched float32 GEMM on the shared thread pool:
//   C[i] = alpha * op(A[i]) . op(B[i]) + beta * C[i]   for i in [0, batch)
// op(A) is M x K (A stored M x K row-major, or K x M when trans_a), op(B) is
// K x N (B stored K x N, or N x K when trans_b), C is M x N row-major.
// batch = max(batch_a, batch_b); a batch of 1 is broadcast. beta == 0 means C
// is overwritten and never read (NaN in C does not leak through).
//
// Deterministic: every element of C is computed by one task, summing K in
// fixed blocks in a fixed order, with tiles aligned to the micro-tile grid, so
// the result depends only on the inputs and the ISA, never on thread count or
// scheduling.
#pragma once
#include <stdint.h>

namespace spacetime {

struct GemmArgs {
  const float* a;
  const float* b;
  float* c;
  int64_t batch_a, batch_b, m, n, k;
  bool trans_a, trans_b;
  float alpha, beta;
};

// Caller has validated sizes. Uses the current ISA and the global pool.
void gemm(const GemmArgs& args);

// One thread's best multiply-add rate on the current ISA, in GFLOP/s, from
// about `seconds` of an FMA loop with no memory traffic: the ceiling a GEMM
// on this machine can approach (benchmarks report their share of it).
double fma_peak_gflops(double seconds);

}  // namespace spacetime
