/**
 * Given frames: Sora's "prompting with images and videos", built as Open-Sora 1.1+ builds it
 * from one mechanism — any subset of a clip's frames is given clean and the rest generated.
 *
 * Here the given frames enter the patch embedding as channels beside the noisy video:
 *
 *   [ x_t (C) | given frames, zero where not given (C) | mask, 1 where given (1) ]  → patchify → x_embed
 *
 * so a 4×4×4 tubelet that spans given and generated frames sees exactly which of its frames
 * are given: the granularity is one frame, whatever the tubelet. Why channels rather than
 * Open-Sora's per-frame timesteps (given frames at t = 0): adaLN conditions a whole token, and
 * our tokens span four frames, so per-frame timesteps would need a per-token modulation the
 * model does not have; the channels cost one wider linear layer and nothing per block, and a
 * text-only checkpoint warm-starts exactly (its x_embed gains zero columns: `widenPatchEmbedding`).
 * The loss is taken over the generated frames only (the given ones are known), and at
 * sampling the given frames are written back exactly. A latent model trained with frame hints
 * also takes a latent frame that is only partly given: its mask value is the share given and
 * it is generated (latent-space.ts `hintFrameSources`).
 *
 *   const cond = { ...text, ...givenFramesCondition(x0, mask, T) };   // x0 [B, C, T, H, W], mask [B·T]
 *   model.forward(xt, t, cond);
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../base/errors.js';
import type { LoadedTensor } from './checkpoint.js';
import type { DiTConfig } from './config.js';

/** The given-frame part of a condition (dit.ts Condition), the batch on axis 0. */
export interface GivenFramesCondition {
  /** [B, C, T, H, W] the given frames in model space, zero where not given. */
  frames: tf.Tensor5D;
  /** [B, T] 1 where the frame is given; between 0 and 1 on a frame hint (the share of a latent frame given). */
  frameMask: tf.Tensor2D;
}

/** Channels the patch embedding reads: the video's, plus the given frames' and the mask's when the model takes frames. */
export function inputChannels(config: DiTConfig): number {
  return config.frameConditioning ? 2 * config.channels + 1 : config.channels;
}

/**
 * x_t [B, C, T, H, W] → the patch embedding's input [B, 2C + 1, T, H, W]; a condition without
 * frames is the text-to-video case (nothing given: zeros).
 */
export function withGivenFrames(x: tf.Tensor5D, given: Partial<GivenFramesCondition>): tf.Tensor5D {
  const [B, C, T, H, W] = x.shape;
  return tf.tidy(() => {
    if (!given.frames || !given.frameMask) return tf.concat([x, tf.zeros([B, C + 1, T, H, W])], 1) as tf.Tensor5D;
    const mask = tf.broadcastTo(tf.reshape(given.frameMask, [B, 1, T, 1, 1]), [B, 1, T, H, W]); // [B, 1, T, H, W]
    return tf.concat([x, given.frames, mask], 1) as tf.Tensor5D; // [B, 2C + 1, T, H, W]
  });
}

/**
 * Clean clips x0 [B, C, T, H, W] and a mask of B·T values (1 = given, 0 = not, between: a
 * frame hint's share) → the condition's tensors: x0 where anything is given, zero elsewhere.
 */
export function givenFramesCondition(x0: tf.Tensor5D, mask: ArrayLike<number>, T: number): GivenFramesCondition {
  const B = x0.shape[0];
  if (mask.length !== B * T) throw new Error(`frame mask has ${mask.length} flags for ${B} clips of ${T} frames`);
  return tf.tidy(() => {
    const frameMask = tf.tensor2d(Float32Array.from(mask), [B, T]);
    const shown = tf.tensor5d(Float32Array.from(mask, (m) => (m > 0 ? 1 : 0)), [B, 1, T, 1, 1]);
    const frames = tf.mul(x0, shown) as tf.Tensor5D;
    return { frames, frameMask };
  });
}

/** A mask value that marks a frame hint: a latent frame partly given (its share, between 0 and 1). */
export function isHint(mask: number): boolean {
  return mask > 0 && mask < 1;
}

/** x0 [B, C, T, H, W] with its frames whose mask value (B·T) is a hint taken from `hints` (same shape). */
export function withHints(x0: tf.Tensor5D, hints: tf.Tensor5D, mask: ArrayLike<number>): tf.Tensor5D {
  const [B, , T] = x0.shape;
  return tf.tidy(() => {
    const hinted = tf.tensor5d(Float32Array.from(mask, (m) => (isHint(m) ? 1 : 0)), [B, 1, T, 1, 1]);
    return tf.add(x0, tf.mul(hinted, tf.sub(hints, x0))) as tf.Tensor5D; // exactly x0 where not hinted
  });
}

/**
 * The per-element loss weight [B, 1, T, 1, 1] of a frame mask: 0 on given frames (known, so not
 * learned from), 1 on generated ones, hints included (a hinted latent frame is generated).
 */
export function generatedFrameWeight(mask: ArrayLike<number>, B: number, T: number): tf.Tensor5D {
  return tf.tensor5d(Float32Array.from({ length: B * T }, (_, i) => (mask[i] === 1 ? 0 : 1)), [B, 1, T, 1, 1]);
}

/**
 * A text-to-video model's weights made into a frame-conditioned one's: x_embed's weight
 * [D, C·pt·ph·pw] gains zero columns for the given frames and the mask ([D, (2C+1)·pt·ph·pw]),
 * so the widened model computes exactly what the original did until training moves them.
 * Features are channel-major per token (patchify), so the original columns come first.
 */
export function widenPatchEmbedding(weights: Record<string, LoadedTensor>, config: DiTConfig, what: string): Record<string, LoadedTensor> {
  const key = 'x_embed.weight';
  const w = weights[key];
  if (!w) throw new UserError(`${what} has no ${key}`);
  const [pt, ph, pw] = config.patch;
  const [from, to] = [config.channels * pt * ph * pw, inputChannels(config) * pt * ph * pw];
  const [D, inp] = w.shape;
  if (inp === to) return weights;
  if (inp !== from || !config.frameConditioning) throw new UserError(`${what}: ${key} is [${w.shape.join(', ')}], the model wants [${D}, ${to}]`);
  const data = new Float32Array(D * to);
  for (let r = 0; r < D; r++) data.set(w.data.subarray(r * from, (r + 1) * from), r * to);
  return { ...weights, [key]: { ...w, shape: [D, to], data } };
}
