// Fused AdamW update (torch.optim.AdamW's math) for one parameter tensor, on
// the shared thread pool: reads p, m, v, g once and writes p', m', v' once,
// instead of the 15 element-wise passes of the tfjs-ops version.
//
// Deterministic: every element is the same fixed sequence of correctly
// rounded float32 operations (adamw_kernels.h), so results do not depend on
// the ISA, the thread count or the partition; bit-identical to the tfjs ops.
#pragma once
#include <stdint.h>

#include "adamw_kernels.h"

namespace spacetime {

struct AdamWArgs {
  const float* p;
  const float* m;
  const float* v;
  const float* g;
  float* p_out;  // may be p
  float* m_out;  // may be m
  float* v_out;  // may be v
  int64_t n;
  AdamWConstants c;
};
void adamw_update(const AdamWArgs& args);

}  // namespace spacetime
