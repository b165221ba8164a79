// N-API glue of the fused EMA update (ema.h): ema(s, p, out, decay, oneMinusDecay).
#include <math.h>

#include "ema.h"
#include "napi_args.h"

namespace spacetime {
namespace {

// ema(s, p, out, decay, oneMinusDecay): out = s·decay + p·oneMinusDecay, each number
// rounded to float32 once here; out may be s (in place) and must not overlap p.
napi_value Ema(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 5) return throw_type(env, "ema expects 5 arguments (s, p, out, decay, oneMinusDecay)");
  float *s, *p, *out;
  size_t ns, np, nout;
  if (!get_f32(env, argv[0], &s, &ns)) return throw_type(env, "ema: s must be a Float32Array");
  if (!get_f32(env, argv[1], &p, &np)) return throw_type(env, "ema: p must be a Float32Array");
  if (!get_f32(env, argv[2], &out, &nout)) return throw_type(env, "ema: out must be a Float32Array");
  double d[2];
  for (int i = 0; i < 2; ++i)
    if (napi_get_value_double(env, argv[3 + i], &d[i]) != napi_ok || !isfinite(d[i]))
      return throw_range(env, i == 0 ? "ema: decay must be a finite number" : "ema: oneMinusDecay must be a finite number");
  if (np != ns || nout != ns) return throw_range(env, "ema: s, p and out must have the same length");
  if (ranges_overlap(out, nout, p, np)) return throw_range(env, "ema: out must not share memory with p");
  if (out != s && ranges_overlap(out, nout, s, ns)) return throw_range(env, "ema: out must be s or not share memory with it");
  ema_update({s, p, out, int64_t(ns), float(d[0]), float(d[1])});
  return nullptr;
}

}  // namespace

bool export_ema(napi_env env, napi_value exports) { return export_functions(env, exports, {{"ema", Ema}}); }

}  // namespace spacetime
