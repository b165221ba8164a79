// Fused adaLN: LayerNorm over the last axis (no affine) then DiT's modulate,
//   y = LN(x)·(1 + scale) + shift,   x [B, N, D], shift and scale [B, D],
// forward and backward on the shared thread pool. The forward also writes each
// row's mean and 1/√(var + eps) [B, N], which the backward reuses. One pass
// over x (and dy) each way, instead of the ~10 element-wise kernels, 2 means
// and their gradients of the tfjs-ops version.
//
// Deterministic: rows go in fixed chunks of one batch entry (independent of the
// thread count), each row's sums in a fixed order, and dscale/dshift are summed
// per chunk and then over the chunks in order; so results depend on the ISA
// (the vector width groups the sums) but never on the threads or the schedule.
#pragma once
#include <stdint.h>

namespace spacetime {

struct LayerNormModulateArgs {
  const float* x;      // [batch, tokens, d]
  const float* shift;  // [batch, d]
  const float* scale;  // [batch, d]
  float* y;            // [batch, tokens, d]
  float* mean;         // [batch, tokens]
  float* rstd;         // [batch, tokens]
  int64_t batch, tokens, d;
  float eps;
};
void layernorm_modulate_forward(const LayerNormModulateArgs& args);

struct LayerNormModulateGradArgs {
  const float* x;      // [batch, tokens, d]
  const float* scale;  // [batch, d]
  const float* mean;   // [batch, tokens], from the forward
  const float* rstd;   // [batch, tokens], from the forward
  const float* dy;     // [batch, tokens, d]
  float* dx;           // [batch, tokens, d]
  float* dscale;       // [batch, d]
  float* dshift;       // [batch, d]
  int64_t batch, tokens, d;
};
void layernorm_modulate_backward(const LayerNormModulateGradArgs& args);

}  // namespace spacetime
