// N-API glue of the GEMM (gemm.h): gemm(...).
#include <string>

#include "gemm.h"
#include "napi_args.h"

namespace spacetime {
namespace {

// gemm(a, b, c, batchA, batchB, m, n, k, transposeA, transposeB, alpha, beta)
napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 12) return throw_type(env, "gemm expects 12 arguments (a, b, c, batchA, batchB, m, n, k, transposeA, transposeB, alpha, beta)");
  GemmArgs g{};
  float *a, *b, *c;
  size_t na, nb, nc;
  if (!get_f32(env, argv[0], &a, &na)) return throw_type(env, "gemm: a must be a Float32Array");
  if (!get_f32(env, argv[1], &b, &nb)) return throw_type(env, "gemm: b must be a Float32Array");
  if (!get_f32(env, argv[2], &c, &nc)) return throw_type(env, "gemm: c must be a Float32Array");
  const char* names[5] = {"batchA", "batchB", "m", "n", "k"};
  int64_t* dims[5] = {&g.batch_a, &g.batch_b, &g.m, &g.n, &g.k};
  for (int i = 0; i < 5; ++i)
    if (!get_dim(env, argv[3 + i], dims[i]))
      return throw_range(env, std::string("gemm: ") + names[i] + " must be an integer in [0, 2^31)");
  double alpha, beta;
  CHECK_NAPI(env, napi_get_value_bool(env, argv[8], &g.trans_a));
  CHECK_NAPI(env, napi_get_value_bool(env, argv[9], &g.trans_b));
  CHECK_NAPI(env, napi_get_value_double(env, argv[10], &alpha));
  CHECK_NAPI(env, napi_get_value_double(env, argv[11], &beta));
  g.alpha = float(alpha);
  g.beta = float(beta);
  if (g.batch_a != g.batch_b && g.batch_a != 1 && g.batch_b != 1)
    return throw_range(env, "gemm: batchA and batchB must be equal or one of them 1");
  const int64_t batch = g.batch_a > g.batch_b ? g.batch_a : g.batch_b;
  if (!is_product(na, g.batch_a, g.m, g.k)) return throw_range(env, "gemm: a.length must be batchA*m*k");
  if (!is_product(nb, g.batch_b, g.k, g.n)) return throw_range(env, "gemm: b.length must be batchB*k*n");
  if (!is_product(nc, batch, g.m, g.n)) return throw_range(env, "gemm: c.length must be max(batchA,batchB)*m*n");
  if (ranges_overlap(c, nc, a, na) || ranges_overlap(c, nc, b, nb))
    return throw_range(env, "gemm: c must not share memory with a or b");
  g.a = a;
  g.b = b;
  g.c = c;
  gemm(g);
  return nullptr;
}

}  // namespace

bool export_gemm(napi_env env, napi_value exports) { return export_functions(env, exports, {{"gemm", Gemm}}); }

}  // namespace spacetime
