// N-API glue of the fused AdamW update (adamw.h): adamw(...).
#include <string.h>

#include <string>

#include "adamw.h"
#include "napi_args.h"

namespace spacetime {
namespace {

// adamw(p, m, v, g, pOut, mOut, vOut, constants): the fused AdamW update (adamw.h);
// constants = Float32Array [β1, 1−β1, β2, 1−β2, c1, c2, eps, 1−lr·wd, lr]. Each output
// may be its own input (an update in place) and must not overlap anything else.
napi_value AdamW(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 8) return throw_type(env, "adamw expects 8 arguments (p, m, v, g, pOut, mOut, vOut, constants)");
  static const char* const names[7] = {"p", "m", "v", "g", "pOut", "mOut", "vOut"};
  float* ptr[7];
  size_t len[7];
  for (int i = 0; i < 7; ++i)
    if (!get_f32(env, argv[i], &ptr[i], &len[i])) return throw_type(env, std::string("adamw: ") + names[i] + " must be a Float32Array");
  float* constants;
  size_t nconstants;
  if (!get_f32(env, argv[7], &constants, &nconstants) || nconstants != size_t(kAdamWConstantCount))
    return throw_type(env, "adamw: constants must be a Float32Array of 9 (β1, 1−β1, β2, 1−β2, c1, c2, eps, 1−lr·wd, lr)");
  for (int i = 1; i < 7; ++i)
    if (len[i] != len[0]) return throw_range(env, std::string("adamw: ") + names[i] + ".length must equal p.length");
  for (int o = 4; o < 7; ++o)
    for (int i = 0; i < 7; ++i) {
      if (i == o || (i == o - 4 && ptr[i] == ptr[o])) continue;  // an output may be exactly its own input
      if (ranges_overlap(ptr[o], len[o], ptr[i], len[i]))
        return throw_range(env, std::string("adamw: ") + names[o] + " must be " + names[o - 4] + " or not share memory with " + names[i]);
    }
  AdamWArgs a{ptr[0], ptr[1], ptr[2], ptr[3], ptr[4], ptr[5], ptr[6], int64_t(len[0]), {}};
  memcpy(&a.c, constants, sizeof(a.c));
  adamw_update(a);
  return nullptr;
}

}  // namespace

bool export_adamw(napi_env env, napi_value exports) { return export_functions(env, exports, {{"adamw", AdamW}}); }

}  // namespace spacetime
