/**
 * Spacetime tubelet patchify / unpatchify as plain loops: the ground truth tfjs.ts (and
 * later native.ts) are checked against. Both are permutations of the values, so results
 * are exact; each is the other's inverse and its adjoint (backward pass).
 * Orders (token (t, h, w) raster, features (c, dt, dh, dw)) are documented in shape.ts.
 *
 *   const tokens = patchifyReference(video, [2, 3, 8, 32, 32], [2, 4, 4]); // 256 tokens × 96
 *   const back = unpatchifyReference(tokens, [2, 256, 96], [3, 8, 32, 32], [2, 4, 4]);
 */
import { type PatchGrid, type Tubelet, patchGrid, unpatchGrid } from './shape.js';

/** Calls visit(videoIndex, tokenIndex) for every value, in token order. */
function forEachValue(g: PatchGrid, visit: (videoIndex: number, tokenIndex: number) => void): void {
  const [pt, ph, pw] = g.patch;
  let tokenIndex = 0;
  for (let b = 0; b < g.batch; b++)
    for (let ti = 0; ti < g.gridT; ti++)
      for (let hi = 0; hi < g.gridH; hi++)
        for (let wi = 0; wi < g.gridW; wi++)
          for (let c = 0; c < g.channels; c++)
            for (let dt = 0; dt < pt; dt++)
              for (let dh = 0; dh < ph; dh++)
                for (let dw = 0; dw < pw; dw++) {
                  const [t, y, x] = [ti * pt + dt, hi * ph + dh, wi * pw + dw];
                  const videoIndex = (((b * g.channels + c) * g.frames + t) * g.height + y) * g.width + x;
                  visit(videoIndex, tokenIndex++);
                }
}

/** video [B, C, T, H, W] (flat, row-major) → tokens [B, N, C·pt·ph·pw]. */
export function patchifyReference(video: ArrayLike<number>, videoShape: readonly number[], patch: Tubelet): Float64Array {
  const g = patchGrid(videoShape, patch);
  const size = videoShape.reduce((a, n) => a * n, 1);
  if (video.length !== size) throw new Error(`patchify reference: video has ${video.length} values, shape ${videoShape} needs ${size}`);
  const tokens = new Float64Array(size);
  forEachValue(g, (v, t) => (tokens[t] = video[v]));
  return tokens;
}

/** tokens [B, N, F] → video [B, C, T, H, W], the exact inverse of patchifyReference. */
export function unpatchifyReference(
  tokens: ArrayLike<number>, tokensShape: readonly number[], videoShape: readonly number[], patch: Tubelet,
): Float64Array {
  const g = unpatchGrid(tokensShape, videoShape, patch);
  const size = tokensShape.reduce((a, n) => a * n, 1);
  if (tokens.length !== size) throw new Error(`unpatchify reference: tokens have ${tokens.length} values, shape ${tokensShape} needs ${size}`);
  const video = new Float64Array(size);
  forEachValue(g, (v, t) => (video[v] = tokens[t]));
  return video;
}
