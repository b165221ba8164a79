// The portable vector type and its unaligned load/store, shared by the per-ISA kernel
// headers (elementwise_impl.h, attention_tiles.h, adamw_impl.h). Like them it is included
// once per translation unit after SPACETIME_VECTOR_BYTES is defined (64 AVX-512, 32 AVX2,
// 16 SSE), inside their anonymous namespace, so each ISA gets its own internal copy.
#ifndef SPACETIME_VECTOR_BYTES
#error "define SPACETIME_VECTOR_BYTES before including simd_vectors.h"
#endif

constexpr int W = SPACETIME_VECTOR_BYTES / 4;  // float lanes
typedef float vf __attribute__((vector_size(SPACETIME_VECTOR_BYTES)));
typedef int32_t vi __attribute__((vector_size(SPACETIME_VECTOR_BYTES)));
typedef uint32_t vu __attribute__((vector_size(SPACETIME_VECTOR_BYTES)));

inline vf load(const float* p) {
  vf v;
  memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, vf v) { memcpy(p, &v, sizeof v); }
