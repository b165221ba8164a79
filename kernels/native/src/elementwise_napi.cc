// N-API glue of the element-wise ops (elementwise.h): binary(...), unary(...) and biasGeluGrad(...).
#include <string>

#include "elementwise.h"
#include "napi_args.h"

namespace spacetime {
namespace {

// binary(op, a, b, out, dims): dims = Int32Array [rank, shape..., aStrides..., bStrides...]
// (see BinaryArgs in elementwise.h).
napi_value Binary(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 5) return throw_type(env, "binary expects 5 arguments (op, a, b, out, dims)");
  int32_t op;
  CHECK_NAPI(env, napi_get_value_int32(env, argv[0], &op));
  if (op < 0 || op >= int32_t(BinaryOp::kCount)) return throw_range(env, "binary: unknown op code");
  BinaryArgs g{};
  g.op = BinaryOp(op);
  float *a, *b, *out;
  int32_t* dims;
  size_t na, nb, nout, ndims;
  if (!get_f32(env, argv[1], &a, &na)) return throw_type(env, "binary: a must be a Float32Array");
  if (!get_f32(env, argv[2], &b, &nb)) return throw_type(env, "binary: b must be a Float32Array");
  if (!get_f32(env, argv[3], &out, &nout)) return throw_type(env, "binary: out must be a Float32Array");
  if (!get_i32(env, argv[4], &dims, &ndims)) return throw_type(env, "binary: dims must be an Int32Array");
  if (ndims < 1 || dims[0] < 1 || dims[0] > kMaxBroadcastRank || ndims != size_t(1 + 3 * dims[0]))
    return throw_range(env, "binary: dims must be [rank (1..8), shape, aStrides, bStrides]");
  g.rank = dims[0];
  int64_t total = 1, last_a = 0, last_b = 0;
  for (int d = 0; d < g.rank; ++d) {
    g.shape[d] = dims[1 + d];
    g.a_strides[d] = dims[1 + g.rank + d];
    g.b_strides[d] = dims[1 + 2 * g.rank + d];
    if (g.shape[d] < 0 || g.a_strides[d] < 0 || g.b_strides[d] < 0) return throw_range(env, "binary: negative dim or stride");
    total *= g.shape[d];
    if (total > kMaxDim) return throw_range(env, "binary: output too large");
    if (g.shape[d] > 0) {
      last_a += (g.shape[d] - 1) * g.a_strides[d];
      last_b += (g.shape[d] - 1) * g.b_strides[d];
    }
  }
  if (g.a_strides[g.rank - 1] > 1 || g.b_strides[g.rank - 1] > 1) return throw_range(env, "binary: innermost strides must be 0 or 1");
  if (size_t(total) != nout) return throw_range(env, "binary: out.length must be the product of the shape");
  if (total > 0 && (size_t(last_a) >= na || size_t(last_b) >= nb)) return throw_range(env, "binary: strides reach past a or b");
  g.a = a;
  g.b = b;
  g.out = out;
  binary(g);
  return nullptr;
}

// unary(op, x, out): out[i] = op(x[i]); out may be x.
napi_value Unary(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 3) return throw_type(env, "unary expects 3 arguments (op, x, out)");
  int32_t op;
  CHECK_NAPI(env, napi_get_value_int32(env, argv[0], &op));
  if (op < 0 || op >= int32_t(UnaryOp::kCount)) return throw_range(env, "unary: unknown op code");
  float *x, *out;
  size_t nx, nout;
  if (!get_f32(env, argv[1], &x, &nx)) return throw_type(env, "unary: x must be a Float32Array");
  if (!get_f32(env, argv[2], &out, &nout)) return throw_type(env, "unary: out must be a Float32Array");
  if (nx != nout) return throw_range(env, "unary: x and out must have the same length");
  if (x != out && ranges_overlap(x, nx, out, nout)) return throw_range(env, "unary: out must be x or not overlap it");
  unary(UnaryOp(op), x, out, int64_t(nx));
  return nullptr;
}

// biasGeluGrad(x, bias, dy, out): out = the gradient of gelu(x + bias) for dy, with x, dy,
// out [rows, cols] and bias [cols] (cols = bias.length).
napi_value BiasGeluGrad(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 4) return throw_type(env, "biasGeluGrad expects 4 arguments (x, bias, dy, out)");
  static const char* const names[4] = {"x", "bias", "dy", "out"};
  float* ptr[4];
  size_t len[4];
  for (int i = 0; i < 4; ++i)
    if (!get_f32(env, argv[i], &ptr[i], &len[i])) return throw_type(env, std::string("biasGeluGrad: ") + names[i] + " must be a Float32Array");
  if (len[1] == 0 || len[0] % len[1] != 0) return throw_range(env, "biasGeluGrad: x.length must be a multiple of bias.length (> 0)");
  if (len[2] != len[0] || len[3] != len[0]) return throw_range(env, "biasGeluGrad: dy and out must have x's length");
  for (int i = 0; i < 3; ++i)
    if (ranges_overlap(ptr[3], len[3], ptr[i], len[i]))
      return throw_range(env, std::string("biasGeluGrad: out must not share memory with ") + names[i]);
  bias_gelu_grad(ptr[0], ptr[1], ptr[2], ptr[3], int64_t(len[0] / len[1]), int64_t(len[1]));
  return nullptr;
}

}  // namespace

bool export_elementwise(napi_env env, napi_value exports) {
  return export_functions(env, exports, {{"binary", Binary}, {"unary", Unary}, {"biasGeluGrad", BiasGeluGrad}});
}

}  // namespace spacetime
