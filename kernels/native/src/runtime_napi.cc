// N-API glue of the addon's runtime controls, not kernels: the FMA peak
// (gemm.h), the instruction set (cpu_features.h) and the thread pool
// (thread_pool.h).
#include <string>

#include "cpu_features.h"
#include "gemm.h"
#include "napi_args.h"
#include "thread_pool.h"

namespace spacetime {
namespace {


// fmaPeakGflops(seconds = 0.5): see fma_peak_gflops in gemm.h.
napi_value FmaPeak(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  double seconds = 0.5;
  napi_valuetype type = napi_undefined;
  if (argc >= 1) CHECK_NAPI(env, napi_typeof(env, argv[0], &type));
  if (type != napi_undefined &&
      (napi_get_value_double(env, argv[0], &seconds) != napi_ok || !(seconds > 0 && seconds <= 60)))
    return throw_range(env, "fmaPeakGflops expects seconds in (0, 60]");
  napi_value out;
  CHECK_NAPI(env, napi_create_double(env, fma_peak_gflops(seconds), &out));
  return out;
}

napi_value IsaGet(napi_env env, napi_callback_info) { return make_string(env, isa_name(current_isa())); }

napi_value IsaSet(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  char name[32] = {0};
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof(name), &len) != napi_ok)
    return throw_type(env, "setIsa expects a string");
  Isa isa;
  if (!parse_isa(name, &isa)) return throw_range(env, std::string("setIsa: unknown ISA '") + name + "' (avx512, avx2, scalar)");
  if (!set_isa(isa)) return throw_range(env, std::string("setIsa: ") + name + " is not available on this machine");
  return make_string(env, isa_name(current_isa()));
}

napi_value AvailableIsas(napi_env env, napi_callback_info) {
  napi_value out;
  CHECK_NAPI(env, napi_create_array(env, &out));
  uint32_t i = 0;
  for (Isa isa : {Isa::kAvx512, Isa::kAvx2, Isa::kScalar})
    if (isa_available(isa)) CHECK_NAPI(env, napi_set_element(env, out, i++, make_string(env, isa_name(isa))));
  return out;
}

napi_value IsaNote(napi_env env, napi_callback_info) { return make_string(env, isa_env_note()); }

napi_value ThreadsGet(napi_env env, napi_callback_info) {
  napi_value out;
  CHECK_NAPI(env, napi_create_int32(env, ThreadPool::global().size(), &out));
  return out;
}

napi_value ThreadsSet(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int64_t n = 0;
  if (argc < 1 || !get_dim(env, argv[0], &n) || n < 1 || n > 256)
    return throw_range(env, "setThreads expects an integer in [1, 256]");
  ThreadPool::set_global_threads(int(n));
  return ThreadsGet(env, info);
}

}  // namespace

bool export_runtime(napi_env env, napi_value exports) {
  return export_functions(env, exports, {{"fmaPeakGflops", FmaPeak},
                                         {"isa", IsaGet},
                                         {"setIsa", IsaSet},
                                         {"availableIsas", AvailableIsas},
                                         {"isaNote", IsaNote},
                                         {"threads", ThreadsGet},
                                         {"setThreads", ThreadsSet}});
}

}  // namespace spacetime
