/**
 * Which frames of a training clip are given (multi-task training of a model with
 * frameConditioning): a strategy drawn per clip, so one model learns every mode —
 * text to video, image to video, prediction from the first frames (PhyWorld's protocol),
 * extension backward, interpolation and loops, and in-between frames. Open-Sora 1.1's
 * `mask_ratios` is the same idea; these weights favour text-to-video and the first frames,
 * what the harness measures.
 *
 *   const mask = drawFrameMask(16, rng);   // Float32Array [16], 1 = given
 *   const given = givenFrames(video, rng);  // a mask per clip → the condition and the loss weight
 *   const hinted = givenFramesWithHints(pixels, latents, encode, 4, rng);  // a latent model with frame hints
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../base/rng.js';
import { generatedFrameWeight, givenFramesCondition, isHint, withHints, type GivenFramesCondition } from '../model/frame-conditioning.js';
import { hintFrameSources, modelFrameMask } from '../model/latent-space.js';

/** Each strategy with its share of training clips. */
export const MASK_STRATEGIES = [
  ['none', 0.4], // text to video
  ['first', 0.2], // image to video
  ['first-k', 0.15], // predict from the first K frames; extend forward
  ['last-k', 0.07], // extend backward
  ['first-last', 0.08], // interpolate, loop
  ['every-other', 0.03],
  ['random', 0.07], // each frame given with probability ¼
] as const;

export type MaskStrategy = (typeof MASK_STRATEGIES)[number][0];

/** A uniform integer in [lo, hi]. */
const between = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));

/** The given frames of a clip of T frames under `strategy`: never all of them. */
export function frameMask(strategy: MaskStrategy, T: number, rng: Rng): Float32Array {
  const mask = new Float32Array(T);
  const k = () => between(rng, 1, Math.max(1, T - 2));
  switch (strategy) {
    case 'none':
      break;
    case 'first':
      mask[0] = 1;
      break;
    case 'first-k':
      mask.fill(1, 0, k());
      break;
    case 'last-k':
      mask.fill(1, T - k());
      break;
    case 'first-last': {
      const edge = Math.max(1, Math.floor(T / 4));
      mask.fill(1, 0, between(rng, 1, edge));
      mask.fill(1, T - between(rng, 1, edge));
      break;
    }
    case 'every-other':
      for (let t = 0; t < T; t += 2) mask[t] = 1;
      break;
    case 'random':
      for (let t = 0; t < T; t++) mask[t] = rng.next() < 0.25 ? 1 : 0;
      if (mask.every((m) => m === 1)) mask[T - 1] = 0;
      break;
  }
  return mask;
}

/** A strategy drawn by its share, then its mask. */
export function drawFrameMask(T: number, rng: Rng): Float32Array {
  let u = rng.next();
  for (const [strategy, share] of MASK_STRATEGIES) {
    if (u < share) return frameMask(strategy, T, rng);
    u -= share;
  }
  return frameMask('none', T, rng);
}

/** The batch's given frames (a strategy per clip) and the loss weight that leaves them out. */
export interface GivenBatch {
  condition: GivenFramesCondition;
  /** [B, 1, T, 1, 1]: 1 on generated frames. */
  weight: tf.Tensor5D;
}

export function givenFrames(video: tf.Tensor5D, rng: Rng): GivenBatch {
  const [B, , T] = video.shape;
  const mask = new Float32Array(B * T);
  for (let b = 0; b < B; b++) mask.set(drawFrameMask(T, rng), b * T);
  return { condition: givenFramesCondition(video, mask, T), weight: generatedFrameWeight(mask, B, T) };
}

/**
 * The same for a latent model trained with frame hints (--frame-hints): the strategy is drawn
 * over the clip's pixel frames, so one image, or 3 frames, is given as often as the strategies
 * say. A latent frame wholly given is given; one partly given is a hint — the VAE's encoding of
 * that latent frame with its given frames held still (`hintFrameSources`), its mask value the
 * share given — and is generated, so the loss covers it.
 *
 *   pixels [B, 3, T, H, W] the batch as drawn; latents [B, c, T/k, h, w] its encoding;
 *   encode: pixels → latents (the run's VAE), called once for the clips that have a hint
 */
export function givenFramesWithHints(pixels: tf.Tensor5D, latents: tf.Tensor5D, encode: (pixels: tf.Tensor5D) => tf.Tensor5D, k: number, rng: Rng): GivenBatch {
  const [B, , T] = pixels.shape;
  return hintedFrames(pixels, latents, Array.from({ length: B }, () => drawFrameMask(T, rng)), encode, k);
}

/** `givenFramesWithHints` for given masks (one per clip, over its pixel frames). */
export function hintedFrames(pixels: tf.Tensor5D, latents: tf.Tensor5D, masks: ArrayLike<number>[], encode: (pixels: tf.Tensor5D) => tf.Tensor5D, k: number): GivenBatch {
  const [B, C, T, H, W] = pixels.shape;
  const Tm = T / k;
  const share = new Float32Array(B * Tm);
  const hinted: number[] = []; // the clips with a partly given latent frame
  masks.forEach((mask, b) => {
    const s = modelFrameMask(mask, k).share;
    share.set(s, b * Tm);
    if (s.some(isHint)) hinted.push(b);
  });
  if (!hinted.length) return { condition: givenFramesCondition(latents, share, Tm), weight: generatedFrameWeight(share, B, Tm) };
  const x0 = tf.tidy(() => {
    const frames = tf.reshape(tf.transpose(pixels, [0, 2, 1, 3, 4]), [B * T, C, H, W]); // [B·T, C, H, W]
    const sources = Int32Array.from(hinted.flatMap((b) => Array.from(hintFrameSources(masks[b], k), (t) => b * T + t)));
    const held = tf.transpose(tf.reshape(tf.gather(frames, sources), [hinted.length, T, C, H, W]), [0, 2, 1, 3, 4]) as tf.Tensor5D; // [B', C, T, H, W]
    const hints = encode(held); // [B', c, Tm, h, w]
    const rows = Int32Array.from({ length: B }, (_, b) => (hinted.includes(b) ? B + hinted.indexOf(b) : b));
    return withHints(latents, tf.gather(tf.concat([latents, hints]), rows) as tf.Tensor5D, share); // [B, c, Tm, h, w]
  });
  const condition = givenFramesCondition(x0, share, Tm);
  x0.dispose();
  return { condition, weight: generatedFrameWeight(share, B, Tm) };
}
