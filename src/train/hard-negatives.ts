/**
 * Hard negatives, an add-on to the objective's loss (--negatives left=right,…): a caption
 * with those words swapped is a false description of its clip, so each clip whose caption a
 * swap changes is also denoised with the swapped caption, and a smooth hinge asks that to do
 * worse than the true caption. Both go through one forward pass, the S swapped clips
 * appended to the batch's B.
 *
 *   const negatives = pickHardNegatives(captions, drop, config.negatives); // null: none in this batch
 *   const { loss, gap } = lossWithNegatives(net, objective, { video, eps, xt, times, captions, drop }, negatives);
 */
import * as tf from '@tensorflow/tfjs';
import type { Objective } from '../diffusion/objective.js';
import type { VideoModel } from '../model/video-model.js';
import { swapWords } from '../text/swaps.js';
import type { GivenBatch } from './frame-masks.js';
import type { TrainConfig } from './train-config.js';

/** Scale of the hard-negative margin, in units of the per-sample loss (x-prediction's velocity MSE is ~0.05). */
export const NEGATIVE_TEMPERATURE = 0.005;

/** The clips of a batch that get a hard negative, with their swapped captions. */
export interface HardNegatives {
  /** Indices into the batch, [S]. */
  clips: number[];
  /** The swapped caption of each, [S]. */
  captions: string[];
  /** The hinge's weight in the loss (--negative-weight). */
  weight: number;
}

/** The samples (not dropped) whose caption a swap changes, with the swapped caption; null when there are none. */
export function pickHardNegatives(captions: string[], drop: boolean[], negatives: NonNullable<TrainConfig['negatives']>): HardNegatives | null {
  const swapped = captions.map((c) => swapWords(c, negatives.swaps));
  const clips = swapped.flatMap((c, b) => (!drop[b] && c !== captions[b] ? [b] : []));
  return clips.length === 0 ? null : { clips, captions: clips.map((b) => swapped[b]), weight: negatives.weight };
}

/**
 * The objective's loss of the batch plus weight·(S/B)·negativeLoss, from one pass over B + S
 * samples: every clip with its caption, then the S hard negatives with the swapped caption.
 * `gap` is the mean over the S clips of (swapped − true) per-sample loss, > 0 once the words
 * are read (the metrics' negative_gap).
 */
export function lossWithNegatives(
  net: VideoModel,
  objective: Objective,
  batch: { video: tf.Tensor; eps: tf.Tensor; xt: tf.Tensor5D; times: Float32Array; captions: string[]; drop: boolean[]; given?: GivenBatch | null },
  negatives: HardNegatives,
): { loss: tf.Scalar; gap: tf.Scalar } {
  const { video, eps, xt, times, captions, drop, given } = batch;
  const [B, S] = [captions.length, negatives.clips.length];
  const idx = tf.tensor1d(negatives.clips, 'int32');
  const [videoS, epsS, xtS] = [video, eps, xt].map((x) => tf.gather(x, idx)); // 3 × [S, C, T, H, W]
  const timesS = negatives.clips.map((b) => times[b]);
  const text = net.encoder.encode([...captions, ...negatives.captions], {
    unconditional: [...drop, ...negatives.clips.map(() => false)],
  });
  // A negative is given the same frames as its clip.
  const frames = given && {
    frames: tf.concat([given.condition.frames, tf.gather(given.condition.frames, idx)]) as tf.Tensor5D,
    frameMask: tf.concat([given.condition.frameMask, tf.gather(given.condition.frameMask, idx)]) as tf.Tensor2D,
  };
  const out = net.dit.forward(tf.concat([xt, xtS]) as tf.Tensor5D, objective.modelTime([...times, ...timesS]), { ...text, ...frames }); // [B + S, C, T, H, W]
  const [outTrue, outSwapped] = tf.split(out, [B, S], 0);
  const loss = objective.loss(outTrue, video, eps, xt, times, given?.weight);
  const eTrue = objective.sampleLoss(tf.gather(outTrue, idx), videoS, epsS, xtS, timesS); // [S]
  const eSwapped = objective.sampleLoss(outSwapped, videoS, epsS, xtS, timesS); // [S]
  const gap = tf.mean(tf.sub(eSwapped, eTrue)) as tf.Scalar;
  return { loss: tf.add(loss, tf.mul(negativeLoss(eTrue, eSwapped), negatives.weight * (S / B))) as tf.Scalar, gap };
}

/**
 * The hard-negative loss over S clips: mean of τ·softplus((e_true − e_swapped)/τ), a smooth
 * hinge that is ≈ 0 once the swapped caption denoises worse than the true one by a few τ and
 * grows linearly while it denoises better. Its gradient lowers the true caption's error and
 * raises the swapped one's, so the model must read the swapped words to lower it.
 */
export function negativeLoss(eTrue: tf.Tensor1D, eSwapped: tf.Tensor1D, temperature = NEGATIVE_TEMPERATURE): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.mean(tf.softplus(tf.div(tf.sub(eTrue, eSwapped), temperature))), temperature) as tf.Scalar);
}
