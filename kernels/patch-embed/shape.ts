/**
 * The tubelet grid of a video, checked once and shared by every implementation
 * (reference.ts, tfjs.ts, and later native.ts).
 *
 *   video  [B, C, T, H, W]
 *   patch  [pt, ph, pw]                      one tubelet: pt frames × ph rows × pw columns
 *   tokens [B, N, F]   N = (T/pt)·(H/ph)·(W/pw),  F = C·pt·ph·pw
 *
 * Token order is (t, h, w) raster: token n = (ti·(H/ph) + hi)·(W/pw) + wi.
 * Feature order within a token is (c, dt, dh, dw): f = ((c·pt + dt)·ph + dh)·pw + dw,
 * i.e. each channel's tubelet is contiguous, as in a Conv3d with kernel = stride = patch
 * whose weight [D, C, pt, ph, pw] is flattened to [D, F].
 */
export type Tubelet = readonly [pt: number, ph: number, pw: number];

export interface PatchGrid {
  batch: number;
  channels: number;
  frames: number;
  height: number;
  width: number;
  patch: Tubelet;
  /** T/pt, H/ph, W/pw */
  gridT: number;
  gridH: number;
  gridW: number;
  /** N = gridT·gridH·gridW */
  tokens: number;
  /** F = C·pt·ph·pw */
  features: number;
}

const show = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
const isCount = (n: number): boolean => Number.isInteger(n) && n > 0;

/** The grid of video [B, C, T, H, W] cut into `patch` tubelets; throws naming an indivisible dimension. */
export function patchGrid(videoShape: readonly number[], patch: Tubelet, op = 'patchify'): PatchGrid {
  if (videoShape.length !== 5 || !videoShape.every(isCount)) {
    throw new Error(`${op}: video must be [B, C, T, H, W] with positive sizes, got ${show(videoShape)}`);
  }
  if (patch.length !== 3 || !patch.every(isCount)) throw new Error(`${op}: patch must be [pt, ph, pw] positive integers, got ${show(patch)}`);
  const [batch, channels, frames, height, width] = videoShape;
  const [pt, ph, pw] = patch;
  const dims: [string, number, string, number][] = [
    ['frames T', frames, 'pt', pt],
    ['height H', height, 'ph', ph],
    ['width W', width, 'pw', pw],
  ];
  for (const [name, size, patchName, patchSize] of dims) {
    if (size % patchSize !== 0) throw new Error(`${op}: ${name} = ${size} is not divisible by the patch's ${patchName} = ${patchSize}`);
  }
  const [gridT, gridH, gridW] = [frames / pt, height / ph, width / pw];
  return {
    batch, channels, frames, height, width, patch: [pt, ph, pw],
    gridT, gridH, gridW, tokens: gridT * gridH * gridW, features: channels * pt * ph * pw,
  };
}

/** The grid for unpatchify: tokens [B, N, F] back to a video [B, ...videoShape]; throws if N or F disagree. */
export function unpatchGrid(tokensShape: readonly number[], videoShape: readonly number[], patch: Tubelet): PatchGrid {
  if (tokensShape.length !== 3) throw new Error(`unpatchify: tokens must be [B, N, F], got ${show(tokensShape)}`);
  if (videoShape.length !== 4) throw new Error(`unpatchify: videoShape must be [C, T, H, W], got ${show(videoShape)}`);
  const grid = patchGrid([tokensShape[0], ...videoShape], patch, 'unpatchify');
  if (tokensShape[1] !== grid.tokens || tokensShape[2] !== grid.features) {
    throw new Error(
      `unpatchify: tokens ${show(tokensShape)} do not fit video [C, T, H, W] = ${show(videoShape)} with patch ${show(patch)}: ` +
        `expected [B, ${grid.tokens}, ${grid.features}]`,
    );
  }
  return grid;
}
