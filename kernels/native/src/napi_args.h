// Shared helpers of the N-API glue (plain C N-API, no node-addon-api): reading
// and checking JS arguments, throwing JS errors, exporting functions. Each
// kernel's <kernel>_napi.cc converts and validates its own arguments with
// these, then calls the kernel; addon.cc calls each file's export_* function.
// The TypeScript wrapper (kernels/native/index.ts) validates too, with nicer
// messages; the checks here keep the addon memory-safe when called directly.
#pragma once
#include <node_api.h>
#include <stdint.h>

#include <initializer_list>
#include <string>

namespace spacetime {

constexpr int64_t kMaxDim = 0x7fffffff;

// Throws a JS error and returns nullptr from the callback when status is not ok.
#define CHECK_NAPI(env, call)                                   \
  do {                                                          \
    if ((call) != napi_ok) {                                    \
      napi_throw_error((env), nullptr, "N-API call failed: " #call); \
      return nullptr;                                           \
    }                                                           \
  } while (0)

inline napi_value throw_range(napi_env env, const std::string& msg) {
  napi_throw_range_error(env, nullptr, msg.c_str());
  return nullptr;
}
inline napi_value throw_type(napi_env env, const std::string& msg) {
  napi_throw_type_error(env, nullptr, msg.c_str());
  return nullptr;
}

inline bool get_f32(napi_env env, napi_value v, float** data, size_t* length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return false;
  napi_typedarray_type type;
  void* ptr = nullptr;
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, nullptr, nullptr) != napi_ok) return false;
  if (type != napi_float32_array) return false;
  *data = static_cast<float*>(ptr);
  return true;
}

inline bool get_i32(napi_env env, napi_value v, int32_t** data, size_t* length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return false;
  napi_typedarray_type type;
  void* ptr = nullptr;
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, nullptr, nullptr) != napi_ok) return false;
  if (type != napi_int32_array) return false;
  *data = static_cast<int32_t*>(ptr);
  return true;
}

inline bool get_dim(napi_env env, napi_value v, int64_t* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return false;
  if (!(d >= 0 && d <= double(kMaxDim)) || d != double(int64_t(d))) return false;
  *out = int64_t(d);
  return true;
}

// length == x*y*z without overflow (each factor < 2^31, so x*y fits in int64).
inline bool is_product(size_t length, int64_t x, int64_t y, int64_t z) {
  const int64_t xy = x * y;
  if (xy == 0 || z == 0) return length == 0;
  if (xy > INT64_MAX / z) return false;
  return uint64_t(xy * z) == uint64_t(length);
}

inline bool ranges_overlap(const float* a, size_t na, const float* b, size_t nb) {
  const uintptr_t a0 = uintptr_t(a), a1 = a0 + na * sizeof(float);
  const uintptr_t b0 = uintptr_t(b), b1 = b0 + nb * sizeof(float);
  return na > 0 && nb > 0 && a0 < b1 && b0 < a1;
}

inline napi_value make_string(napi_env env, const char* s) {
  napi_value out;
  CHECK_NAPI(env, napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &out));
  return out;
}

// Defines each function on `exports` (enumerable), in order; false if N-API fails.
struct NapiFunction {
  const char* name;
  napi_callback callback;
};
inline bool export_functions(napi_env env, napi_value exports, std::initializer_list<NapiFunction> functions) {
  for (const NapiFunction& f : functions) {
    const napi_property_descriptor prop = {f.name, nullptr, f.callback, nullptr, nullptr, nullptr, napi_enumerable, nullptr};
    if (napi_define_properties(env, exports, 1, &prop) != napi_ok) return false;
  }
  return true;
}

// One per <kernel>_napi.cc: adds that file's functions to the module's exports.
bool export_gemm(napi_env env, napi_value exports);         // gemm
bool export_elementwise(napi_env env, napi_value exports);  // binary, unary
bool export_reduce(napi_env env, napi_value exports);       // sum
bool export_attention(napi_env env, napi_value exports);    // attentionForward, attentionBackward
bool export_patch_embed(napi_env env, napi_value exports);  // patchEmbed
bool export_adamw(napi_env env, napi_value exports);        // adamw
bool export_layernorm_modulate(napi_env env, napi_value exports);  // layerNormModulate, layerNormModulateGrad
bool export_ema(napi_env env, napi_value exports);          // ema
bool export_runtime(napi_env env, napi_value exports);      // fmaPeakGflops, isa, setIsa, availableIsas, isaNote, threads, setThreads

}  // namespace spacetime
