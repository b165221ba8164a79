// N-API glue of fused attention (attention.h): attentionForward(...) and
// attentionBackward(...).
#include <math.h>

#include <string>

#include "attention.h"
#include "napi_args.h"

namespace spacetime {
namespace {

// Which layout slot (AttentionProblem::lq, lk, lv, lo) an array named `name` uses.
int layout_slot(const std::string& name) {
  if (name == "q" || name == "dq") return 0;
  if (name == "k" || name == "dk") return 1;
  if (name == "v" || name == "dv") return 2;
  return 3;  // out, dOut
}

// An array as the kernel touches it: rows of `width` floats every `stride`
// floats (contiguous: width == stride), within [p, p + len).
struct Footprint {
  const float* p;
  size_t len;
  int64_t stride, width;
};

// Whether two arrays share an element: disjoint ranges never do; two
// token-major views with the same row stride do not when their column ranges
// are disjoint (q, k and v inside one packed qkv, or dq, dk, dv inside dqkv).
bool footprints_overlap(const Footprint& a, const Footprint& b) {
  if (!ranges_overlap(a.p, a.len, b.p, b.len)) return false;
  if (a.stride != b.stride || a.width == a.stride || b.width == b.stride) return true;
  const intptr_t bytes = intptr_t(uintptr_t(b.p) - uintptr_t(a.p));
  if (bytes % intptr_t(sizeof(float)) != 0) return true;
  const int64_t s = a.stride, r = ((int64_t(bytes / intptr_t(sizeof(float))) % s) + s) % s;
  return !(r >= a.width && r + b.width <= s);
}

// Reads the shared arguments of attentionForward / attentionBackward: the
// float32 arrays named in `names` (the mask, at index 3, may be null or
// undefined), then batch, heads, n, m, d, scale and the optional row strides.
// Without strides every array is head-major and contiguous ([B*h, rows, d]);
// with rowStrides [q, k, v, out] they are token-major ([B, rows, stride], head
// h at columns h*d.., the array starting at its first head's column): dq
// shares q's stride, dk k's, dv v's, dOut out's. Checks every length and that
// no output shares an element with another array. Returns false after throwing.
bool get_attention_args(napi_env env, const char* fn, size_t argc, napi_value* argv, const char* const* names,
                        int arrays, int first_output, float** ptr, size_t* len, AttentionProblem* p) {
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
  const int64_t batch = dims[0], heads = dims[1], n = dims[2], m = dims[3], d = dims[4];
  if (heads * d > kMaxDim) {
    throw_range(env, std::string(fn) + ": heads * headDim must be below 2^31");
    return false;
  }
  // Row strides: absent (head-major) or four integers >= heads * headDim.
  bool tokens = false;
  int64_t strides[4] = {d, d, d, d};
  if (argc > size_t(arrays + 6)) {
    napi_value sv = argv[arrays + 6];
    napi_valuetype type;
    if (napi_typeof(env, sv, &type) != napi_ok) return false;
    if (type != napi_undefined && type != napi_null) {
      bool is_array = false;
      uint32_t count = 0;
      if (napi_is_array(env, sv, &is_array) != napi_ok || !is_array || napi_get_array_length(env, sv, &count) != napi_ok ||
          count != 4) {
        throw_type(env, std::string(fn) + ": rowStrides must be an array [q, k, v, out] (or undefined)");
        return false;
      }
      for (uint32_t i = 0; i < 4; ++i) {
        napi_value e;
        if (napi_get_element(env, sv, i, &e) != napi_ok || !get_dim(env, e, &strides[i]) || strides[i] < heads * d) {
          throw_range(env, std::string(fn) + ": rowStrides must be integers >= heads * headDim");
          return false;
        }
      }
      tokens = true;
    }
  }
  Footprint fp[10];
  // Expected lengths. Head-major: q-shaped [B*h, N, d], k-shaped [B*h, M, d], lse [B*h, N], mask [B, M].
  // Token-major: at least (B*rows - 1) * stride + h*d (the last row needs only its heads' columns).
  for (int i = 0; i < arrays; ++i) {
    const std::string name = names[i];
    fp[i] = {ptr[i], len[i], 1, 1};
    bool ok;
    std::string want;
    const bool key_shaped = name == "k" || name == "v" || name == "dk" || name == "dv";
    if (i == 3) {
      if (!ptr[i]) continue;
      ok = is_product(len[i], dims[0], dims[3], 1);
      want = "batch*keys";
    } else if (name == "lse") {
      ok = is_product(len[i], bh, dims[2], 1);
      want = "batch*heads*queries";
    } else if (tokens) {
      const int64_t stride = strides[layout_slot(name)], rows = key_shaped ? m : n;
      const int64_t need = (batch * rows - 1) * stride + heads * d;  // < 2^31 * 2^31 * 2: fits
      ok = uint64_t(need) <= uint64_t(len[i]);
      want = std::string("at least (batch*") + (key_shaped ? "keys" : "queries") + " - 1) * rowStride + heads*headDim";
      fp[i] = {ptr[i], size_t(need), stride, heads * d};
    } else if (key_shaped) {
      ok = is_product(len[i], bh, dims[3], dims[4]);
      want = "batch*heads*keys*headDim";
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
      if (i != o && ptr[i] && footprints_overlap(fp[o], fp[i])) {
        throw_range(env, std::string(fn) + ": " + names[o] + " must not share memory with " + names[i]);
        return false;
      }
  p->batch = batch;
  p->heads = heads;
  p->n = n;
  p->m = m;
  p->d = d;
  p->scale = float(scale);
  if (tokens) {
    p->lq = {n * strides[0], d, strides[0]};
    p->lk = {m * strides[1], d, strides[1]};
    p->lv = {m * strides[2], d, strides[2]};
    p->lo = {n * strides[3], d, strides[3]};
  } else {
    p->lq = p->lo = head_major(heads, n, d);
    p->lk = p->lv = head_major(heads, m, d);
  }
  return true;
}

// attentionForward(q, k, v, mask | null, out, lse, batch, heads, queries, keys, headDim, scale[, rowStrides])
napi_value AttentionForward(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 12 && argc != 13)
    return throw_type(env, "attentionForward expects 12 or 13 arguments (q, k, v, mask, out, lse, batch, heads, queries, keys, headDim, scale[, rowStrides])");
  static const char* const names[6] = {"q", "k", "v", "mask", "out", "lse"};
  float* ptr[6];
  size_t len[6];
  AttentionProblem p{};
  if (!get_attention_args(env, "attentionForward", argc, argv, names, 6, 4, ptr, len, &p)) return nullptr;
  p.q = ptr[0];
  p.k = ptr[1];
  p.v = ptr[2];
  p.mask = ptr[3];
  p.out = ptr[4];
  p.lse = ptr[5];
  attention_forward(p);
  return nullptr;
}

// attentionBackward(q, k, v, mask | null, out, lse, dOut, dq, dk, dv, batch, heads, queries, keys, headDim, scale[, rowStrides])
napi_value AttentionBackward(napi_env env, napi_callback_info info) {
  size_t argc = 17;
  napi_value argv[17];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 16 && argc != 17)
    return throw_type(env, "attentionBackward expects 16 or 17 arguments (q, k, v, mask, out, lse, dOut, dq, dk, dv, batch, heads, queries, keys, headDim, scale[, rowStrides])");
  static const char* const names[10] = {"q", "k", "v", "mask", "out", "lse", "dOut", "dq", "dk", "dv"};
  float* ptr[10];
  size_t len[10];
  AttentionProblem p{};
  if (!get_attention_args(env, "attentionBackward", argc, argv, names, 10, 7, ptr, len, &p)) return nullptr;
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
