// The EMA update loop of ema_kernels.h written once with GCC/Clang vector
// extensions for a vector of SPACETIME_VECTOR_BYTES bytes; each ISA's
// translation unit defines the width and includes this file once with its own
// -m flags, inside an anonymous namespace (internal linkage), as adamw_impl.h.
#pragma once
#include <stdint.h>
#include <string.h>

#include "ema_kernels.h"

#ifndef SPACETIME_VECTOR_BYTES
#error "define SPACETIME_VECTOR_BYTES before including ema_impl.h"
#endif

namespace spacetime {
namespace {

#include "simd_vectors.h"

void update(const float* s, const float* p, float* out, float decay, float one_minus_decay, int64_t n) {
  int64_t i = 0;
  for (; i + W <= n; i += W) store(out + i, load(s + i) * decay + load(p + i) * one_minus_decay);
  for (; i < n; ++i) out[i] = s[i] * decay + p[i] * one_minus_decay;  // the same operations on one float
}

const EmaKernelSet kEmaSet = {
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
