// Fused EMA update of the weights, ema ← ema·d + p·(1 − d), for one parameter
// tensor on the shared thread pool: one pass reading ema and p and writing ema'
// (in place when the caller allows), instead of the tfjs ops' three passes and
// three fresh tensors (two products and their sum).
//
// Deterministic and bit-identical to those ops: every element is the same two
// correctly rounded products and one sum (ema_kernels.h), whatever the ISA, the
// thread count or the partition.
#pragma once
#include <stdint.h>

namespace spacetime {

struct EmaArgs {
  const float* s;  // the average
  const float* p;  // the weights
  float* out;      // may be s
  int64_t n;
  float decay, one_minus_decay;
};
void ema_update(const EmaArgs& args);

}  // namespace spacetime
