/**
 * Does the model use a word? The caption probe measures the denoising error of the clean
 * video, ‖x̂0 − x0‖², on real clips at fixed noise levels with three captions: the clip's
 * own, the same caption with chosen words swapped (left ↔ right, red ↔ blue, …), and the
 * null caption. Same clips, same noise, same times for all three, so the differences are
 * the captions' alone.
 *
 *   const probe = runCaptionProbe(loadPipeline('models/default'), new WorldDataset('runs/data-id'),
 *     { swaps: [['left', 'right'], ['leftward', 'rightward']], n: 32 });
 *   probe.times[0].swapEffect   // 0: the swap changes nothing; 1: as bad as no caption
 *
 * swapEffect = (swapped − true) / (null − true): the share of the caption's benefit lost by
 * the swap. A model that reads the swapped words loses a clear share of it at high noise,
 * where the caption is all it has to place and move objects; ≈ 0 at every noise level means
 * the words are ignored (the shipped model and direction words: README, Model quality).
 */
import * as tf from '@tensorflow/tfjs';
import type { WorldDataset } from '../../datasets/shards.js';
import { Rng } from '../../base/rng.js';
import { createObjective } from '../../src/diffusion/objective.js';
import { gaussian } from '../../src/diffusion/noise.js';
import { UserError } from '../../base/errors.js';
import { pixelModel } from '../../src/model/latent-space.js';
import { swapWords } from '../../src/text/swaps.js';
import type { Pipeline } from '../../src/infer/pipeline.js';

export const PROBE_DEFAULTS = { n: 32, times: [0.2, 0.5, 0.8, 0.95, 1], seed: 0, batch: 8 };

export interface ProbeOptions {
  /** Word pairs swapped both ways, e.g. [['left', 'right']]. */
  swaps: [string, string][];
  /** Clips whose caption holds a swapped word: the first n in dataset order. */
  n?: number;
  times?: number[];
  seed?: number;
}

export interface ProbeTime {
  t: number;
  /** Mean ‖x̂0 − x0‖² per element with the clip's caption, the swapped one, the null caption. */
  true: number;
  swapped: number;
  null: number;
  /** (swapped − true) / (null − true). */
  swapEffect: number;
}

export interface ProbeResult {
  format: 'spacetime-caption-probe';
  version: 1;
  model: string;
  swaps: [string, string][];
  clips: { index: number; caption: string; swapped: string }[];
  seed: number;
  times: ProbeTime[];
}

export function runCaptionProbe(pipe: Pipeline, dataset: WorldDataset, options: ProbeOptions): ProbeResult {
  const { n = PROBE_DEFAULTS.n, times = PROBE_DEFAULTS.times, seed = PROBE_DEFAULTS.seed } = options;
  if (!options.swaps.length) throw new UserError('the probe needs at least one word pair to swap');
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--n must be a positive integer, got ${n}`);
  if (times.some((t) => !(t > 0 && t <= 1))) throw new UserError(`--times must lie in (0, 1], got ${times.join(',')}`);
  const [T, H, W] = dataset.shape;
  const m = pixelModel(pipe.config);
  if (T !== m.frames || H !== m.height || W !== m.width) throw new UserError(`dataset clips are ${T}×${H}×${W} but the model makes ${m.frames}×${m.height}×${m.width}`);

  const clips: ProbeResult['clips'] = [];
  for (let i = 0; i < dataset.length && clips.length < n; i++) {
    const caption = dataset.meta(i).caption;
    const swapped = swapWords(caption, options.swaps);
    if (swapped !== caption) clips.push({ index: i, caption, swapped });
  }
  if (clips.length === 0) throw new UserError(`no caption in ${dataset.dir} holds any of: ${options.swaps.flat().join(', ')}`);

  const objective = createObjective(pipe.config.objective);
  // Errors are measured where the model works: pixels, or a latent model's latents.
  const size = pipe.codec.modelShape([T, H, W]).reduce((a, b) => a * b, 1);
  const rows: ProbeTime[] = [];
  for (const t of times) {
    const sums = { true: 0, swapped: 0, null: 0 };
    for (let start = 0; start < clips.length; start += PROBE_DEFAULTS.batch) {
      const batch = clips.slice(start, start + PROBE_DEFAULTS.batch);
      const B = batch.length;
      const frames = batch.map((c) => dataset.frames(c.index).slice());
      tf.tidy(() => {
        const x0 = pipe.codec.encode(frames, [T, H, W]); // [B, C, T', H', W']
        // The same noise for a clip at every t and with every caption.
        const eps = gaussian(x0.shape, Rng.from(`spacetime-probe/${seed}/${start}`));
        const tt = new Float32Array(B).fill(t);
        const xt = objective.noisy(x0, eps, tt) as tf.Tensor5D;
        const error = (captions: string[], unconditional: boolean) => {
          const text = pipe.net.encoder.encode(captions, { unconditional: captions.map(() => unconditional) });
          const x0hat = objective.data(pipe.net.dit.forward(xt, objective.modelTime(tt), text), xt, tt);
          return tf.sum(tf.square(tf.sub(x0hat, x0))).dataSync()[0];
        };
        sums.true += error(batch.map((c) => c.caption), false);
        sums.swapped += error(batch.map((c) => c.swapped), false);
        sums.null += error(batch.map((c) => c.caption), true);
      });
    }
    const per = clips.length * size;
    const [a, b, c] = [sums.true / per, sums.swapped / per, sums.null / per];
    rows.push({ t, true: a, swapped: b, null: c, swapEffect: (b - a) / (c - a) });
  }
  return { format: 'spacetime-caption-probe', version: 1, model: pipe.checkpoint, swaps: options.swaps, clips, seed, times: rows };
}

/** The probe as printed lines. */
export function formatProbe(result: ProbeResult): string[] {
  const f = (x: number) => x.toFixed(5);
  return [
    `caption probe of ${result.model}: ${result.clips.length} clips, swapping ${result.swaps.map(([a, b]) => `${a} ↔ ${b}`).join(', ')}`,
    't       true      swapped   null      swap effect',
    ...result.times.map((r) => `${r.t.toFixed(2).padEnd(8)}${f(r.true).padEnd(10)}${f(r.swapped).padEnd(10)}${f(r.null).padEnd(10)}${r.swapEffect.toFixed(3)}`),
  ];
}
