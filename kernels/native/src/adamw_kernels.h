// The contract between the AdamW driver (adamw.cc) and its per-ISA update
// loops (adamw_avx512.cc, adamw_avx2.cc, adamw_scalar.cc), as
// elementwise_kernels.h: plain structs and function pointers only, so no
// symbol compiled with AVX-512 flags can leak into the rest of the addon.
#pragma once
#include <stdint.h>

namespace spacetime {

// The float32 constants of one AdamW step, each rounded once from the double
// the TypeScript side computes (kernels/adamw/hyper.ts): exactly the scalar
// tensors the tfjs-ops path multiplies and divides by.
struct AdamWConstants {
  float beta1, one_minus_beta1;    // β1, 1 − β1
  float beta2, one_minus_beta2;    // β2, 1 − β2
  float bias_correction1;          // c1 = 1 − β1^t
  float bias_correction2;          // c2 = 1 − β2^t
  float eps;
  float decay;                     // 1 − lr·weightDecay
  float lr;
};
constexpr int kAdamWConstantCount = 9;
static_assert(sizeof(AdamWConstants) == kAdamWConstantCount * sizeof(float), "AdamWConstants is read from a Float32Array");

struct AdamWKernelSet {
  const char* name;
  // For i in [0, n), in this order of float32 operations (no contraction):
  //   m' = m·β1 + g·(1−β1)
  //   v' = v·β2 + (g·g)·(1−β2)
  //   p' = p·decay − ((m'/c1) / (√(v'/c2) + eps))·lr
  // p_out, m_out, v_out may be p, m, v (each its own input), never anything else.
  void (*update)(const AdamWConstants& c, const float* p, const float* m, const float* v, const float* g,
                 float* p_out, float* m_out, float* v_out, int64_t n);
};

// nullptr when the ISA was not compiled in (non-x86 build).
const AdamWKernelSet* adamw_kernels_avx512();
const AdamWKernelSet* adamw_kernels_avx2();
const AdamWKernelSet* adamw_kernels_scalar();

}  // namespace spacetime
