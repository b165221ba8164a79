// Spacetime tubelet patchify / unpatchify (kernels/patch-embed): pure
// permutations between video [B, C, T, H, W] and tokens [B, N, C*pt*ph*pw],
// tokens in (t, h, w) raster order, features in (c, dt, dh, dw) order.
// Copies runs of pw contiguous floats, one pool task per (clip, tubelet row
// of frames); every output element is written once, so any partition gives
// the same bits.
#pragma once
#include <stdint.h>

namespace spacetime {

struct PatchEmbedArgs {
  float* video;   // [B, C, T, H, W]
  float* tokens;  // [B, (T/pt)(H/ph)(W/pw), C*pt*ph*pw]
  int64_t batch, channels, frames, height, width;
  int64_t pt, ph, pw;  // each divides its dimension (the caller checks)
  bool to_tokens;      // true: video -> tokens (patchify); false: tokens -> video
};
void patch_embed(const PatchEmbedArgs& args);

}  // namespace spacetime
