// The AdamW update loop of adamw_kernels.h written once with GCC/Clang vector
// extensions for a vector of SPACETIME_VECTOR_BYTES bytes; each ISA's
// translation unit defines the width and includes this file once with its own
// -m flags. Everything sits in an anonymous namespace (internal linkage), as
// in elementwise_impl.h.
//
// Every step is one correctly rounded float32 operation in the same order as
// the tfjs-ops path (kernels/adamw/tfjs.ts), and -ffp-contract=off keeps the
// compiler from fusing a multiply and an add, so the result is bit-identical
// to those ops on any backend whose float32 ops round correctly (cpu, wasm,
// native) and the same on every ISA here.
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "adamw_kernels.h"

#ifndef SPACETIME_VECTOR_BYTES
#error "define SPACETIME_VECTOR_BYTES before including adamw_impl.h"
#endif

namespace spacetime {
namespace {

#include "simd_vectors.h"
inline vf splat(float x) {
  vf v = {};
  return v + x;
}

// Correctly rounded square root per lane (IEEE 754 requires it of sqrtps and sqrtf alike).
inline vf vsqrt(vf x) {
#if SPACETIME_VECTOR_BYTES == 64 && defined(__AVX512F__)
  return (vf)_mm512_sqrt_ps((__m512)x);
#elif SPACETIME_VECTOR_BYTES == 32 && defined(__AVX__)
  return (vf)_mm256_sqrt_ps((__m256)x);
#elif SPACETIME_VECTOR_BYTES == 16 && defined(__SSE__)
  return (vf)_mm_sqrt_ps((__m128)x);
#else
  for (int l = 0; l < W; ++l) x[l] = sqrtf(x[l]);
  return x;
#endif
}

void update(const AdamWConstants& c, const float* p, const float* m, const float* v, const float* g,
            float* p_out, float* m_out, float* v_out, int64_t n) {
  const vf beta1 = splat(c.beta1), one_minus_beta1 = splat(c.one_minus_beta1);
  const vf beta2 = splat(c.beta2), one_minus_beta2 = splat(c.one_minus_beta2);
  const vf c1 = splat(c.bias_correction1), c2 = splat(c.bias_correction2);
  const vf eps = splat(c.eps), decay = splat(c.decay), lr = splat(c.lr);
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    const vf gi = load(g + i);
    const vf mi = load(m + i) * beta1 + gi * one_minus_beta1;
    const vf vi = load(v + i) * beta2 + (gi * gi) * one_minus_beta2;
    const vf step = (mi / c1) / (vsqrt(vi / c2) + eps);
    const vf pi = load(p + i) * decay - step * lr;
    store(m_out + i, mi);
    store(v_out + i, vi);
    store(p_out + i, pi);
  }
  for (; i < n; ++i) {  // the same operations on one float
    const float gi = g[i];
    const float mi = m[i] * c.beta1 + gi * c.one_minus_beta1;
    const float vi = v[i] * c.beta2 + (gi * gi) * c.one_minus_beta2;
    const float step = (mi / c.bias_correction1) / (sqrtf(vi / c.bias_correction2) + c.eps);
    const float pi = p[i] * c.decay - step * c.lr;
    m_out[i] = mi;
    v_out[i] = vi;
    p_out[i] = pi;
  }
}

const AdamWKernelSet kAdamWSet = {
#if SPACETIME_VECTOR_BYTES == 64
    "avx512",
#elif SPACETIME_VECTOR_BYTES == 32
    "avx2",
#else
    "scalar",
#endif
    update};

}  // namespace
}  // namespace spacetime
