// Module init of spacetime_native.node: registers each kernel's functions.
// The N-API glue (argument conversion and validation) sits beside each kernel
// in <kernel>_napi.cc; the shared helpers are in napi_args.h. The order here
// is the order of the addon's export keys.
#include <node_api.h>

#include "napi_args.h"

NAPI_MODULE_INIT() {
  using namespace spacetime;
  if (!export_gemm(env, exports)) return nullptr;
  if (!export_elementwise(env, exports)) return nullptr;
  if (!export_reduce(env, exports)) return nullptr;
  if (!export_attention(env, exports)) return nullptr;
  if (!export_patch_embed(env, exports)) return nullptr;
  if (!export_adamw(env, exports)) return nullptr;
  if (!export_layernorm_modulate(env, exports)) return nullptr;
  if (!export_ema(env, exports)) return nullptr;
  if (!export_runtime(env, exports)) return nullptr;
  return exports;
}
