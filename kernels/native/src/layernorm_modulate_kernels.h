// The contract between the fused LayerNorm + modulate driver
// (layernorm_modulate.cc) and its per-ISA row loops
// (layernorm_modulate_{avx512,avx2,scalar}.cc), as elementwise_kernels.h:
// plain structs and function pointers only, so no symbol compiled with
// AVX-512 flags can leak into the rest of the addon.
#pragma once
#include <stdint.h>

namespace spacetime {

struct LayerNormModulateKernelSet {
  const char* name;
  // For each of `rows` rows of x [rows, d] (one batch entry's tokens, so one
  // shift and scale [d] for all of them):
  //   mean = Σx / d,  var = Σ(x − mean)² / d,  rstd = 1 / √(var + eps)
  //   y = ((x − mean)·rstd)·(scale + 1) + shift
  // Sums are lane-wise partial sums in a fixed order, then the lanes in order.
  void (*forward)(const float* x, const float* shift, const float* scale, float eps, float* y, float* mean,
                  float* rstd, int64_t rows, int64_t d);
  // The same rows backward, from the forward's mean and rstd: with x̂ = (x − mean)·rstd
  // and g = dy·(scale + 1),
  //   dx = ((g − Σg/d) − x̂·(Σg·x̂/d))·rstd
  // and dscale += Σ_rows dy·x̂, dshift += Σ_rows dy ([d] each, accumulated in row order).
  void (*backward)(const float* x, const float* scale, const float* mean, const float* rstd, const float* dy,
                   float* dx, float* dscale, float* dshift, int64_t rows, int64_t d);
};

// nullptr when the ISA was not compiled in (non-x86 build).
const LayerNormModulateKernelSet* layernorm_modulate_kernels_avx512();
const LayerNormModulateKernelSet* layernorm_modulate_kernels_avx2();
const LayerNormModulateKernelSet* layernorm_modulate_kernels_scalar();

}  // namespace spacetime
