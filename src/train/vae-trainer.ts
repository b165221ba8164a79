/**
 * Training the video autoencoder (src/model/vae.ts) on a world dataset: reconstruction MSE
 * plus a small latent penalty (and, with --temporal-weight β, β times the MSE of the
 * frame-to-frame differences: the motion velocities are measured from), AdamW at the warm-up +
 * cosine rate with global-norm clipping and an EMA (run-state.ts, as the DiT's trainer), a line of
 * metrics.jsonl per step, atomic checkpoints, and `resume` continuing bit-identically on the same
 * backend.
 *
 * The autoencoder is deterministic and batches come from a seeded permutation with a saved
 * cursor, so a resumed run needs nothing beyond the checkpoint. With `buckets` (--buckets, as the
 * DiT's: src/train/buckets.ts) each batch is one bucket's clips, so one VAE learns several sizes
 * and lengths (its positions are computed for any grid); a latent model trained with buckets
 * needs a VAE that reconstructs its sizes (scripts/vae-harness-floor.ts --sizes measures that).
 *
 *   const result = await trainVae({ preset: 'tiny', data: 'data/id', steps: 200, out: 'runs/vae' });
 *   await trainVae({ preset: 'small', init: 'models/vae', data: 'data/id', steps: 4000, out: 'runs/vae-2' });  // a second leg
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { leanVariableGrads } from '../../base/compute/lean-grads.js';
import { UserError } from '../../base/errors.js';
import { ensureWritableDir, writeFileAtomic } from '../../base/io/atomic.js';
import type { WorldDataset } from '../../datasets/shards.js';
import { latestCheckpoint, loadCheckpoint, restoreVariables, type LoadedCheckpoint, type LoadedTensor } from '../model/checkpoint.js';
import { readVaeFolder, type VaeFolderConfig } from '../model/vae-folder.js';
import { VideoAutoencoder } from '../model/vae.js';
import { resolveVaeConfig, type VaeConfig } from '../model/vae-config.js';
import { AdamW } from './adamw.js';
import type { BatchStream } from './batches.js';
import { openRunData, runBatches, type BucketStream } from './buckets.js';
import { Ema } from './ema.js';
import { applyUpdate, claimRunFolder, openMetrics, restoreTrainingState, saveTrainingCheckpoint, type TrainingState } from './run-state.js';
import { warmupCosine } from './schedule.js';
import { checkSettings, checkCursor } from './train-config.js';
import { readVaeRunConfig, VAE_TRAIN_DEFAULTS, type VaeTrainConfig } from './vae-train-config.js';

export interface VaeTrainOptions extends Partial<Omit<VaeTrainConfig, 'vae' | 'preset' | 'data' | 'steps'>> {
  /** The VAE preset (--config): tiny, small. */
  preset: string;
  data: string;
  /** The run's total steps: a new run's is required; a resumed run keeps its own unless this sets a new one. */
  steps?: number;
  out: string;
  /** Continue the run in `out` from its latest checkpoint (from step 0 when it has none yet). */
  resume?: boolean;
  /**
   * Start a new run from a shipped VAE folder's weights (as weights and EMA) with a fresh
   * optimizer and this run's schedule: a second leg. Its VAE config is the folder's.
   */
  init?: string;
  /** A new run's changes to the preset (measuring alternatives: latent channels, patch). */
  overrides?: Partial<VaeConfig>;
  /** After each step, with the run's total steps. */
  onStep?: (metrics: VaeStepMetrics, totalSteps: number) => void;
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
  /** MSE of the frame-to-frame differences (reported whatever temporalWeight is). */
  temporal_mse: number;
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
  batches: BatchStream | BucketStream;
  runDir: string;
  config: VaeTrainConfig;
  vae: VideoAutoencoder;
  /** One dataset, or a bucketed run's one per bucket. */
  datasets: WorldDataset[];
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
      options.onStep?.(metrics, config.steps);
      if (step % config.checkpointEvery === 0 || step === config.steps) checkpoint = saveTrainingCheckpoint(runDir, step, config, run, config.keepCheckpoints);
    }
  } finally {
    fs.closeSync(run.metricsFd);
    run.opt.dispose();
    run.ema.dispose();
    run.vae.dispose();
    for (const dataset of run.datasets) dataset.close();
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
  const { value, grads } = leanVariableGrads(() => {
    const z = vae.encode(video); // [B, c, t, h, w]
    const y = vae.decode(z); // [B, C, T, H, W]
    const mse = tf.mean(tf.squaredDifference(y, video)) as tf.Scalar;
    const latentMs = tf.mean(tf.square(z)) as tf.Scalar;
    const temporal = tf.mean(tf.squaredDifference(frameDifferences(y), frameDifferences(video))) as tf.Scalar;
    parts.push(tf.keep(mse), tf.keep(latentMs), tf.keep(temporal));
    const loss = tf.add(mse, tf.mul(latentMs, config.latentPenalty));
    return (config.temporalWeight > 0 ? tf.add(loss, tf.mul(temporal, config.temporalWeight)) : loss) as tf.Scalar;
  }, Object.values(vae.params));
  const gradNorm = applyUpdate(run, grads, lr, config.clipNorm, step);
  const [loss, mse, latentMs, temporalMse] = [value, ...parts].map((t) => t.dataSync()[0]);
  tf.dispose([value, video, ...parts, ...Object.values(grads)]);
  if (!Number.isFinite(loss)) throw new UserError(`loss became ${loss} at step ${step}; lower --lr`);
  const seconds = (performance.now() - t0) / 1000;
  const B = video.shape[0];
  return { step, loss, mse, psnr: 10 * Math.log10(4 / mse), latent_ms: latentMs, temporal_mse: temporalMse, lr, grad_norm: gradNorm, samples_per_s: B / seconds, seconds };
}

/**
 * Videos [B, C, T, H, W] → the differences of consecutive frames, [B·C, T − 1, H·W]: one batched
 * matmul by the [T − 1, T] difference matrix. (Two slices and a subtraction compute the same, but
 * their gradient took 1.7 s a step of the small VAE on `native`, the matmul ~10 ms.)
 */
function frameDifferences(x: tf.Tensor): tf.Tensor {
  const [B, C, T, H, W] = x.shape;
  const d = Float32Array.from({ length: (T - 1) * T }, (_, i) => (i % T === Math.floor(i / T) + 1 ? 1 : i % T === Math.floor(i / T) ? -1 : 0));
  return tf.matMul(tf.tensor3d(d, [1, T - 1, T]), tf.reshape(x, [B * C, T, H * W])); // [B·C, T − 1, H·W]
}

/** The run's config (new, or a resumed run's config.json with only a given --steps taken), dataset, model, optimizer and EMA, restored. */
function setupVaeRun(options: VaeTrainOptions): VaeRun {
  const runDir = options.out;
  const note = options.note ?? ((line: string) => console.error(`note: ${line}`));
  const resuming = Boolean(options.resume);
  claimRunFolder(runDir, resuming);
  checkSettings(options);
  for (const [flag, value] of [['--latent-penalty', options.latentPenalty], ['--temporal-weight', options.temporalWeight]] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new UserError(`${flag} must be a finite number ≥ 0, got ${value}`);
  }
  if (resuming && options.init !== undefined) throw new UserError('--init starts a new run and --resume continues one: pass one of them');
  let config: VaeTrainConfig;
  let resumed: LoadedCheckpoint | undefined;
  let initial: Record<string, LoadedTensor> | undefined;
  if (resuming) {
    // Its own total unless --steps sets a new one (a default here would silently re-time its cosine schedule).
    const recorded = readVaeRunConfig(runDir);
    config = { ...recorded, steps: options.steps ?? recorded.steps };
    const from = latestCheckpoint(runDir, note);
    if (from) resumed = loadCheckpoint(from);
    else {
      note(`${runDir} has no checkpoint yet: starting it from step 0 with its config.json`);
      if (config.initFrom) initial = initialWeights(config.initFrom.vae, config.initFrom.sha256).weights;
    }
  } else {
    const { out: _o, resume: _r, onStep: _s, note: _n, overrides, init, ...settings } = options;
    const given = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
    if (options.steps === undefined) throw new UserError('a new run needs --steps');
    if (init !== undefined && overrides) throw new UserError('--init takes the VAE config of the folder it starts from: no overrides');
    const start = init !== undefined ? initialWeights(init) : undefined;
    initial = start?.weights;
    const vae = start ? start.config.vae : resolveVaeConfig(options.preset, overrides);
    config = { ...VAE_TRAIN_DEFAULTS, ...given, vae, ...(start && init !== undefined ? { initFrom: { vae: path.resolve(init), sha256: start.config.weights.sha256 } } : {}) } as VaeTrainConfig;
  }
  const { datasets, cursor } = openRunData(config.data, config.buckets, {
    batchSize: config.batchSize,
    checkClip: (dataset) => {
      const [T, H, W] = dataset.shape;
      const { frames, height, width, patch } = config.vae;
      if (config.buckets ? T % patch[0] || H % patch[1] || W % patch[2] : T !== frames || H !== height || W !== width) {
        const want = config.buckets ? `clips whose frames and sides are multiples of its tubelet ${patch.join('×')}` : `${frames}×${height}×${width}`;
        throw new UserError(`dataset ${dataset.dir} holds ${T}×${H}×${W} clips; the ${config.preset} VAE trains on ${want}`);
      }
    },
    resumed: resumed && { cursor: resumed.state.cursor, file: path.join(resumed.path, 'state.json') },
    checkCursor,
  });
  ensureWritableDir(runDir);
  writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');

  const vae = new VideoAutoencoder(config.vae, config.seed);
  const opt = new AdamW(vae.params, { lr: config.lr, weightDecay: config.weightDecay });
  const ema = new Ema(vae.params, config.emaDecay);
  if (initial) {
    restoreVariables(vae.params, initial, `weights of ${config.initFrom!.vae}`);
    restoreVariables(ema.shadow, initial, `weights of ${config.initFrom!.vae}`);
  }
  if (resumed) restoreTrainingState(resumed, { params: vae.params, opt, ema });
  const step = resumed?.step ?? 0;
  const batches = runBatches(datasets, config.buckets, { batchSize: config.batchSize, seed: config.seed, cursor });
  return { runDir, config, vae, params: vae.params, datasets, batches, opt, ema, step, checkpoint: resumed?.path ?? '', metricsFd: openMetrics(runDir, step) };
}

/**
 * A shipped VAE folder's config and weights to start a run from; a run resumed before its first
 * checkpoint passes the sha256 it recorded, so a folder replaced since is refused by name.
 */
function initialWeights(dir: string, sha256?: string): { config: VaeFolderConfig; weights: Record<string, LoadedTensor> } {
  const folder = readVaeFolder(dir);
  if (sha256 !== undefined && folder.config.weights.sha256 !== sha256) {
    throw new UserError(`${path.join(dir, 'config.json')}: the run started from other weights (sha256 ${sha256.slice(0, 12)}…): the folder was replaced since`);
  }
  return folder;
}
