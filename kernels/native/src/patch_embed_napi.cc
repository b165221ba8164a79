// N-API glue of tubelet patchify / unpatchify (patch_embed.h): patchEmbed(...).
#include <string>

#include "napi_args.h"
#include "patch_embed.h"

namespace spacetime {
namespace {

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

}  // namespace

bool export_patch_embed(napi_env env, napi_value exports) { return export_functions(env, exports, {{"patchEmbed", PatchEmbed}}); }

}  // namespace spacetime
