/**
 * What one generation request may ask for, and how many videos go through the model at
 * once. Checked before anything is allocated, so a typo (`--steps 1e9`, `--size 4096`,
 * `--frames 100000`) is a one-line usage error instead of minutes of swapping and a crash.
 *
 * Memory. A model pass runs in one tf.tidy, so all its activations live until it ends: about
 * ACTIVATION_FLOATS floats per token, per channel of the width D, per block, for each item of
 * the model's batch (a guided video is two items: cond and uncond; three with a frame scale). Where attention runs from
 * stock ops (no fused kernel: the wasm and cpu backends) it also holds a few [heads, N, N]
 * score-sized tensors per item while one attention runs (its own tidy frees them). Measured on the default model (16 frames 32×32 = 256 tokens,
 * D 192, 6 blocks, guided heun, native backend), the wasm heap peaked at 217 MB for one
 * video, 450 MB for 2, 849 for 4, 1,572 for 8, 3,145 for 16, 4,242 for 22, and 28 aborted at
 * the heap's 4 GB ceiling (issue 18: `generate --n 32` failed with "gemm: c must not share
 * memory" and `--n 64` ran out of memory, both as one batch, at twice this memory before each
 * pass was tidied on its own). That is ~197 MB per video, 83 floats per token·channel·block
 * per item; ACTIVATION_FLOATS rounds it up. The estimate gives 849 MB for one 16-frame 64×64
 * video on native (measured 850 MB), and 1,000 MB on wasm (measured 928 MB).
 *
 *   checkGenerationSize(pipe.config.model, 16, 32, 32, 2);          // guided (2 passes); throws a UserError past the limits
 *   videosPerPass(pipe.config.model, 16, 32, 32, 2);                // 5 for the default model
 */
import * as tf from '@tensorflow/tfjs';
import { ATTENTION_KERNEL } from '../../kernels/attention/native.js';
import { UserError } from '../../base/errors.js';
import type { DiTConfig } from '../model/config.js';

/** Sampler steps allowed: 1000 is the training grid of DDPM; more only costs time. */
export const MAX_STEPS = 1000;

/** Floats held per token, channel and block for each item of a model pass (measured 83, see above). */
export const ACTIVATION_FLOATS = 90;
/** Score-sized [heads, N, N] tensors alive at once per item when attention runs from stock ops (scores, probabilities, a temporary). */
const SCORE_TENSORS = 3;

/** A pass over one video must fit here: the wasm heap is 4 GB, and weights, positions and outputs need the rest. */
export const MAX_PASS_BYTES = 3 * 2 ** 30;
/** Videos go through the model in groups that fit here (4 default videos: 849 MB measured). */
export const PASS_BYTES = 2 ** 30;

/** Estimated bytes of one model pass over one video's tokens, for `passes` items per video (1 unguided, 2 guided, 3 with a frame scale). */
export function passBytesPerVideo(model: DiTConfig, frames: number, height: number, width: number, passes: number): number {
  const tokens = tokensPerVideo(model, frames, height, width);
  const linear = ACTIVATION_FLOATS * tokens * model.hidden * model.depth;
  const scores = hasFusedAttention() ? 0 : SCORE_TENSORS * model.heads * tokens * tokens;
  return 4 * passes * (linear + scores);
}

/** Tokens of one video: (frames/pt)·(height/ph)·(width/pw). */
export function tokensPerVideo(model: DiTConfig, frames: number, height: number, width: number): number {
  const [pt, ph, pw] = model.patch;
  return (frames / pt) * (height / ph) * (width / pw);
}

/** How many videos to put through the model at once (at least 1), so a pass stays within PASS_BYTES. */
export function videosPerPass(model: DiTConfig, frames: number, height: number, width: number, passes: number): number {
  return Math.max(1, Math.floor(PASS_BYTES / passBytesPerVideo(model, frames, height, width, passes)));
}

/** Refuse a step count outside [1, MAX_STEPS]. */
export function checkSteps(steps: number): void {
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_STEPS) throw new UserError(`--steps must be an integer in [1, ${MAX_STEPS}], got ${steps}`);
}

/**
 * Refuse a clip size the model cannot take (not a positive multiple of its patch) or whose
 * one-video pass would not fit MAX_PASS_BYTES, naming the range that does fit.
 */
export function checkGenerationSize(model: DiTConfig, frames: number, height: number, width: number, passes: number): void {
  const [pt, ph, pw] = model.patch;
  for (const [flag, value, patch] of [['--frames', frames, pt], ['--size', height, ph], ['--size', width, pw]] as const) {
    if (!Number.isInteger(value) || value < patch || value % patch) {
      throw new UserError(`${flag} must be a positive multiple of ${patch} (the model's patch is ${pt}×${ph}×${pw}), got ${value}`);
    }
  }
  const bytes = passBytesPerVideo(model, frames, height, width, passes);
  if (bytes <= MAX_PASS_BYTES) return;
  const fits = (f: number, s: number) => passBytesPerVideo(model, f, s, s, passes) <= MAX_PASS_BYTES;
  const largest = (step: number, ok: (v: number) => boolean) => {
    let v = 0;
    while (ok(v + step)) v += step;
    return v;
  };
  const maxSize = largest(ph, (s) => fits(frames, s));
  const maxFrames = largest(pt, (f) => fits(f, height));
  const figure = (v: number) => Number(v.toPrecision(3)).toLocaleString('en-US');
  const gb = (b: number) => (b >= 1e12 ? `${figure(b / 1e12)} TB` : `${figure(b / 1e9)} GB`);
  const options = [
    maxSize > 0 ? `at ${frames} frames --size up to ${maxSize}` : `no size at ${frames} frames`,
    maxFrames > 0 ? `at size ${height} --frames up to ${maxFrames}` : `no frame count at size ${height}`,
  ];
  throw new UserError(
    `--frames ${frames} --size ${height}×${width} needs about ${gb(bytes)} for one video, over the ${gb(MAX_PASS_BYTES)} that fit the wasm backend's 4 GB heap (${options.join('; ')})`,
  );
}

/** The active backend has the fused attention kernel (no [N, N] scores in memory). */
function hasFusedAttention(): boolean {
  return tf.getKernel(ATTENTION_KERNEL, tf.getBackend()) !== undefined;
}
