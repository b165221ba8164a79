// N-API glue of the sums (reduce.cc, declared in elementwise.h): sum(...).
#include "elementwise.h"
#include "napi_args.h"

namespace spacetime {
namespace {

// sum(x, out, outer, reduced, inner, mean): x as [outer, reduced, inner] -> out [outer, inner].
napi_value Sum(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 6) return throw_type(env, "sum expects 6 arguments (x, out, outer, reduced, inner, mean)");
  float *x, *out;
  size_t nx, nout;
  int64_t outer, reduced, inner;
  bool mean;
  if (!get_f32(env, argv[0], &x, &nx)) return throw_type(env, "sum: x must be a Float32Array");
  if (!get_f32(env, argv[1], &out, &nout)) return throw_type(env, "sum: out must be a Float32Array");
  if (!get_dim(env, argv[2], &outer) || !get_dim(env, argv[3], &reduced) || !get_dim(env, argv[4], &inner))
    return throw_range(env, "sum: outer, reduced and inner must be integers in [0, 2^31)");
  CHECK_NAPI(env, napi_get_value_bool(env, argv[5], &mean));
  if (!is_product(nx, outer, reduced, inner)) return throw_range(env, "sum: x.length must be outer*reduced*inner");
  if (!is_product(nout, outer, 1, inner)) return throw_range(env, "sum: out.length must be outer*inner");
  if (ranges_overlap(x, nx, out, nout)) return throw_range(env, "sum: out must not share memory with x");
  reduce_sum(x, out, outer, reduced, inner, mean);
  return nullptr;
}

}  // namespace

bool export_reduce(napi_env env, napi_value exports) { return export_functions(env, exports, {{"sum", Sum}}); }

}  // namespace spacetime
