/**
 * Training the video autoencoder (src/model/vae.ts) on a world dataset: reconstruction MSE
 * plus a small latent penalty, AdamW at the warm-up + cosine rate with global-norm clipping
 * and an EMA (run-state.ts, as the DiT's trainer), a line of metrics.jsonl per step, atomic
 * checkpoints, and `resume` continuing bit-identically on the same backend.
 *
 * The autoencoder is deterministic and batches come from a seeded permutation with a saved
 * cursor, so a resumed run needs nothing beyond the checkpoint.
 *
 *   const result = await trainVae({ preset: 'tiny', data: 'data/id', steps: 200, out: 'runs/vae' });
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../base/errors.js';
import { ensureWritableDir, writeFileAtomic } from '../../base/io/atomic.js';
import { WorldDataset } from '../../datasets/shards.js';
import { latestCheckpoint, loadCheckpoint, type LoadedCheckpoint } from '../model/checkpoint.js';
import { VideoAutoencoder } from '../model/vae.js';
import { resolveVaeConfig, type VaeConfig } from '../model/vae-config.js';
import { AdamW } from './adamw.js';
import { BatchStream, type BatchCursor } from './batches.js';
import { Ema } from './ema.js';
import { applyUpdate, claimRunFolder, openMetrics, restoreTrainingState, saveTrainingCheckpoint, type TrainingState } from './run-state.js';
import { warmupCosine } from './schedule.js';
import { checkSettings, checkCursor } from './train-config.js';
import { readVaeRunConfig, VAE_TRAIN_DEFAULTS, type VaeTrainConfig } from './vae-train-config.js';

export interface VaeTrainOptions extends Partial<Omit<VaeTrainConfig, 'vae' | 'preset' | 'data' | 'steps'>> {
  /** The VAE preset (--config): tiny, small. */
  preset: string;
  data: string;
  steps: number;
  out: string;
  /** Continue the run in `out` from its latest checkpoint (from step 0 when it has none yet). */
  resume?: boolean;
  /** A new run's changes to the preset (measuring alternatives: latent channels, patch). */
  overrides?: Partial<VaeConfig>;
  onStep?: (metrics: VaeStepMetrics) => void;
  /** One-line notes (resuming from step 0); default: stderr. */
  note?: (line: string) => void;
}

/** One line of a VAE run's metrics.jsonl. */
export interface VaeStepMetrics {
  step: number;
  /** mse + latentPenalty · latent_ms */
  loss: number;
  /** Reconstruction MSE on [−1, 1] pixels. */
  mse: number;
  /** The batch's PSNR in dB on 8-bit pixels: 10·log10(2² / mse). */
  psnr: number;
  /** Mean square of the (unscaled) latents. */
  latent_ms: number;
  lr: number;
  grad_norm: number;
  samples_per_s: number;
  seconds: number;
}

export interface VaeTrainResult {
  runDir: string;
  step: number;
  psnr: number;
  checkpoint: string;
}

interface VaeRun extends TrainingState {
  batches: BatchStream;
  runDir: string;
  config: VaeTrainConfig;
  vae: VideoAutoencoder;
  dataset: WorldDataset;
  step: number;
  checkpoint: string;
  metricsFd: number;
}

export async function trainVae(options: VaeTrainOptions): Promise<VaeTrainResult> {
  const run = setupVaeRun(options);
  const { runDir, config } = run;
  let { step, checkpoint } = run;
  let psnr = NaN;
  try {
    while (step < config.steps) {
      step += 1;
      const metrics = vaeStep(run, step);
      psnr = metrics.psnr;
      fs.writeSync(run.metricsFd, JSON.stringify(metrics) + '\n');
      options.onStep?.(metrics);
      if (step % config.checkpointEvery === 0 || step === config.steps) checkpoint = saveTrainingCheckpoint(runDir, step, config, run, config.keepCheckpoints);
    }
  } finally {
    fs.closeSync(run.metricsFd);
    run.opt.dispose();
    run.ema.dispose();
    run.vae.dispose();
    run.dataset.close();
  }
  return { runDir, step, psnr, checkpoint };
}

/** One step: reconstruct the next batch, the loss's gradients, one clipped AdamW update and the EMA. */
function vaeStep(run: VaeRun, step: number): VaeStepMetrics {
  const { config, vae } = run;
  const t0 = performance.now();
  const { video } = run.batches.next(); // [B, C, T, H, W]
  const lr = warmupCosine(step, { peak: config.lr, warmup: config.warmup, total: config.steps });
  const parts: tf.Scalar[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const z = vae.encode(video); // [B, c, t, h, w]
    const mse = tf.mean(tf.squaredDifference(vae.decode(z), video)) as tf.Scalar;
    const latentMs = tf.mean(tf.square(z)) as tf.Scalar;
    parts.push(tf.keep(mse), tf.keep(latentMs));
    return tf.add(mse, tf.mul(latentMs, config.latentPenalty)) as tf.Scalar;
  }, Object.values(vae.params));
  const gradNorm = applyUpdate(run, grads, lr, config.clipNorm, step);
  const [loss, mse, latentMs] = [value, ...parts].map((t) => t.dataSync()[0]);
  tf.dispose([value, video, ...parts, ...Object.values(grads)]);
  if (!Number.isFinite(loss)) throw new UserError(`loss became ${loss} at step ${step}; lower --lr`);
  const seconds = (performance.now() - t0) / 1000;
  const B = video.shape[0];
  return { step, loss, mse, psnr: 10 * Math.log10(4 / mse), latent_ms: latentMs, lr, grad_norm: gradNorm, samples_per_s: B / seconds, seconds };
}

/** The run's config (new, or a resumed run's config.json with only --steps taken), dataset, model, optimizer and EMA, restored. */
function setupVaeRun(options: VaeTrainOptions): VaeRun {
  const runDir = options.out;
  const note = options.note ?? ((line: string) => console.error(`note: ${line}`));
  const resuming = Boolean(options.resume);
  claimRunFolder(runDir, resuming);
  checkSettings(options);
  if (options.latentPenalty !== undefined && !(Number.isFinite(options.latentPenalty) && options.latentPenalty >= 0)) {
    throw new UserError(`--latent-penalty must be a finite number ≥ 0, got ${options.latentPenalty}`);
  }
  let config: VaeTrainConfig;
  let resumed: LoadedCheckpoint | undefined;
  if (resuming) {
    config = { ...readVaeRunConfig(runDir), steps: options.steps };
    const from = latestCheckpoint(runDir, note);
    if (from) resumed = loadCheckpoint(from);
    else note(`${runDir} has no checkpoint yet: starting it from step 0 with its config.json`);
  } else {
    const { out: _o, resume: _r, onStep: _s, note: _n, overrides, ...settings } = options;
    const given = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
    config = { ...VAE_TRAIN_DEFAULTS, ...given, vae: resolveVaeConfig(options.preset, overrides) } as VaeTrainConfig;
  }
  const dataset = new WorldDataset(config.data);
  let cursor: BatchCursor | undefined;
  try {
    const [T, H, W] = dataset.shape;
    const { frames, height, width } = config.vae;
    if (T !== frames || H !== height || W !== width) {
      throw new UserError(`dataset ${config.data} holds ${T}×${H}×${W} clips; the ${config.preset} VAE trains on ${frames}×${height}×${width}`);
    }
    if (config.batchSize > dataset.length) throw new UserError(`--batch-size must be an integer from 1 to ${dataset.length} (the clips in ${config.data}), got ${config.batchSize}`);
    cursor = resumed ? checkCursor(resumed.state.cursor, path.join(resumed.path, 'state.json'), dataset.length) : undefined;
  } catch (err) {
    dataset.close();
    throw err;
  }
  ensureWritableDir(runDir);
  writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');

  const vae = new VideoAutoencoder(config.vae, config.seed);
  const opt = new AdamW(vae.params, { lr: config.lr, weightDecay: config.weightDecay });
  const ema = new Ema(vae.params, config.emaDecay);
  if (resumed) restoreTrainingState(resumed, { params: vae.params, opt, ema });
  const step = resumed?.step ?? 0;
  const batches = new BatchStream(dataset, { batchSize: config.batchSize, seed: config.seed, cursor });
  return { runDir, config, vae, params: vae.params, dataset, batches, opt, ema, step, checkpoint: resumed?.path ?? '', metricsFd: openMetrics(runDir, step) };
}
