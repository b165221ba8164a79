// N-API glue of the fused LayerNorm + modulate (layernorm_modulate.h):
// layerNormModulate(...) and layerNormModulateGrad(...).
#include <math.h>

#include <string>

#include "layernorm_modulate.h"
#include "napi_args.h"

namespace spacetime {
namespace {

struct F32Arg {
  const char* name;
  float* ptr;
  size_t len;
  int64_t want;  // required length
};

// Reads `count` Float32Arrays from argv and the dims batch, tokens, d after them; checks
// each length and that no output (from index `first_output` on) overlaps any other array.
// Returns an error message, or "" when all is well.
std::string read_args(napi_env env, napi_value* argv, F32Arg* arrays, int count, int first_output, const char* fn,
                      int64_t* dims) {
  for (int i = 0; i < count; ++i)
    if (!get_f32(env, argv[i], &arrays[i].ptr, &arrays[i].len)) return std::string(fn) + ": " + arrays[i].name + " must be a Float32Array";
  static const char* const dim_names[3] = {"batch", "tokens", "d"};
  for (int i = 0; i < 3; ++i)
    if (!get_dim(env, argv[count + i], &dims[i])) return std::string(fn) + ": " + dim_names[i] + " must be an integer in [0, 2^31)";
  const int64_t bn = dims[0] * dims[1], bd = dims[0] * dims[2];
  if (bn > kMaxDim || bd > kMaxDim) return std::string(fn) + ": batch*tokens and batch*d must be below 2^31";
  for (int i = 0; i < count; ++i) {
    // want: 0 = [batch, tokens, d], 1 = [batch, d], 2 = [batch, tokens]
    const int64_t kind = arrays[i].want;
    const bool ok = kind == 0 ? is_product(arrays[i].len, dims[0], dims[1], dims[2])
                    : kind == 1 ? arrays[i].len == size_t(bd)
                                : arrays[i].len == size_t(bn);
    if (!ok)
      return std::string(fn) + ": " + arrays[i].name + ".length must be " + (kind == 0 ? "batch*tokens*d" : kind == 1 ? "batch*d" : "batch*tokens");
  }
  for (int o = first_output; o < count; ++o)
    for (int i = 0; i < count; ++i)
      if (i != o && ranges_overlap(arrays[o].ptr, arrays[o].len, arrays[i].ptr, arrays[i].len))
        return std::string(fn) + ": " + arrays[o].name + " must not share memory with " + arrays[i].name;
  return "";
}

// layerNormModulate(x, shift, scale, y, mean, rstd, batch, tokens, d, eps)
napi_value LayerNormModulate(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 10) return throw_type(env, "layerNormModulate expects 10 arguments (x, shift, scale, y, mean, rstd, batch, tokens, d, eps)");
  F32Arg a[6] = {{"x", nullptr, 0, 0}, {"shift", nullptr, 0, 1}, {"scale", nullptr, 0, 1},
                 {"y", nullptr, 0, 0}, {"mean", nullptr, 0, 2},  {"rstd", nullptr, 0, 2}};
  int64_t dims[3];
  const std::string err = read_args(env, argv, a, 6, 3, "layerNormModulate", dims);
  if (!err.empty()) return throw_range(env, err);
  double eps;
  if (napi_get_value_double(env, argv[9], &eps) != napi_ok || !(eps >= 0) || eps == INFINITY)
    return throw_range(env, "layerNormModulate: eps must be a finite number ≥ 0");
  layernorm_modulate_forward({a[0].ptr, a[1].ptr, a[2].ptr, a[3].ptr, a[4].ptr, a[5].ptr, dims[0], dims[1], dims[2], float(eps)});
  return nullptr;
}

// layerNormModulateGrad(x, scale, mean, rstd, dy, dx, dscale, dshift, batch, tokens, d)
napi_value LayerNormModulateGrad(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 11)
    return throw_type(env, "layerNormModulateGrad expects 11 arguments (x, scale, mean, rstd, dy, dx, dscale, dshift, batch, tokens, d)");
  F32Arg a[8] = {{"x", nullptr, 0, 0},  {"scale", nullptr, 0, 1}, {"mean", nullptr, 0, 2},   {"rstd", nullptr, 0, 2},
                 {"dy", nullptr, 0, 0}, {"dx", nullptr, 0, 0},    {"dscale", nullptr, 0, 1}, {"dshift", nullptr, 0, 1}};
  int64_t dims[3];
  const std::string err = read_args(env, argv, a, 8, 5, "layerNormModulateGrad", dims);
  if (!err.empty()) return throw_range(env, err);
  layernorm_modulate_backward(
      {a[0].ptr, a[1].ptr, a[2].ptr, a[3].ptr, a[4].ptr, a[5].ptr, a[6].ptr, a[7].ptr, dims[0], dims[1], dims[2]});
  return nullptr;
}

}  // namespace

bool export_layernorm_modulate(napi_env env, napi_value exports) {
  return export_functions(env, exports, {{"layerNormModulate", LayerNormModulate}, {"layerNormModulateGrad", LayerNormModulateGrad}});
}

}  // namespace spacetime
