/**
 * What the model is trained to predict, and how a sampler reads its prediction back.
 *
 * Both objectives noise clean data x0 with ε ~ N(0, I) as x_t = α(t)·x0 + σ(t)·ε on
 * t ∈ [0, 1], where t = 0 is data and t = 1 is pure noise:
 *
 *   rectified flow (default)  α = 1 − t, σ = t           target ε − x0  (= dx_t/dt)
 *                             t = sigmoid(n), n ~ N(m, s), logit-normal as in SD3
 *   v-prediction              α = cos(πt/2), σ = sin(πt/2)  target α·ε − σ·x0
 *                             t ~ U[0, 1)  (the cosine schedule of Salimans & Ho, 2022)
 *   x-prediction              rectified flow's paths; the model outputs x̂0 and the loss is
 *                             taken on the velocity v̂ = (x_t − x̂0)/t (JiT: Li & He, 2025)
 *
 * Training (per-sample times):
 *
 *   const t = objective.sampleTimesteps(B, rng);          // Float32Array [B]
 *   const xt = objective.noisy(x0, eps, t);               // [B, C, T, H, W]
 *   const loss = mse(model(xt, objective.modelTime(t), text), objective.target(x0, eps, t));
 *
 * Sampling reads the model's output o at (x_t, t) as the probability-flow ODE's velocity
 * dx/dt (`velocity`) or as the clean-data estimate x̂0 (`data`).
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../base/errors.js';
import { fillGaussian, type RandomSource } from './noise.js';

/**
 * The model sees t·1000, not t: DiT's sinusoidal timestep features were designed for the
 * integer steps 0…999 of DDPM (frequencies down to 1/10000), so t ∈ [0, 1] unscaled would
 * use only the slowest few bands.
 */
export const MODEL_TIME_SCALE = 1000;

/** One time for the whole batch (sampling) or one per sample (training). */
export type Time = number | ArrayLike<number>;

export interface Objective {
  readonly name: ObjectiveName;
  /** Signal scale α(t) in x_t = α·x0 + σ·ε. */
  alpha(t: number): number;
  /** Noise scale σ(t) in x_t = α·x0 + σ·ε. */
  sigma(t: number): number;
  /** Training times in [0, 1], one per sample. */
  sampleTimesteps(batch: number, rng: RandomSource): Float32Array;
  /** x_t from clean data and noise. */
  noisy(x0: tf.Tensor, eps: tf.Tensor, t: Time): tf.Tensor;
  /** What the model is trained to output at x_t (for x-prediction: x0). */
  target(x0: tf.Tensor, eps: tf.Tensor, t: Time): tf.Tensor;
  /**
   * The training loss of the model's output at x_t: a mean over every element, or with
   * `weight` (broadcast over x, e.g. [B, 1, T, 1, 1]: 0 on given frames) the weighted mean.
   */
  loss(output: tf.Tensor, x0: tf.Tensor, eps: tf.Tensor, xt: tf.Tensor, t: Time, weight?: tf.Tensor): tf.Scalar;
  /** The same loss per sample, [B] (each a mean over that sample's elements). */
  sampleLoss(output: tf.Tensor, x0: tf.Tensor, eps: tf.Tensor, xt: tf.Tensor, t: Time): tf.Tensor1D;
  /** The velocity divides by t, so a sampler's last evaluation must not be at t = 0. */
  readonly singularAtZero: boolean;
  /** The model's time input, t·MODEL_TIME_SCALE, [B]. */
  modelTime(t: ArrayLike<number>): tf.Tensor1D;
  /** Model output at (x, t) → dx/dt along the probability-flow ODE. */
  velocity(output: tf.Tensor, x: tf.Tensor, t: Time): tf.Tensor;
  /** Model output at (x, t) → the estimate of the clean data x0. */
  data(output: tf.Tensor, x: tf.Tensor, t: Time): tf.Tensor;
}

export const OBJECTIVE_NAMES = ['rectified-flow', 'v-prediction', 'x-prediction'] as const;
export type ObjectiveName = (typeof OBJECTIVE_NAMES)[number];

/**
 * f(t) as a scalar, or for per-sample times as a [B, 1, …, 1] tensor that broadcasts over
 * x's non-batch axes.
 */
function perSample(f: (t: number) => number, t: Time, like: tf.Tensor): number | tf.Tensor {
  if (typeof t === 'number') return f(t);
  if (t.length !== like.shape[0]) throw new Error(`${t.length} times for a batch of ${like.shape[0]}`);
  const values = Float32Array.from({ length: t.length }, (_, i) => f(t[i]));
  return tf.tensor(values, [t.length, ...like.shape.slice(1).map(() => 1)]);
}

/** a·x + b·y with per-sample coefficients. */
function combine(a: (t: number) => number, x: tf.Tensor, b: (t: number) => number, y: tf.Tensor, t: Time): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(x, perSample(a, t, x)), tf.mul(y, perSample(b, t, y))));
}

/** Mean squared difference from the objective's target (weighted mean with `weight`). */
function targetLoss(this: Pick<Objective, 'target'>, output: tf.Tensor, x0: tf.Tensor, eps: tf.Tensor, _xt: tf.Tensor, t: Time, weight?: tf.Tensor): tf.Scalar {
  return meanOf(tf.square(tf.sub(output, this.target(x0, eps, t))), weight);
}

/** The mean of x's elements, or Σ w·x / Σ w over x's elements with `weight` broadcast to x. */
function meanOf(x: tf.Tensor, weight?: tf.Tensor): tf.Scalar {
  if (!weight) return tf.mean(x);
  return tf.tidy(() => {
    const w = tf.broadcastTo(weight, x.shape);
    return tf.div(tf.sum(tf.mul(x, w)), tf.maximum(tf.sum(w), 1e-12)) as tf.Scalar;
  });
}

/** Mean squared difference from the objective's target, per sample. */
function targetSampleLoss(this: Pick<Objective, 'target'>, output: tf.Tensor, x0: tf.Tensor, eps: tf.Tensor, _xt: tf.Tensor, t: Time): tf.Tensor1D {
  return tf.tidy(() => perSampleMean(tf.square(tf.sub(output, this.target(x0, eps, t)))));
}

/** [B, …] → [B]: the mean over every axis but the batch's. */
function perSampleMean(x: tf.Tensor): tf.Tensor1D {
  return tf.mean(tf.reshape(x, [x.shape[0], -1]), 1) as tf.Tensor1D;
}

/** Times t = sigmoid(m + s·z), z ~ N(0, 1): the logit-normal of SD3 (rectified flow) and JiT (x-prediction). */
function logitNormalTimesteps(m: number, s: number): Objective['sampleTimesteps'] {
  return (batch, rng) => fillGaussian(new Float32Array(batch), rng).map((z) => 1 / (1 + Math.exp(-(m + s * z))));
}

function modelTime(t: ArrayLike<number>): tf.Tensor1D {
  return tf.tensor1d(Float32Array.from({ length: t.length }, (_, i) => t[i] * MODEL_TIME_SCALE));
}

// ---------------------------------------------------------------- rectified flow

/**
 * Rectified flow: straight paths x_t = (1 − t)·x0 + t·ε, the model predicts their constant
 * velocity ε − x0, so its output is dx/dt as it stands and x̂0 = x_t − t·v.
 * Timesteps are logit-normal (mean `m`, std `s` of the logit): more training near t = ½,
 * where the velocity is hardest to predict.
 */
export function rectifiedFlow(options: { m?: number; s?: number } = {}): Objective {
  const { m = 0, s = 1 } = options;
  const alpha = (t: number) => 1 - t;
  const sigma = (t: number) => t;
  return {
    name: 'rectified-flow',
    alpha,
    sigma,
    sampleTimesteps: logitNormalTimesteps(m, s),
    noisy: (x0, eps, t) => combine(alpha, x0, sigma, eps, t),
    target: (x0, eps) => tf.sub(eps, x0),
    loss: targetLoss,
    sampleLoss: targetSampleLoss,
    singularAtZero: false,
    modelTime,
    velocity: (output) => output.clone(),
    data: (output, x, t) => combine(() => 1, x, (u) => -u, output, t),
  };
}

// ---------------------------------------------------------------- v-prediction

/**
 * v-prediction on the cosine schedule α = cos(πt/2), σ = sin(πt/2) (ᾱ = cos²(πt/2), no
 * offset, so t = 1 is exactly noise). With φ = πt/2 the path is a rotation of (x0, ε), so
 * x̂0 = α·x_t − σ·v, ε̂ = σ·x_t + α·v and dx/dt = φ'·(α·ε̂ − σ·x̂0) = (π/2)·v.
 */
export function vPrediction(): Objective {
  const alpha = (t: number) => (t >= 1 ? 0 : Math.cos((Math.PI / 2) * t)); // exact 0 at t = 1
  const sigma = (t: number) => Math.sin((Math.PI / 2) * t);
  return {
    name: 'v-prediction',
    alpha,
    sigma,
    sampleTimesteps: (batch, rng) => Float32Array.from({ length: batch }, () => rng.next()),
    noisy: (x0, eps, t) => combine(alpha, x0, sigma, eps, t),
    target: (x0, eps, t) => combine((u) => -sigma(u), x0, alpha, eps, t),
    loss: targetLoss,
    sampleLoss: targetSampleLoss,
    singularAtZero: false,
    modelTime,
    velocity: (output) => tf.mul(output, Math.PI / 2),
    data: (output, x, t) => combine(alpha, x, (u) => -sigma(u), output, t),
  };
}

/** Below this t the x-prediction velocity divides by X_PREDICTION_MIN_T instead (JiT's clip). */
export const X_PREDICTION_MIN_T = 0.05;

/**
 * x-prediction (JiT, Li & He 2025, "Back to Basics: Let Denoising Generative Models
 * Denoise"): rectified flow's straight paths, but the network outputs the clean video x̂0
 * and the velocity is derived from it, v̂ = (x_t − x̂0)/t. With big tubelets a token carries
 * as many values as its width (4·4·4·3 = 192 here), and predicting ε or v then asks the
 * network to pass per-pixel noise through unchanged; predicting x0 asks only for the clean,
 * low-dimensional video, which trains far faster. The loss is taken on velocities as in JiT
 * (with t clipped at X_PREDICTION_MIN_T), and times are logit-normal shifted toward noise
 * (mean 0.8, std 0.8: JiT's −0.8 in its t = 1-is-data convention).
 */
export function xPrediction(options: { m?: number; s?: number } = {}): Objective {
  const { m = 0.8, s = 0.8 } = options;
  const alpha = (t: number) => 1 - t;
  const sigma = (t: number) => t;
  /** (x − x̂0)/max(t, floor) per sample: the velocity of the straight path through x and x̂0. */
  const velocityWith = (floor: number) => (output: tf.Tensor, x: tf.Tensor, t: Time) =>
    combine((u) => 1 / Math.max(u, floor), x, (u) => -1 / Math.max(u, floor), output, t);
  // Sampling reads the exact velocity (samplers never evaluate at t = 0: see singularAtZero);
  // training clips t as JiT does, so the loss's weight 1/t² stays bounded.
  const velocity = velocityWith(Number.MIN_VALUE);
  const trainingVelocity = velocityWith(X_PREDICTION_MIN_T);
  return {
    name: 'x-prediction',
    alpha,
    sigma,
    sampleTimesteps: logitNormalTimesteps(m, s),
    noisy: (x0, eps, t) => combine(alpha, x0, sigma, eps, t),
    target: (x0) => x0.clone(),
    loss: (output, x0, eps, xt, t, weight) =>
      tf.tidy(() => {
        const trueVelocity = trainingVelocity(x0, xt, t); // (x_t − x0)/max(t, t_min): ε − x0 where t ≥ t_min
        return meanOf(tf.square(tf.sub(trainingVelocity(output, xt, t), trueVelocity)), weight);
      }),
    sampleLoss: (output, x0, eps, xt, t) =>
      tf.tidy(() => perSampleMean(tf.square(tf.sub(trainingVelocity(output, xt, t), trainingVelocity(x0, xt, t))))),
    singularAtZero: true,
    modelTime,
    velocity,
    data: (output) => output.clone(),
  };
}

/** The logit-normal timestep distribution t = sigmoid(m + s·z) of rectified flow and x-prediction. */
export interface LogitNormal {
  /** Mean of the logit: > 0 trains more at high noise, where a video's layout and motion are decided. */
  m: number;
  /** Standard deviation of the logit. */
  s: number;
}

/**
 * The objective called `name` (rectified flow with SD3's logit-normal defaults, x-prediction
 * with JiT's), with its training timesteps drawn from `timesteps` when given.
 */
export function createObjective(name: string, timesteps?: LogitNormal): Objective {
  if (timesteps && !(Number.isFinite(timesteps.m) && Number.isFinite(timesteps.s) && timesteps.s > 0)) {
    throw new UserError(`timestep logit-normal needs a finite mean and a positive std, got m=${timesteps.m}, s=${timesteps.s}`);
  }
  if (name === 'rectified-flow') return rectifiedFlow(timesteps);
  if (name === 'v-prediction') {
    if (timesteps) throw new UserError('v-prediction samples timesteps uniformly: --logit-mean/--logit-std apply to rectified-flow and x-prediction only');
    return vPrediction();
  }
  if (name === 'x-prediction') return xPrediction(timesteps);
  throw new UserError(`unknown objective "${name}" (expected one of: ${OBJECTIVE_NAMES.join(', ')})`);
}
