/**
 * The training loop: text-conditioned rectified flow (or v-prediction) on a world
 * dataset, AdamW with warm-up + cosine, global-norm clipping, EMA, caption dropout for
 * classifier-free guidance, a JSONL line of metrics per step, atomic checkpoints, and
 * `resume` continuing bit-identically on the same backend.
 *
 * All randomness of step k (caption dropout, timesteps, noise) comes from an RNG seeded by
 * (seed, k), and batches from a seeded permutation with a saved cursor, so a resumed run
 * needs no RNG state beyond the step number.
 *
 *   const result = await train({ preset: 'tiny', data: 'data/id', steps: 200, out: 'runs/tiny' });
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { WorldDataset } from '../../datasets/shards.js';
import { Rng } from '../../base/rng.js';
import { UserError } from '../../base/errors.js';
import { ensureWritableDir, writeFileAtomic } from '../../base/io/atomic.js';
import { createObjective, type LogitNormal, type ObjectiveName } from '../diffusion/objective.js';
import { gaussian } from '../diffusion/noise.js';
import { resolveConfig, validateConfig, type DiTConfig } from '../model/config.js';
import { buildVideoModel } from '../model/video-model.js';
import { resolveTextEncoderConfig, validateTextEncoderConfig, type TextEncoderConfig } from '../text/config.js';
import { swapWords } from '../text/swaps.js';
import { AdamW } from './adamw.js';
import { BatchStream, type BatchCursor } from './batches.js';
import { latestCheckpoint, listCheckpoints, loadCheckpoint, pickCheckpoint, pointLatestAt, restoreVariables, saveCheckpoint, verifyCheckpoint } from '../model/checkpoint.js';
import { clipByGlobalNorm } from './clip.js';
import { Ema } from './ema.js';
import { warmupCosine } from './schedule.js';
import { writeLossPlot, writeSamples } from '../../app/cli/progress-artifacts.js';
import type { StepMetrics } from './step-metrics.js';
import { checkCursor, checkSettings, checkTimesteps, readRunConfig, TRAIN_DEFAULTS, type TrainConfig } from './train-config.js';

export interface TrainOptions extends Partial<Omit<TrainConfig, 'model' | 'text'>> {
  preset: string;
  data: string;
  steps: number;
  out: string;
  /** Continue the run in `out` from its latest checkpoint (from step 0 when it has none yet). */
  resume?: boolean;
  /** Continue the run in `out` from this checkpoint: a step number or one of RUN/checkpoints/step-N (implies resume). */
  resumeFrom?: string;
  /**
   * Start from this checkpoint's weights and EMA (a fine-tune or a second leg with new
   * settings) with a fresh optimizer, step 0 and this run's schedule; its model and text
   * encoder configs are kept.
   */
  init?: string;
  /** Called after every step with its metrics. */
  onStep?: (metrics: StepMetrics) => void;
  /** One-line notes (resuming from step 0, a missing checkpoint replaced by an earlier one); default: stderr. */
  note?: (line: string) => void;
}



export interface TrainResult {
  runDir: string;
  step: number;
  loss: number;
  checkpoint: string;
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const runDir = options.out;
  const resuming = Boolean(options.resume) || options.resumeFrom !== undefined;
  const note = options.note ?? ((line: string) => console.error(`note: ${line}`));
  const existing = fs.existsSync(path.join(runDir, 'config.json'));
  if (existing && !resuming) throw new UserError(`${runDir} already holds a run; pass --resume to continue it, or choose another --out`);
  if (resuming && !existing) throw new UserError(`--resume: no run in ${runDir} (missing config.json)`);
  if (resuming && options.init) throw new UserError('--init starts a new run and --resume continues one: pass one of them');
  checkSettings(options);
  checkTimesteps(options.timesteps);

  let config: TrainConfig;
  let initial: ReturnType<typeof loadCheckpoint> | undefined;
  let resumed: ReturnType<typeof loadCheckpoint> | undefined;
  if (resuming) {
    config = { ...readRunConfig(runDir, TRAIN_DEFAULTS), steps: options.steps };
    const from = options.resumeFrom !== undefined ? pickCheckpoint(runDir, options.resumeFrom) : latestCheckpoint(runDir, note);
    if (from && options.resumeFrom !== undefined) {
      resumed = loadPickedCheckpoint(runDir, from);
    } else if (from) {
      resumed = loadCheckpoint(from);
    } else {
      // Killed before its first checkpoint: the same run from step 0 (bit-identical to a fresh start).
      note(`${runDir} has no checkpoint yet: starting it from step 0 with its config.json`);
      if (config.initFrom) initial = loadInitCheckpoint(config.initFrom.checkpoint, config.preset, config.initFrom.step);
    }
  } else {
    if (options.init) initial = loadInitCheckpoint(options.init, options.preset);
    config = {
      ...TRAIN_DEFAULTS,
      ...stripUndefined(options),
      preset: options.preset,
      model: initial ? (initial.config as TrainConfig).model : resolveConfig(options.preset),
      text: initial ? (initial.config as TrainConfig).text : resolveTextEncoderConfig(options.preset),
      data: options.data,
      steps: options.steps,
      ...(initial ? { initFrom: { checkpoint: initial.path, step: initial.step } } : {}),
    } as TrainConfig;
    for (const key of ['onStep', 'note', 'out', 'resume', 'resumeFrom', 'init'] as const) delete (config as unknown as Record<string, unknown>)[key];
  }
  const objective = createObjective(config.objective, config.timesteps); // an unknown name fails before anything is written
  const dataset = new WorldDataset(config.data);
  let cursor: BatchCursor | undefined;
  try {
    const [T, H, W] = dataset.shape;
    if (T % config.model.patch[0] || H % config.model.patch[1] || W % config.model.patch[2]) {
      throw new UserError(`dataset clips ${T}×${H}×${W} are not divisible by the model's patch ${config.model.patch.join('×')}`);
    }
    if (config.batchSize > dataset.length) {
      // A bigger batch would hold the same clip twice; it also bounds the memory a typo can ask for.
      throw new UserError(`--batch-size must be an integer from 1 to ${dataset.length} (the clips in ${config.data}), got ${config.batchSize}`);
    }
    if (resumed) cursor = checkCursor(resumed.state.cursor, path.join(resumed.path, 'state.json'), dataset.length);
  } catch (err) {
    dataset.close();
    throw err;
  }
  ensureWritableDir(runDir);
  writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  // Continuing from a checkpoint picked by hand makes it the run's latest (a later --resume starts there too).
  if (resumed && options.resumeFrom !== undefined) pointLatestAt(runDir, resumed.path);

  const net = buildVideoModel(config.model, config.text, config.seed);
  const opt = new AdamW(net.params, { lr: config.lr, weightDecay: config.weightDecay });
  const ema = new Ema(net.params, config.emaDecay);
  let step = 0;
  if (initial) {
    restoreVariables(net.params, initial.params, 'model');
    restoreVariables(ema.shadow, initial.ema ?? initial.params, 'EMA');
  }
  if (resumed) {
    restoreVariables(net.params, resumed.params, 'model');
    if (resumed.ema) restoreVariables(ema.shadow, resumed.ema, 'EMA');
    if (resumed.optimizer) {
      restoreVariables(opt.m, resumed.optimizer.m, 'optimizer m');
      restoreVariables(opt.v, resumed.optimizer.v, 'optimizer v');
      opt.step_ = resumed.optimizer.step;
    }
    step = resumed.step;
  }
  const batches = new BatchStream(dataset, { batchSize: config.batchSize, seed: config.seed, cursor });
  const metricsFile = path.join(runDir, 'metrics.jsonl');
  // Metrics after the resumed step are rewritten: keep only lines up to it.
  const kept = fs.existsSync(metricsFile) ? fs.readFileSync(metricsFile, 'utf8').split('\n').filter((l) => metricsStep(l) <= step) : [];
  writeFileAtomic(metricsFile, kept.map((l) => l + '\n').join(''));
  const metricsFd = fs.openSync(metricsFile, 'a');

  const trainable = Object.values(net.params);
  // Preview captions: the first two distinct captions of the dataset.
  const previewPrompts = [...new Set(Array.from({ length: Math.min(dataset.length, 8) }, (_, i) => dataset.meta(i).caption))].slice(0, 2);
  let lastLoss = NaN;
  let checkpoint = resumed?.path ?? '';
  const save = () =>
    saveCheckpoint(
      runDir,
      {
        step,
        config,
        params: net.params,
        ema: ema.shadow,
        optimizer: { step: opt.step_, m: opt.m, v: opt.v },
        state: { cursor: batches.cursor },
      },
      { keepLast: config.keepCheckpoints },
    );
  try {
    while (step < config.steps) {
      const t0 = performance.now();
      step += 1;
      const rng = Rng.from(`spacetime-train/${config.seed}/${step}`);
      const { video, captions } = batches.next();
      const B = captions.length;
      const drop = captions.map(() => rng.next() < config.captionDropout);
      const times = objective.sampleTimesteps(B, rng);
      const eps = gaussian(video.shape, rng);
      const lr = warmupCosine(step, { peak: config.lr, warmup: config.warmup, total: config.steps });
      // Hard negatives: the samples (not dropped) whose caption a swap changes, with the swapped caption.
      const swapped = config.negatives ? captions.map((c) => swapWords(c, config.negatives!.swaps)) : [];
      const swappable = swapped.flatMap((c, b) => (!drop[b] && c !== captions[b] ? [b] : []));
      let gap: tf.Scalar | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const xt = objective.noisy(video, eps, times) as tf.Tensor5D; // [B, C, T, H, W]
        if (swappable.length === 0) {
          const text = net.encoder.encode(captions, { unconditional: drop });
          const out = net.dit.forward(xt, objective.modelTime(times), text); // [B, C, T, H, W]
          return objective.loss(out, video, eps, xt, times);
        }
        // One pass over B + S samples: every clip with its caption, then the S swappable ones with the swapped caption.
        const S = swappable.length;
        const idx = tf.tensor1d(swappable, 'int32');
        const [videoS, epsS, xtS] = [video, eps, xt].map((x) => tf.gather(x, idx)); // 3 × [S, C, T, H, W]
        const timesS = swappable.map((b) => times[b]);
        const text = net.encoder.encode([...captions, ...swappable.map((b) => swapped[b])], {
          unconditional: [...drop, ...swappable.map(() => false)],
        });
        const out = net.dit.forward(tf.concat([xt, xtS]) as tf.Tensor5D, objective.modelTime([...times, ...timesS]), text); // [B + S, C, T, H, W]
        const [outTrue, outSwapped] = tf.split(out, [B, S], 0);
        const loss = objective.loss(outTrue, video, eps, xt, times);
        const eTrue = objective.sampleLoss(tf.gather(outTrue, idx), videoS, epsS, xtS, timesS); // [S]
        const eSwapped = objective.sampleLoss(outSwapped, videoS, epsS, xtS, timesS); // [S]
        gap = tf.keep(tf.mean(tf.sub(eSwapped, eTrue)) as tf.Scalar);
        return tf.add(loss, tf.mul(negativeLoss(eTrue, eSwapped), config.negatives!.weight * (S / B))) as tf.Scalar;
      }, trainable);
      const clipped = clipByGlobalNorm(grads, config.clipNorm);
      const named: Record<string, tf.Tensor> = {};
      for (const [name, g] of Object.entries(clipped.grads)) named[name] = g;
      opt.step(named, lr);
      ema.update(net.params, step);
      lastLoss = value.dataSync()[0];
      const negativeGap = gap ? (gap as tf.Scalar).dataSync()[0] : undefined;
      tf.dispose([value, video, eps, ...Object.values(grads), ...Object.values(clipped.grads), ...(gap ? [gap] : [])]);
      if (!Number.isFinite(lastLoss)) throw new UserError(`loss became ${lastLoss} at step ${step}; lower --lr`);
      const seconds = (performance.now() - t0) / 1000;
      const metrics: StepMetrics = { step, loss: lastLoss, lr, grad_norm: clipped.norm, ...(negativeGap !== undefined ? { negative_gap: negativeGap } : {}), samples_per_s: B / seconds, seconds };
      fs.writeSync(metricsFd, JSON.stringify(metrics) + '\n');
      options.onStep?.(metrics);
      if (step % config.checkpointEvery === 0 || step === config.steps) checkpoint = save();
      if (config.sampleEvery > 0 && (step % config.sampleEvery === 0 || step === config.steps)) {
        fs.fsyncSync(metricsFd);
        writeLossPlot(runDir);
        await writeSamples(runDir, step, net, ema, config, previewPrompts);
      }
    }
  } finally {
    fs.closeSync(metricsFd);
    opt.dispose();
    ema.dispose();
    net.dit.dispose();
    net.encoder.dispose();
    dataset.close();
  }
  return { runDir, step, loss: lastLoss, checkpoint };
}

/** Scale of the hard-negative margin, in units of the per-sample loss (x-prediction's velocity MSE is ~0.05). */
export const NEGATIVE_TEMPERATURE = 0.005;

/**
 * The hard-negative loss over S clips: mean of τ·softplus((e_true − e_swapped)/τ), a smooth
 * hinge that is ≈ 0 once the swapped caption denoises worse than the true one by a few τ and
 * grows linearly while it denoises better. Its gradient lowers the true caption's error and
 * raises the swapped one's, so the model must read the swapped words to lower it.
 */
export function negativeLoss(eTrue: tf.Tensor1D, eSwapped: tf.Tensor1D, temperature = NEGATIVE_TEMPERATURE): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.mean(tf.softplus(tf.div(tf.sub(eTrue, eSwapped), temperature))), temperature) as tf.Scalar);
}

/**
 * A checkpoint to start a new run from (--init), or the one a run killed before its first
 * checkpoint started from (its config's initFrom, at `step`): same preset, a spacetime model.
 */
function loadInitCheckpoint(from: string, preset: string, step?: number): ReturnType<typeof loadCheckpoint> {
  const ck = loadCheckpoint(from);
  const config = ck.config as TrainConfig;
  if (!config?.model || !config?.text) throw new UserError(`--init: ${ck.path} has no model config (state.json): not a spacetime checkpoint`);
  if (config.preset !== preset) throw new UserError(`--init: ${ck.path} is a ${config.preset} model, not --preset ${preset}`);
  try {
    validateConfig(config.model as unknown as Record<string, unknown>);
    validateTextEncoderConfig(config.text as unknown as Record<string, unknown>);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`--init: ${path.join(ck.path, 'state.json')}: ${err.message}`);
    throw err;
  }
  if (step !== undefined && ck.step !== step) throw new UserError(`the run started from ${from} at step ${step}, which now holds step ${ck.step}`);
  return ck;
}

/** A checkpoint picked with --resume-from; when it is damaged, the error also lists the run's good ones. */
function loadPickedCheckpoint(runDir: string, dir: string): ReturnType<typeof loadCheckpoint> {
  try {
    return loadCheckpoint(dir);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const good = listCheckpoints(runDir).filter((c) => c.path !== dir && isIntact(c.path)).map((c) => c.step);
    throw new UserError(`${err.message}; ${good.length ? `good checkpoints of this run: steps ${good.join(', ')} (--resume-from STEP)` : 'this run has no other good checkpoint'}`);
  }
}

function isIntact(checkpointDir: string): boolean {
  try {
    verifyCheckpoint(checkpointDir);
    return true;
  } catch (err) {
    if (err instanceof UserError) return false;
    throw err;
  }
}

/** The step of one metrics.jsonl line; Infinity for a blank or torn line (a kill mid-write), which is dropped. */
function metricsStep(line: string): number {
  try {
    const step = (JSON.parse(line) as StepMetrics).step;
    return typeof step === 'number' ? step : Infinity;
  } catch {
    return Infinity;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
