/**
 * Spacetime tubelet patchify / unpatchify from stock tfjs ops (reshapes and transposes),
 * runnable on every tfjs backend and differentiable by tfjs's autodiff: the backward
 * pass of each is the other. Where the active backend has the native kernel (native.ts,
 * the `native` backend) a float32 input goes through it instead, in one pass. reference.ts holds the plain loops they are checked
 * against; shape.ts documents the token and feature orders.
 *
 *   const tokens = patchify(video, [2, 4, 4]);                    // [2, 3, 8, 32, 32] → [2, 256, 96]
 *   const video2 = unpatchify(tokens, [3, 8, 32, 32], [2, 4, 4]); // → [2, 3, 8, 32, 32], equal to video
 *
 * Why three 4-D transposes and not one 8-D ([B, C, T', pt, H', ph, W', pw] →
 * [B, T', H', W', C, pt, ph, pw]): the wasm backend has fast Transpose paths only up to
 * 5-D and falls to a per-element loop beyond (13.5 ms against 0.4 ms for the reference
 * model's video at B = 8; its element-wise kernels even give garbage above 6-D), and
 * tfjs's WebGL backend stops at 6-D. Each step swaps the middle axes of a 4-D view whose
 * last axis is a contiguous run of ≥ pw values. On the cpu backend, whose Transpose is a
 * generic loop at every rank, this costs about 1.6× the single 8-D transpose (~40 ms).
 */
import * as tf from '@tensorflow/tfjs';
import { PATCHIFY_KERNEL, UNPATCHIFY_KERNEL } from './native.js';
import { type Tubelet, patchGrid, unpatchGrid } from './shape.js';

/** The backend's own kernel (native.ts) when it has one for this dtype. */
function hasFused(kernel: string, x: tf.Tensor): boolean {
  return x.dtype === 'float32' && tf.getKernel(kernel, tf.getBackend()) !== undefined;
}

/** x viewed as [a, b, c, d] → [a, c, b, d]. */
function swapMiddle(x: tf.Tensor, view: [number, number, number, number]): tf.Tensor4D {
  return tf.transpose(tf.reshape(x, view), [0, 2, 1, 3]);
}

/** video [B, C, T, H, W] → tokens [B, N, C·pt·ph·pw], tokens in (t, h, w) raster order, features (c, dt, dh, dw). */
export function patchify(video: tf.Tensor, patch: Tubelet): tf.Tensor3D {
  const { batch: B, channels: C, gridT: Tg, gridH: Hg, gridW: Wg, tokens: N, features: F, patch: [pt, ph, pw] } = patchGrid(video.shape, patch);
  if (hasFused(PATCHIFY_KERNEL, video)) return tf.engine().runKernel(PATCHIFY_KERNEL, { x: video }, { patch: [...patch] }) as tf.Tensor3D;
  return tf.tidy(() => {
    const rows = swapMiddle(video, [B * C * Tg * pt * Hg, ph, Wg, pw]); // [B·C·T'·pt·H', W', ph, pw]
    const tiles = swapMiddle(rows, [B * C * Tg, pt, Hg * Wg, ph * pw]); // [B·C·T', H'·W', pt, ph·pw]
    const tokens = swapMiddle(tiles, [B, C, N, pt * ph * pw]); // [B, N, C, pt·ph·pw]
    return tf.reshape(tokens, [B, N, F]); // [B, N, F]
  });
}

/** tokens [B, N, F] → video [B, C, T, H, W], the exact inverse of patchify. `videoShape` is [C, T, H, W]. */
export function unpatchify(tokens: tf.Tensor, videoShape: readonly number[], patch: Tubelet): tf.Tensor5D {
  const g = unpatchGrid(tokens.shape, videoShape, patch);
  const { batch: B, channels: C, gridT: Tg, gridH: Hg, gridW: Wg, tokens: N, patch: [pt, ph, pw] } = g;
  if (hasFused(UNPATCHIFY_KERNEL, tokens)) {
    return tf.engine().runKernel(UNPATCHIFY_KERNEL, { x: tokens }, { patch: [...patch], videoShape: [...videoShape] }) as tf.Tensor5D;
  }
  return tf.tidy(() => {
    const channels = swapMiddle(tokens, [B, N, C, pt * ph * pw]); // [B, C, N, pt·ph·pw]
    const frames = swapMiddle(channels, [B * C * Tg, Hg * Wg, pt, ph * pw]); // [B·C·T', pt, H'·W', ph·pw]
    const rows = swapMiddle(frames, [B * C * Tg * pt * Hg, Wg, ph, pw]); // [B·C·T'·pt·H', ph, W', pw]
    return tf.reshape(rows, [B, C, g.frames, g.height, g.width]); // [B, C, T, H, W]
  });
}
