/**
 * Heun (explicit trapezoid, as in Karras et al. 2022, Alg. 1): an Euler predictor, then the
 * average of the velocities at both ends. Two model evaluations per step, second order.
 *
 *   x̃ = x_t + (t' − t)·v(x_t, t)
 *   x_{t'} = x_t + (t' − t)·(v(x_t, t) + v(x̃, t')) / 2
 *
 * Unlike EDM's denoiser form, a predicted velocity needs no division by σ, so the last step
 * to t = 0 is a full Heun step too — except for objectives whose velocity is derived from x̂0
 * by dividing by t (x-prediction): there the last step is Euler, as in EDM.
 */
import * as tf from '@tensorflow/tfjs';
import { uniformTimesteps, type ProbabilityFlow, type Sampler } from './sampler.js';

export class HeunSampler implements Sampler {
  readonly name = 'heun';

  setTimesteps(steps: number): number[] {
    return uniformTimesteps(steps);
  }

  step(flow: ProbabilityFlow, x: tf.Tensor, t: number, tNext: number): tf.Tensor {
    const dt = tNext - t;
    const v1 = flow.predict(x, t).velocity;
    if (tNext === 0 && flow.singularAtZero) return tf.add(x, tf.mul(v1, dt));
    const predicted = tf.add(x, tf.mul(v1, dt));
    const v2 = flow.predict(predicted, tNext).velocity;
    return tf.add(x, tf.mul(tf.add(v1, v2), dt / 2));
  }

  reset(): void {}
}
