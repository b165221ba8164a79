// The contract between the ISA-neutral element-wise / reduction drivers
// (elementwise.cc, reduce.cc) and the per-ISA row kernels
// (elementwise_avx512.cc, elementwise_avx2.cc, elementwise_scalar.cc).
// As in gemm_kernels.h: plain structs and function pointers only, so no
// symbol compiled with AVX-512 flags can leak into the rest of the addon.
#pragma once
#include <stdint.h>

namespace spacetime {

// Codes shared with kernels/native/index.ts (BINARY_OPS / UNARY_OPS).
// kGelu is GELU's tanh approximation as the model writes it (kernels/gelu):
//   u = ((x + ((x·x)·x)·c)·k,  y = x·σ(u),  c = 0.044715, k = 2·√(2/π),
// each step rounded in that order, so it equals the tfjs ops on this backend bit for bit;
// kGeluGrad(x, dy) = dy·(s + (x·s·(1 − s))·(k·(1 + 3c·x²))) with s = σ(u): its gradient.
// kBiasGelu(x, bias) = gelu(x + bias): a linear layer's bias add and GELU in one pass.
enum class BinaryOp : int { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kSquaredDifference = 4, kGeluGrad = 5, kBiasGelu = 6, kCount = 7 };
enum class UnaryOp : int { kSigmoid = 0, kNeg = 1, kSquare = 2, kSqrt = 3, kRsqrt = 4, kGelu = 5, kCount = 6 };

// One ISA's row kernels. Every element-wise result is the correctly rounded
// float32 operation (no contraction), so it is the same on every ISA; only
// Sigmoid (a polynomial exp, ~1 ulp) and the sums' grouping depend on the ISA.
struct ElementwiseKernelSet {
  const char* name;
  // out[i] = op(a[i * sa], b[i * sb]) for i in [0, n); sa, sb are 0 (a
  // broadcast value) or 1.
  void (*binary_row)(BinaryOp op, const float* a, int sa, const float* b, int sb, float* out, int64_t n);
  // out[i] = op(x[i]); out may be x.
  void (*unary)(UnaryOp op, const float* x, float* out, int64_t n);
  // Sum of x[0, n) in a fixed order (lane-wise partial sums, then a fixed tree).
  float (*sum_row)(const float* x, int64_t n);
  // acc[i] += x[i] for i in [0, n).
  void (*add_into)(const float* x, float* acc, int64_t n);
  // out[i] = kGeluGrad(x[i] + bias[i], dy[i]): the gradient of kBiasGelu for one row.
  void (*bias_gelu_grad_row)(const float* x, const float* bias, const float* dy, float* out, int64_t n);
};

// nullptr when the ISA was not compiled in (non-x86 build).
const ElementwiseKernelSet* elementwise_kernels_avx512();
const ElementwiseKernelSet* elementwise_kernels_avx2();
const ElementwiseKernelSet* elementwise_kernels_scalar();

}  // namespace spacetime
