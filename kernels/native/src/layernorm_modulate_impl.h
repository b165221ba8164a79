// The row loops of layernorm_modulate_kernels.h written once with GCC/Clang
// vector extensions for a vector of SPACETIME_VECTOR_BYTES bytes; each ISA's
// translation unit defines the width and includes this file once with its own
// -m flags. Everything sits in an anonymous namespace (internal linkage), as
// in elementwise_impl.h. A row (d floats, 768 bytes at d = 192) stays in L1
// between its passes, so each row is read from memory once and written once.
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "layernorm_modulate_kernels.h"

#ifndef SPACETIME_VECTOR_BYTES
#error "define SPACETIME_VECTOR_BYTES before including layernorm_modulate_impl.h"
#endif

namespace spacetime {
namespace {

#include "simd_vectors.h"

// The lanes of v added in order, then the scalar tail's partial sum.
inline float lanes_sum(vf v, float tail) {
  float r = 0;
  for (int l = 0; l < W; ++l) r += v[l];
  return r + tail;
}

void forward(const float* x, const float* shift, const float* scale, float eps, float* y, float* mean, float* rstd,
             int64_t rows, int64_t d) {
  const float inv_d = 1.0f / float(d);
  for (int64_t r = 0; r < rows; ++r, x += d, y += d) {
    vf acc = {};
    float tail = 0;
    int64_t i = 0;
    for (; i + W <= d; i += W) acc += load(x + i);
    for (; i < d; ++i) tail += x[i];
    const float m = lanes_sum(acc, tail) * inv_d;
    acc = vf{};
    tail = 0;
    for (i = 0; i + W <= d; i += W) {
      const vf t = load(x + i) - m;
      acc += t * t;
    }
    for (; i < d; ++i) tail += (x[i] - m) * (x[i] - m);
    const float s = 1.0f / sqrtf(lanes_sum(acc, tail) * inv_d + eps);
    for (i = 0; i + W <= d; i += W) store(y + i, ((load(x + i) - m) * s) * (load(scale + i) + 1.0f) + load(shift + i));
    for (; i < d; ++i) y[i] = ((x[i] - m) * s) * (scale[i] + 1.0f) + shift[i];
    mean[r] = m;
    rstd[r] = s;
  }
}

void backward(const float* x, const float* scale, const float* mean, const float* rstd, const float* dy, float* dx,
              float* dscale, float* dshift, int64_t rows, int64_t d) {
  const float inv_d = 1.0f / float(d);
  for (int64_t r = 0; r < rows; ++r, x += d, dy += d, dx += d) {
    const float m = mean[r], s = rstd[r];
    vf acc_g = {}, acc_gx = {};
    float tail_g = 0, tail_gx = 0;
    int64_t i = 0;
    for (; i + W <= d; i += W) {
      const vf xh = (load(x + i) - m) * s, dyi = load(dy + i);
      const vf g = dyi * (load(scale + i) + 1.0f);
      acc_g += g;
      acc_gx += g * xh;
      store(dscale + i, load(dscale + i) + dyi * xh);
      store(dshift + i, load(dshift + i) + dyi);
    }
    for (; i < d; ++i) {
      const float xh = (x[i] - m) * s, g = dy[i] * (scale[i] + 1.0f);
      tail_g += g;
      tail_gx += g * xh;
      dscale[i] += dy[i] * xh;
      dshift[i] += dy[i];
    }
    const float mg = lanes_sum(acc_g, tail_g) * inv_d, mgx = lanes_sum(acc_gx, tail_gx) * inv_d;
    for (i = 0; i + W <= d; i += W) {
      const vf xh = (load(x + i) - m) * s;
      const vf g = load(dy + i) * (load(scale + i) + 1.0f);
      store(dx + i, ((g - mg) - xh * mgx) * s);
    }
    for (; i < d; ++i) {
      const float xh = (x[i] - m) * s, g = dy[i] * (scale[i] + 1.0f);
      dx[i] = ((g - mg) - xh * mgx) * s;
    }
  }
}

const LayerNormModulateKernelSet kLayerNormModulateSet = {
#if SPACETIME_VECTOR_BYTES == 64
    "avx512",
#elif SPACETIME_VECTOR_BYTES == 32
    "avx2",
#else
    "scalar",
#endif
    forward, backward};

}  // namespace
}  // namespace spacetime
