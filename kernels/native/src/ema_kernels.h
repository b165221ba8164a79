// The contract between the EMA update driver (ema.cc) and its per-ISA loops
// (ema_{avx512,avx2,scalar}.cc), as adamw_kernels.h: plain structs and function
// pointers only, so no symbol compiled with AVX-512 flags can leak into the rest
// of the addon.
#pragma once
#include <stdint.h>

namespace spacetime {

struct EmaKernelSet {
  const char* name;
  // out[i] = s[i]·decay + p[i]·one_minus_decay, two correctly rounded products then
  // their correctly rounded sum (no contraction): the tfjs ops' operations in their
  // order. out may be s (in place), never p.
  void (*update)(const float* s, const float* p, float* out, float decay, float one_minus_decay, int64_t n);
};

// nullptr when the ISA was not compiled in (non-x86 build).
const EmaKernelSet* ema_kernels_avx512();
const EmaKernelSet* ema_kernels_avx2();
const EmaKernelSet* ema_kernels_scalar();

}  // namespace spacetime
