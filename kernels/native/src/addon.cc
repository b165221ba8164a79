// N-API entry points of spacetime_native.node (plain C N-API, no
// node-addon-api). Each kernel gets its own .cc file with a C++ function;
// this file only converts and validates JS arguments and registers exports.
// The TypeScript wrapper (kernels/native/index.ts) validates too, with nicer
// messages; the checks here keep the addon memory-safe when called directly.
#include <math.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#include <string>

#include "adamw.h"
#include "attention.h"
#include "cpu_features.h"
#include "elementwise.h"
#include "gemm.h"
#include "patch_embed.h"
#include "thread_pool.h"

namespace spacetime {
namespace {

constexpr int64_t kMaxDim = 0x7fffffff;

// Throws a JS error and returns false when status is not ok.
#define CHECK_NAPI(env, call)                                   \
  do {                                                          \
    if ((call) != napi_ok) {                                    \
      napi_throw_error((env), nullptr, "N-API call failed: " #call); \
      return nullptr;                                           \
    }                                                           \
  } while (0)

napi_value throw_range(napi_env env, const std::string& msg) {
  napi_throw_range_error(env, nullptr, msg.c_str());
  return nullptr;
}
napi_value throw_type(napi_env env, const std::string& msg) {
  napi_throw_type_error(env, nullptr, msg.c_str());
  return nullptr;
}

bool get_f32(napi_env env, napi_value v, float** data, size_t* length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return false;
  napi_typedarray_type type;
  void* ptr = nullptr;
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, nullptr, nullptr) != napi_ok) return false;
  if (type != napi_float32_array) return false;
  *data = static_cast<float*>(ptr);
  return true;
}

bool get_i32(napi_env env, napi_value v, int32_t** data, size_t* length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return false;
  napi_typedarray_type type;
  void* ptr = nullptr;
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, nullptr, nullptr) != napi_ok) return false;
  if (type != napi_int32_array) return false;
  *data = static_cast<int32_t*>(ptr);
  return true;
}

bool get_dim(napi_env env, napi_value v, int64_t* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return false;
  if (!(d >= 0 && d <= double(kMaxDim)) || d != double(int64_t(d))) return false;
  *out = int64_t(d);
  return true;
}

// length == x*y*z without overflow (each factor < 2^31, so x*y fits in int64).
bool is_product(size_t length, int64_t x, int64_t y, int64_t z) {
  const int64_t xy = x * y;
  if (xy == 0 || z == 0) return length == 0;
  if (xy > INT64_MAX / z) return false;
  return uint64_t(xy * z) == uint64_t(length);
}

bool ranges_overlap(const float* a, size_t na, const float* b, size_t nb) {
  const uintptr_t a0 = uintptr_t(a), a1 = a0 + na * sizeof(float);
  const uintptr_t b0 = uintptr_t(b), b1 = b0 + nb * sizeof(float);
  return na > 0 && nb > 0 && a0 < b1 && b0 < a1;
}

napi_value make_string(napi_env env, const char* s) {
  napi_value out;
  CHECK_NAPI(env, napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &out));
  return out;
}

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

// patchEmbed(video, tokens, batch, channels, frames, height, width, pt, ph, pw, toTokens):
// toTokens = true writes tokens from video (patchify), false writes video from tokens.
napi_value PatchEmbed(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 11)
    return throw_type(env, "patchEmbed expects 11 arguments (video, tokens, batch, channels, frames, height, width, pt, ph, pw, toTokens)");
  float *video, *tokens;
  size_t nvideo, ntokens;
  if (!get_f32(env, argv[0], &video, &nvideo)) return throw_type(env, "patchEmbed: video must be a Float32Array");
  if (!get_f32(env, argv[1], &tokens, &ntokens)) return throw_type(env, "patchEmbed: tokens must be a Float32Array");
  const char* names[8] = {"batch", "channels", "frames", "height", "width", "pt", "ph", "pw"};
  int64_t d[8];
  for (int i = 0; i < 8; ++i)
    if (!get_dim(env, argv[2 + i], &d[i]) || (i >= 5 && d[i] < 1))
      return throw_range(env, std::string("patchEmbed: ") + names[i] + (i >= 5 ? " must be an integer in [1, 2^31)" : " must be an integer in [0, 2^31)"));
  bool to_tokens;
  CHECK_NAPI(env, napi_get_value_bool(env, argv[10], &to_tokens));
  for (int i = 0; i < 3; ++i)
    if (d[2 + i] % d[5 + i] != 0)
      return throw_range(env, std::string("patchEmbed: ") + names[2 + i] + " must be divisible by " + names[5 + i]);
  // Both arrays hold batch*channels*frames*height*width floats (the same values, permuted).
  const int64_t bc = d[0] * d[1], hw = d[3] * d[4];
  if (bc > kMaxDim || hw > kMaxDim || !is_product(nvideo, bc, d[2], hw))
    return throw_range(env, "patchEmbed: video.length must be batch*channels*frames*height*width");
  if (ntokens != nvideo) return throw_range(env, "patchEmbed: tokens.length must equal video.length");
  if (ranges_overlap(video, nvideo, tokens, ntokens)) return throw_range(env, "patchEmbed: video and tokens must not share memory");
  PatchEmbedArgs a{video, tokens, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], to_tokens};
  patch_embed(a);
  return nullptr;
}

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
}  // namespace spacetime

NAPI_MODULE_INIT() {
  using namespace spacetime;
  const napi_property_descriptor props[] = {
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sum", nullptr, Sum, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"attentionForward", nullptr, AttentionForward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"attentionBackward", nullptr, AttentionBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"patchEmbed", nullptr, PatchEmbed, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"adamw", nullptr, AdamW, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"fmaPeakGflops", nullptr, FmaPeak, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"isa", nullptr, IsaGet, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setIsa", nullptr, IsaSet, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"availableIsas", nullptr, AvailableIsas, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"isaNote", nullptr, IsaNote, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"threads", nullptr, ThreadsGet, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setThreads", nullptr, ThreadsSet, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return nullptr;
  return exports;
}
