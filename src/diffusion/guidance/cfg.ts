/**
 * Classifier-free guidance (Ho & Salimans 2022): uncond + g·(cond − uncond), on the model's
 * raw output. Every reading a sampler takes is affine in the output, so guiding the velocity
 * or x̂0 would be the same thing; the raw output keeps the loop's ops what they always were.
 */
import * as tf from '@tensorflow/tfjs';
import type { Guidance } from './guidance.js';

export function cfg(scale: number): Guidance {
  return {
    name: 'cfg',
    space: 'output',
    guides: () => scale !== 1,
    combine: (c, u) => tf.add(u, tf.mul(tf.sub(c, u), scale)), // uncond + g·(cond − uncond)
    reset() {},
  };
}
