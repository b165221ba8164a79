/**
 * One training step: the next batch, noised at random times; the objective's loss (with
 * caption dropout for classifier-free guidance, and the hard-negative add-on when the run has
 * --negatives); gradients clipped by their global norm; AdamW at the warm-up + cosine rate;
 * the EMA. Returns the step's line of metrics.jsonl.
 *
 * With a model that takes given frames, each clip also gets a strategy of given frames
 * (frame-masks.ts), and the loss leaves the given frames out; a latent model with frame hints
 * draws it over the pixel frames, partly given latent frames becoming hints.
 *
 * All randomness of step k (caption dropout, timesteps, noise, given frames) comes from an RNG seeded by
 * (seed, k), so a resumed run needs no RNG state beyond the step number.
 */
import * as tf from '@tensorflow/tfjs';
import { leanVariableGrads } from '../../base/compute/lean-grads.js';
import { Rng } from '../../base/rng.js';
import { UserError } from '../../base/errors.js';
import { gaussian } from '../diffusion/noise.js';
import { clipSizeLabel } from '../model/clip-sizes.js';
import { framesPerModelFrame } from '../model/latent-space.js';
import { givenFrames, givenFramesWithHints } from './frame-masks.js';
import { lossWithNegatives, pickHardNegatives } from './hard-negatives.js';
import type { Run } from './run-setup.js';
import { applyUpdate } from './run-state.js';
import { warmupCosine } from './schedule.js';
import type { StepMetrics } from './step-metrics.js';

export function trainStep(run: Run, step: number): StepMetrics {
  const { config, objective, net, opt, ema } = run;
  const t0 = performance.now();
  const rng = Rng.from(`spacetime-train/${config.seed}/${step}`);
  const batch = run.batches.next();
  const { captions } = batch;
  const [, , frames, height, width] = batch.video.shape; // pixels, before a latent run's encoder
  const clip = config.buckets ? { clip: clipSizeLabel({ frames, height, width }) } : {};
  const video = run.codec.encodePixels(batch.video); // [B, C, T, H, W]: pixels, or a latent run's latents
  const B = captions.length;
  const drop = captions.map(() => rng.next() < config.captionDropout);
  const times = objective.sampleTimesteps(B, rng);
  const eps = gaussian(video.shape, rng);
  const lr = warmupCosine(step, { peak: config.lr, warmup: config.warmup, total: config.steps });
  const negatives = config.negatives ? pickHardNegatives(captions, drop, config.negatives) : null;
  const given = !config.model.frameConditioning
    ? null
    : config.model.frameHints
      ? givenFramesWithHints(batch.video, video, (pixels) => run.codec.encodePixels(pixels), framesPerModelFrame(config), rng)
      : givenFrames(video, rng);
  batch.video.dispose();
  let gap: tf.Scalar | undefined;
  const { value, grads } = leanVariableGrads(() => {
    const xt = objective.noisy(video, eps, times) as tf.Tensor5D; // [B, C, T, H, W]
    if (negatives) {
      const withNegatives = lossWithNegatives(net, objective, { video, eps, xt, times, captions, drop, given }, negatives);
      gap = tf.keep(withNegatives.gap);
      return withNegatives.loss;
    }
    const text = net.encoder.encode(captions, { unconditional: drop });
    const out = net.dit.forward(xt, objective.modelTime(times), { ...text, ...given?.condition }); // [B, C, T, H, W]
    return objective.loss(out, video, eps, xt, times, given?.weight);
  }, Object.values(net.params));
  const gradNorm = applyUpdate({ params: net.params, opt, ema }, grads, lr, config.clipNorm, step);
  const loss = value.dataSync()[0];
  const negativeGap = gap?.dataSync()[0];
  tf.dispose([value, video, eps, ...Object.values(grads), ...(gap ? [gap] : [])]);
  if (given) tf.dispose([given.condition.frames, given.condition.frameMask, given.weight]);
  if (!Number.isFinite(loss)) throw new UserError(`loss became ${loss} at step ${step}; lower --lr`);
  const seconds = (performance.now() - t0) / 1000;
  return { step, loss, lr, grad_norm: gradNorm, ...(negativeGap !== undefined ? { negative_gap: negativeGap } : {}), ...clip, samples_per_s: B / seconds, seconds };
}
