/**
 * Euler: one model evaluation per step, first order. x_{t'} = x_t + (t' − t)·v(x_t, t).
 * On rectified flow the paths are nearly straight, so this is the plain, robust default.
 */
import * as tf from '@tensorflow/tfjs';
import { uniformTimesteps, type ProbabilityFlow, type Sampler } from './sampler.js';

export class EulerSampler implements Sampler {
  readonly name = 'euler';

  setTimesteps(steps: number): number[] {
    return uniformTimesteps(steps);
  }

  step(flow: ProbabilityFlow, x: tf.Tensor, t: number, tNext: number): tf.Tensor {
    const { velocity } = flow.predict(x, t);
    return tf.add(x, tf.mul(velocity, tNext - t));
  }

  reset(): void {}
}
