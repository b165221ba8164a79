/**
 * The interface every sampler implements, one algorithm per file. A sampler integrates the
 * probability-flow ODE from t = 1 (noise) to t = 0 (data); it asks `flow.predict` for the
 * model's reading at any (x, t), as many times per step as its method needs (Heun: two).
 * Guidance and the objective's parameterisation live behind `flow`, so a sampler never
 * sees the model, the text, or the guidance scale.
 *
 *   const times = sampler.setTimesteps(25);                       // [1, …, 0], 26 entries
 *   for (let i = 0; i < 25; i++) x = sampler.step(flow, x, times[i], times[i + 1]);
 *   sampler.reset();
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../base/errors.js';

/** What the model says at (x, t), read both ways a sampler may want. */
export interface Prediction {
  /** dx/dt along the probability-flow ODE. */
  velocity: tf.Tensor;
  /** The estimate x̂0 of the clean data. */
  data: tf.Tensor;
}

/** The ODE a sampler integrates: the noising path x_t = α(t)·x0 + σ(t)·ε and the model's reading of it. */
export interface ProbabilityFlow {
  alpha(t: number): number;
  sigma(t: number): number;
  /** The velocity is undefined at t = 0 (x-prediction): a sampler must not evaluate there. */
  singularAtZero?: boolean;
  /** One model evaluation (guided, if guidance is on). */
  predict(x: tf.Tensor, t: number): Prediction;
}

export interface Sampler {
  readonly name: string;
  /** Start a run of `steps` steps: forget any history and return the times, descending from 1 to 0. */
  setTimesteps(steps: number): number[];
  /** x at `tNext` from x at `t` (tNext < t). Called inside tf.tidy by the loop. */
  step(flow: ProbabilityFlow, x: tf.Tensor, t: number, tNext: number): tf.Tensor;
  /** Release anything kept between steps (multistep history). */
  reset(): void;
}

/**
 * SD3's resolution shift (Esser et al. 2024, eq. 23) of a time grid: t ↦ s·t / (1 + (s − 1)·t).
 * It keeps 0 and 1 and the order, and with s > 1 spends more of the steps at high noise,
 * where a clip's layout and motion are decided (s = 3: half the steps above t = 0.75).
 * s = 1 returns the times unchanged.
 */
export function shiftTimesteps(times: readonly number[], shift: number): number[] {
  if (!(Number.isFinite(shift) && shift > 0)) throw new UserError(`time shift must be a positive number, got ${shift}`);
  if (shift === 1) return [...times];
  return times.map((t) => (t === 0 || t === 1 ? t : (shift * t) / (1 + (shift - 1) * t)));
}

/** `steps + 1` times evenly spaced from 1 down to 0; the last is exactly 0. */
export function uniformTimesteps(steps: number): number[] {
  return Array.from({ length: steps + 1 }, (_, i) => 1 - i / steps);
}
