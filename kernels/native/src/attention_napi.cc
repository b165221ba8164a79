// N-API glue of fused attention (attention.h): attentionForward(...) and
// attentionBackward(...).
#include <math.h>

#include <string>

#include "attention.h"
#include "napi_args.h"

namespace spacetime {
namespace {

// Reads the shared arguments of attentionForward / attentionBackward: the
// float32 arrays named in `names` (the mask, at index 3, may be null or
// undefined), then batch, heads, n, m, d and scale. Checks every length and
// that no output overlaps another array. Returns false after throwing.
bool get_attention_args(napi_env env, const char* fn, napi_value* argv, const char* const* names, int arrays,
                        int first_output, float** ptr, size_t* len, AttentionProblem* p) {
  for (int i = 0; i < arrays; ++i) {
    ptr[i] = nullptr;
    len[i] = 0;
    if (i == 3) {
      napi_valuetype type;
      if (napi_typeof(env, argv[i], &type) != napi_ok) return false;
      if (type == napi_null || type == napi_undefined) continue;
    }
    if (!get_f32(env, argv[i], &ptr[i], &len[i])) {
      throw_type(env, std::string(fn) + ": " + names[i] + " must be a Float32Array" + (i == 3 ? " (or null)" : ""));
      return false;
    }
  }
  int64_t dims[5];
  const char* dim_names[5] = {"batch", "heads", "queries", "keys", "headDim"};
  for (int i = 0; i < 5; ++i) {
    if (!get_dim(env, argv[arrays + i], &dims[i]) || dims[i] < 1) {
      throw_range(env, std::string(fn) + ": " + dim_names[i] + " must be an integer in [1, 2^31)");
      return false;
    }
  }
  double scale;
  if (napi_get_value_double(env, argv[arrays + 5], &scale) != napi_ok || !isfinite(scale)) {
    throw_range(env, std::string(fn) + ": scale must be a finite number");
    return false;
  }
  const int64_t bh = dims[0] * dims[1];
  if (bh > kMaxDim) {
    throw_range(env, std::string(fn) + ": batch * heads must be below 2^31");
    return false;
  }
  // Expected lengths: q-shaped [B*h, N, d], k-shaped [B*h, M, d], lse [B*h, N], mask [B, M].
  for (int i = 0; i < arrays; ++i) {
    const std::string name = names[i];
    bool ok;
    std::string want;
    if (i == 3) {
      if (!ptr[i]) continue;
      ok = is_product(len[i], dims[0], dims[3], 1);
      want = "batch*keys";
    } else if (name == "k" || name == "v" || name == "dk" || name == "dv") {
      ok = is_product(len[i], bh, dims[3], dims[4]);
      want = "batch*heads*keys*headDim";
    } else if (name == "lse") {
      ok = is_product(len[i], bh, dims[2], 1);
      want = "batch*heads*queries";
    } else {
      ok = is_product(len[i], bh, dims[2], dims[4]);
      want = "batch*heads*queries*headDim";
    }
    if (!ok) {
      throw_range(env, std::string(fn) + ": " + name + ".length must be " + want);
      return false;
    }
  }
  for (int o = first_output; o < arrays; ++o)
    for (int i = 0; i < arrays; ++i)
      if (i != o && ptr[i] && ranges_overlap(ptr[o], len[o], ptr[i], len[i])) {
        throw_range(env, std::string(fn) + ": " + names[o] + " must not share memory with " + names[i]);
        return false;
      }
  p->batch = dims[0];
  p->heads = dims[1];
  p->n = dims[2];
  p->m = dims[3];
  p->d = dims[4];
  p->scale = float(scale);
  return true;
}

// attentionForward(q, k, v, mask | null, out, lse, batch, heads, queries, keys, headDim, scale)
napi_value AttentionForward(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 12)
    return throw_type(env, "attentionForward expects 12 arguments (q, k, v, mask, out, lse, batch, heads, queries, keys, headDim, scale)");
  static const char* const names[6] = {"q", "k", "v", "mask", "out", "lse"};
  float* ptr[6];
  size_t len[6];
  AttentionProblem p{};
  if (!get_attention_args(env, "attentionForward", argv, names, 6, 4, ptr, len, &p)) return nullptr;
  p.q = ptr[0];
  p.k = ptr[1];
  p.v = ptr[2];
  p.mask = ptr[3];
  p.out = ptr[4];
  p.lse = ptr[5];
  attention_forward(p);
  return nullptr;
}

// attentionBackward(q, k, v, mask | null, out, lse, dOut, dq, dk, dv, batch, heads, queries, keys, headDim, scale)
napi_value AttentionBackward(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value argv[16];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 16)
    return throw_type(env, "attentionBackward expects 16 arguments (q, k, v, mask, out, lse, dOut, dq, dk, dv, batch, heads, queries, keys, headDim, scale)");
  static const char* const names[10] = {"q", "k", "v", "mask", "out", "lse", "dOut", "dq", "dk", "dv"};
  float* ptr[10];
  size_t len[10];
  AttentionProblem p{};
  if (!get_attention_args(env, "attentionBackward", argv, names, 10, 7, ptr, len, &p)) return nullptr;
  p.q = ptr[0];
  p.k = ptr[1];
  p.v = ptr[2];
  p.mask = ptr[3];
  p.out = ptr[4];
  p.lse = ptr[5];
  p.dout = ptr[6];
  p.dq = ptr[7];
  p.dk = ptr[8];
  p.dv = ptr[9];
  attention_backward(p);
  return nullptr;
}

}  // namespace

bool export_attention(napi_env env, napi_value exports) {
  return export_functions(env, exports, {{"attentionForward", AttentionForward}, {"attentionBackward", AttentionBackward}});
}

}  // namespace spacetime
