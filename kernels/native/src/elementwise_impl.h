// The row kernels of elementwise_kernels.h written once with GCC/Clang vector
// extensions, for a vector of SPACETIME_VECTOR_BYTES bytes. Each ISA
// translation unit defines that width and includes this file once, compiled
// with its own -m flags; everything here sits in an anonymous namespace
// (internal linkage), so no AVX-512 instance can be picked by the linker for
// another ISA (the reason gemm_kernels.h bans inline functions and templates).
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "elementwise_kernels.h"

#ifndef SPACETIME_VECTOR_BYTES
#error "define SPACETIME_VECTOR_BYTES before including elementwise_impl.h"
#endif

namespace spacetime {
namespace {

#include "simd_vectors.h"
inline vf splat(float x) {
  vf v = {};
  return v + x;
}

// out[i] = f(a[i*sa], b[i*sb]); f works on vectors and on scalars alike.
template <class F>
void binary_loop(F f, const float* a, int sa, const float* b, int sb, float* out, int64_t n) {
  int64_t i = 0;
  if (sa && sb) {
    for (; i + W <= n; i += W) store(out + i, f(load(a + i), load(b + i)));
    for (; i < n; ++i) out[i] = f(a[i], b[i]);
  } else if (sa) {
    const vf vb = splat(b[0]);
    for (; i + W <= n; i += W) store(out + i, f(load(a + i), vb));
    for (; i < n; ++i) out[i] = f(a[i], b[0]);
  } else if (sb) {
    const vf va = splat(a[0]);
    for (; i + W <= n; i += W) store(out + i, f(va, load(b + i)));
    for (; i < n; ++i) out[i] = f(a[0], b[i]);
  } else {
    const float v = f(a[0], b[0]);
    for (; i < n; ++i) out[i] = v;
  }
}

// exp(t) for t <= 0 (or NaN): Cephes expf, n = round(t / ln 2), a Cody-Waite
// reduction to |r| <= ln2/2, a degree-7 polynomial (~1 ulp), then 2^n applied
// in two halves so results down to the denormals stay exact in their exponent.
inline vf exp_nonpositive(vf t) {
  t = t < -104.0f ? splat(-104.0f) : t;
  const vf fx = t * 1.44269504088896341f;
  const vi n = __builtin_convertvector(fx - 0.5f, vi);  // round to nearest for fx <= 0
  const vf nf = __builtin_convertvector(n, vf);
  const vf r = (t - nf * 0.693359375f) - nf * -2.12194440e-4f;
  vf p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const vf y = p * (r * r) + r + 1.0f;
  const vi n1 = n >> 1;  // floor(n / 2) >= -75: both halves are normal floats
  const vi n2 = n - n1;
  const vf s1 = (vf)(((vu)(n1 + 127)) << 23);
  const vf s2 = (vf)(((vu)(n2 + 127)) << 23);
  return y * s1 * s2;
}

// 1 / (1 + exp(-x)), through e = exp(-|x|) so nothing overflows:
// x >= 0: 1 / (1 + e); x < 0: e / (1 + e).
inline vf sigmoid(vf x) {
  const vf t = x > 0.0f ? -x : x;
  const vf e = exp_nonpositive(t);
  const vf num = x >= 0.0f ? splat(1.0f) : e;
  return num / (e + 1.0f);
}

// GELU (tanh approximation) through σ, in the tfjs ops' order (elementwise_kernels.h).
constexpr float kGeluC = float(0.044715);
constexpr float kGeluK = float(1.5957691216057308);  // 2·√(2/π)
inline vf gelu_inner(vf x) { return (x + ((x * x) * x) * kGeluC) * kGeluK; }
inline vf gelu(vf x) { return x * sigmoid(gelu_inner(x)); }
inline vf gelu_grad(vf x, vf dy) {
  const vf s = sigmoid(gelu_inner(x));
  return dy * (s + ((x * s) * (1.0f - s)) * (((x * x) * (3.0f * kGeluC) + 1.0f) * kGeluK));
}

// out[i] = f(a[i*sa], b[i*sb]) for an f that works on vectors only: the tail and the
// broadcasts go through the same vector code, so each value is the same wherever it sits.
template <class F>
void binary_vector_loop(F f, const float* a, int sa, const float* b, int sb, float* out, int64_t n) {
  int64_t i = 0;
  if (sa && sb)
    for (; i + W <= n; i += W) store(out + i, f(load(a + i), load(b + i)));
  for (; i < n; i += W) {
    const int64_t len = n - i < W ? n - i : W;
    float va[W] = {0}, vb[W] = {0}, vo[W];
    for (int64_t l = 0; l < len; ++l) {
      va[l] = a[(i + l) * sa];
      vb[l] = b[(i + l) * sb];
    }
    store(vo, f(load(va), load(vb)));
    memcpy(out + i, vo, size_t(len) * sizeof(float));
  }
}

void binary_row(BinaryOp op, const float* a, int sa, const float* b, int sb, float* out, int64_t n) {
  switch (op) {
    case BinaryOp::kAdd: return binary_loop([](auto x, auto y) { return x + y; }, a, sa, b, sb, out, n);
    case BinaryOp::kSub: return binary_loop([](auto x, auto y) { return x - y; }, a, sa, b, sb, out, n);
    case BinaryOp::kMul: return binary_loop([](auto x, auto y) { return x * y; }, a, sa, b, sb, out, n);
    case BinaryOp::kDiv: return binary_loop([](auto x, auto y) { return x / y; }, a, sa, b, sb, out, n);
    case BinaryOp::kSquaredDifference:
      return binary_loop([](auto x, auto y) { auto d = x - y; return d * d; }, a, sa, b, sb, out, n);
    case BinaryOp::kGeluGrad: return binary_vector_loop([](vf x, vf dy) { return gelu_grad(x, dy); }, a, sa, b, sb, out, n);
    case BinaryOp::kBiasGelu: return binary_vector_loop([](vf x, vf bias) { return gelu(x + bias); }, a, sa, b, sb, out, n);
    default: return;
  }
}

template <class F>
void unary_loop(F f, const float* x, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + W <= n; i += W) store(out + i, f(load(x + i)));
  if (i < n) {  // the tail through the same vector code: identical to the body
    float buf[W] = {0};
    memcpy(buf, x + i, size_t(n - i) * sizeof(float));
    store(buf, f(load(buf)));
    memcpy(out + i, buf, size_t(n - i) * sizeof(float));
  }
}

void unary(UnaryOp op, const float* x, float* out, int64_t n) {
  switch (op) {
    case UnaryOp::kSigmoid: return unary_loop([](vf v) { return sigmoid(v); }, x, out, n);
    case UnaryOp::kNeg: return unary_loop([](vf v) { return -v; }, x, out, n);
    case UnaryOp::kSquare: return unary_loop([](vf v) { return v * v; }, x, out, n);
    case UnaryOp::kGelu: return unary_loop([](vf v) { return gelu(v); }, x, out, n);
    // Not in the model's hot path: plain loops (the compiler may vectorise them).
    case UnaryOp::kSqrt:
      for (int64_t i = 0; i < n; ++i) out[i] = sqrtf(x[i]);
      return;
    case UnaryOp::kRsqrt:
      for (int64_t i = 0; i < n; ++i) out[i] = 1.0f / sqrtf(x[i]);
      return;
    default: return;
  }
}

float sum_row(const float* x, int64_t n) {
  vf a0 = {}, a1 = {}, a2 = {}, a3 = {};
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    a0 += load(x + i);
    a1 += load(x + i + W);
    a2 += load(x + i + 2 * W);
    a3 += load(x + i + 3 * W);
  }
  for (; i + W <= n; i += W) a0 += load(x + i);
  const vf s = (a0 + a1) + (a2 + a3);
  float r = 0;
  for (int l = 0; l < W; ++l) r += s[l];
  for (; i < n; ++i) r += x[i];
  return r;
}

void bias_gelu_grad_row(const float* x, const float* bias, const float* dy, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + W <= n; i += W) store(out + i, gelu_grad(load(x + i) + load(bias + i), load(dy + i)));
  if (i < n) {  // the tail through the same vector code: identical to the body
    float vx[W] = {0}, vb[W] = {0}, vd[W] = {0};
    const size_t len = size_t(n - i) * sizeof(float);
    memcpy(vx, x + i, len);
    memcpy(vb, bias + i, len);
    memcpy(vd, dy + i, len);
    store(vx, gelu_grad(load(vx) + load(vb), load(vd)));
    memcpy(out + i, vx, len);
  }
}

void add_into(const float* x, float* acc, int64_t n) {
  int64_t i = 0;
  for (; i + W <= n; i += W) store(acc + i, load(acc + i) + load(x + i));
  for (; i < n; ++i) acc[i] += x[i];
}

const ElementwiseKernelSet kElementwiseSet = {
#if SPACETIME_VECTOR_BYTES == 64
    "avx512",
#elif SPACETIME_VECTOR_BYTES == 32
    "avx2",
#else
    "scalar",
#endif
    binary_row, unary, sum_row, add_into, bias_gelu_grad_row};

}  // namespace
}  // namespace spacetime
