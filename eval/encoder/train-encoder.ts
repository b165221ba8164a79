/**
 * Training the video encoder (video-encoder.ts) on world clips with the supervised heads of
 * encoder-heads.ts, and scoring the heads on held-out clips. Deterministic: the seed fixes the
 * initial weights, the batch order and the noise augmentation, and the backend's kernels are
 * deterministic, so the same options on the same backend give the same weights. The command
 * that ships the weights is write-encoder.ts.
 *
 *   const clips = concatClips([datasetClips('runs/data-id', range(0, 19000)), generatedClips('ood', 1, 100)]);
 *   const { params, losses } = trainEncoder(clips, { ...TRAIN_DEFAULTS, steps: 2000, seed: '1' });
 *   const scores = scoreHeads(params, datasetClips('runs/data-id', range(19000, 20000)));
 */
import * as tf from '@tensorflow/tfjs';
import { leanVariableGrads } from '../../base/compute/lean-grads.js';
import { WorldDataset } from '../../datasets/shards.js';
import { makeSample } from '../../datasets/world/sample.js';
import { Rng } from '../../base/rng.js';
import { FAMILIES, type Split } from '../../datasets/world/spec.js';
import { UserError } from '../../base/errors.js';
import { AdamW } from '../../src/train/adamw.js';
import { warmupCosine } from '../../src/train/schedule.js';
import { ENCODER_HEADS, HEAD_OFFSETS, HEAD_OUTPUTS, headHits, headTargets } from './encoder-heads.js';
import { ENCODER_CLIP, ENCODER_CONFIG, TUBELET_INPUTS, checkEncoderClip, encoderForward, initialParameters, parameterShapes, tubelets, type EncoderConfig } from './video-encoder.js';

// ---------------------------------------------------------------- clips

/** A set of labelled clips: frames by index (read lazily) and their head targets. */
export interface ClipSet {
  /** Where the clips come from, for the card. */
  description: Record<string, unknown>;
  length: number;
  frames(i: number): Uint8Array;
  targets: Float32Array[];
}

export const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

/** Clips `indices` of a dataset folder (frames read from disk per batch, targets up front). */
export function datasetClips(dir: string, indices: readonly number[]): ClipSet {
  const ds = new WorldDataset(dir);
  const [T, H, W] = ds.shape;
  checkEncoderClip({ numFrames: T, height: H, width: W }, `dataset ${dir}`);
  const targets = indices.map((i) => {
    const meta = ds.meta(i);
    if (!meta.spec) throw new UserError(`${dir}: sample ${i} has no ground truth (an imported video without a state file)`);
    return headTargets({ spec: meta.spec, tracks: meta.tracks, width: meta.width, height: meta.height });
  });
  // A fresh reader for the frames: the first one cached every parsed metadata line.
  const frames = new WorldDataset(dir);
  return {
    description: { source: dir, split: ds.manifest.source.split, seed: ds.manifest.source.seed, indices: `${indices[0]}..${indices[indices.length - 1]}`, clips: indices.length },
    length: indices.length,
    frames: (i) => frames.frames(indices[i]),
    targets,
  };
}

/** `perFamily` fresh world samples of every family (makeSample, indices 0..perFamily−1), in memory. */
export function generatedClips(split: Split, seed: number, perFamily: number): ClipSet {
  const clips: Uint8Array[] = [];
  const targets: Float32Array[] = [];
  for (let index = 0; index < perFamily; index++)
    for (const family of FAMILIES) {
      const { frames, meta } = makeSample({ family, split, seed, index });
      clips.push(frames);
      targets.push(headTargets(meta));
    }
  return { description: { source: 'makeSample', split, seed, perFamily, clips: clips.length }, length: clips.length, frames: (i) => clips[i], targets };
}

/** The sets one after another, as one. */
export function concatClips(sets: readonly ClipSet[]): ClipSet {
  const at: [ClipSet, number][] = sets.flatMap((s) => range(0, s.length).map((i) => [s, i] as [ClipSet, number]));
  return { description: { sets: sets.map((s) => s.description) }, length: at.length, frames: (i) => at[i][0].frames(at[i][1]), targets: at.map(([s, i]) => s.targets[i]) };
}

// ---------------------------------------------------------------- loss

/** Weight of the trajectory head's mean squared error (positions are in image widths). */
const TRAJECTORY_WEIGHT = 20;

/** Sum over heads: softmax cross-entropy, sigmoid cross-entropy summed over labels, weighted MSE. */
export function headLoss(outputs: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const terms = ENCODER_HEADS.map((head, k) => {
      const n = head.outputs.length;
      const o = outputs.slice([0, HEAD_OFFSETS[k]], [-1, n]); // [B, n]
      const y = targets.slice([0, HEAD_OFFSETS[k]], [-1, n]); // [B, n]
      if (head.kind === 'class') return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(o)), 1)));
      if (head.kind === 'multi') {
        // max(o, 0) − o·y + log(1 + e^−|o|), the stable form.
        const bce = tf.add(tf.sub(tf.relu(o), tf.mul(o, y)), tf.log(tf.add(tf.exp(tf.neg(tf.abs(o))), 1)));
        return tf.mean(tf.sum(bce, 1));
      }
      return tf.mul(tf.mean(tf.square(tf.sub(o, y))), TRAJECTORY_WEIGHT);
    });
    return tf.addN(terms) as tf.Scalar;
  });
}

// ---------------------------------------------------------------- training

export interface TrainOptions {
  steps: number;
  /** Clips per step. */
  batch: number;
  /** Peak learning rate (warm-up over 5% of the steps, cosine to a tenth). */
  lr: number;
  weightDecay: number;
  /** Seed key of the initial weights and the batch order. */
  seed: string;
  config?: EncoderConfig;
  /** Called every `logEvery` steps with the mean loss since the last call. */
  onLog?: (step: number, loss: number, seconds: number) => void;
  logEvery?: number;
}

export const TRAIN_DEFAULTS: Omit<TrainOptions, 'steps' | 'seed'> = { batch: 64, lr: 2e-3, weightDecay: 1e-4, logEvery: 100 };

export interface TrainResult {
  params: Record<string, Float32Array>;
  /** Mean loss over each logging window. */
  losses: { step: number; loss: number }[];
  seconds: number;
}

/** A seeded shuffle of 0..n−1 (Fisher–Yates). */
function permutation(n: number, rng: Rng): number[] {
  const p = range(0, n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * Pixel noise for training: without it the features moved with sensor-level noise (σ = 1 grey
 * level moved a clip 2% of the typical distance between two clips, an MP4 round trip as much),
 * so a distance would mostly measure noise. Each training clip gets Gaussian noise of a σ drawn
 * from [0, NOISE_MAX_LEVELS] grey levels (clean for a quarter of them), read from a fixed bank
 * of seeded normals at a random offset (cheap, and deterministic).
 */
export const NOISE_MAX_LEVELS = 8;
const NOISE_CLEAN_SHARE = 0.25;
const NOISE_BANK = 1 << 20;

function normalBank(seed: string): Float32Array {
  const rng = Rng.from(`video-encoder/noise/${seed}`);
  const bank = new Float32Array(NOISE_BANK);
  for (let i = 0; i < NOISE_BANK; i++) bank[i] = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return bank;
}

function batchTensors(clips: ClipSet, picks: readonly number[], noise?: { bank: Float32Array; rng: Rng }): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const y = new Float32Array(picks.length * HEAD_OUTPUTS);
  picks.forEach((i, r) => y.set(clips.targets[i], r * HEAD_OUTPUTS));
  const x = tubelets(picks.map((i) => clips.frames(i)));
  if (noise) {
    const perClip = x.length / picks.length;
    for (let r = 0; r < picks.length; r++) {
      if (noise.rng.next() < NOISE_CLEAN_SHARE) continue;
      const sigma = (noise.rng.next() * NOISE_MAX_LEVELS) / 128; // tubelets are (value − background) / 128
      let at = Math.floor(noise.rng.next() * NOISE_BANK);
      for (let i = r * perClip, end = i + perClip; i < end; i++, at = (at + 1) & (NOISE_BANK - 1)) x[i] += sigma * noise.bank[at];
    }
  }
  return { x: tf.tensor2d(x, [x.length / TUBELET_INPUTS, TUBELET_INPUTS]), y: tf.tensor2d(y, [picks.length, HEAD_OUTPUTS]) };
}

/** Train from seeded initial weights: AdamW, warm-up + cosine, epochs of seeded shuffles. */
export function trainEncoder(clips: ClipSet, options: TrainOptions): TrainResult {
  const o = { ...TRAIN_DEFAULTS, ...options };
  const config = o.config ?? ENCODER_CONFIG;
  if (clips.length < o.batch) throw new UserError(`${clips.length} training clips, fewer than one batch of ${o.batch}`);
  const shapes = parameterShapes(config);
  const init = initialParameters(o.seed, config);
  const params: Record<string, tf.Variable> = Object.fromEntries(Object.entries(init).map(([name, data]) => [name, tf.variable(tf.tensor(data, shapes[name]), true, `encoder/${name}`)]));
  const optimizer = new AdamW(params, { lr: o.lr, weightDecay: o.weightDecay });
  const rng = Rng.from(`video-encoder/batches/${o.seed}`);
  const noise = { bank: normalBank(o.seed), rng: Rng.from(`video-encoder/noise-levels/${o.seed}`) };
  const t0 = performance.now();
  const losses: TrainResult['losses'] = [];
  let order: number[] = [];
  let window = 0;
  let windowSteps = 0;
  for (let step = 1; step <= o.steps; step++) {
    if (order.length < o.batch) order = [...order, ...permutation(clips.length, rng)];
    const picks = order.splice(0, o.batch);
    const { x, y } = batchTensors(clips, picks, noise);
    const { value, grads } = leanVariableGrads(() => headLoss(encoderForward(params, x, config).outputs, y), Object.values(params));
    // leanVariableGrads (as tf.variableGrads) keys gradients by variable name; the optimizer by parameter name.
    const byParam = Object.fromEntries(Object.entries(params).map(([name, v]) => [name, grads[v.name]]));
    optimizer.step(byParam, warmupCosine(step, { peak: o.lr, warmup: Math.ceil(o.steps * 0.05), total: o.steps }));
    window += value.dataSync()[0];
    windowSteps++;
    tf.dispose([x, y, value, ...Object.values(grads)]);
    if (step % (o.logEvery ?? 100) === 0 || step === o.steps) {
      losses.push({ step, loss: window / windowSteps });
      o.onLog?.(step, window / windowSteps, (performance.now() - t0) / 1000);
      window = 0;
      windowSteps = 0;
    }
  }
  const out = Object.fromEntries(Object.entries(params).map(([name, v]) => [name, v.dataSync() as Float32Array]));
  optimizer.dispose();
  Object.values(params).forEach((v) => v.dispose());
  return { params: out, losses, seconds: (performance.now() - t0) / 1000 };
}

// ---------------------------------------------------------------- held-out scores

/** Per head: accuracy (class, multi: exact set) or mean absolute error in pixels (regress). */
export function scoreHeads(params: Record<string, Float32Array>, clips: ClipSet, config: EncoderConfig = ENCODER_CONFIG): Record<string, number> {
  const shapes = parameterShapes(config);
  const tensors = Object.fromEntries(Object.entries(params).map(([name, data]) => [name, tf.tensor(data, shapes[name])]));
  const sums = new Array(ENCODER_HEADS.length).fill(0);
  for (let at = 0; at < clips.length; at += 64) {
    const picks = range(at, Math.min(at + 64, clips.length));
    const outputs = tf.tidy(() => {
      const { x } = batchTensors(clips, picks);
      return encoderForward(tensors, x, config).outputs;
    });
    const data = outputs.dataSync();
    outputs.dispose();
    picks.forEach((i, r) => {
      const row = data.subarray(r * HEAD_OUTPUTS, (r + 1) * HEAD_OUTPUTS);
      ENCODER_HEADS.forEach((head, k) => (sums[k] += headHits(head, row, clips.targets[i])));
    });
  }
  Object.values(tensors).forEach((t) => t.dispose());
  const scores: Record<string, number> = {};
  ENCODER_HEADS.forEach((head, k) => {
    const mean = sums[k] / clips.length;
    // Trajectory targets are in image sizes (32 px).
    if (head.kind === 'regress') scores[`${head.name}_mae_px`] = round(mean * ENCODER_CLIP.width, 3);
    else scores[`${head.name}_accuracy`] = round(mean, 4);
  });
  return scores;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
