/**
 * Seeded Gaussian noise made in JavaScript, not by the backend, so the starting noise of a
 * sample is the same bytes on every backend and every machine: a seed picks the video.
 *
 *   const eps = gaussian([2, 3, 16, 32, 32], Rng.from('spacetime-noise/1'));
 *   const grid = noiseForSeeds([3, 16, 32, 32], [1, 2, 3, 4]); // [4, 3, 16, 32, 32]
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../base/rng.js';

/** Any seeded uniform source on [0, 1) (the world's `Rng` is one). */
export interface RandomSource {
  next(): number;
}

/** Fill `out` with standard normals by the Box–Muller transform, two per pair of uniforms. */
export function fillGaussian(out: Float32Array, rng: RandomSource): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - rng.next())); // 1 − u ∈ (0, 1]: never log(0)
    const angle = 2 * Math.PI * rng.next();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < out.length) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

/** A tensor of standard normals of `shape`, drawn from `rng`. */
export function gaussian(shape: readonly number[], rng: RandomSource): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(fillGaussian(new Float32Array(size), rng), [...shape]);
}

/**
 * Noise [K, ...itemShape] where item k is drawn from seed `seeds[k]` alone, so a video's
 * noise does not depend on which batch or grid it was generated in.
 */
export function noiseForSeeds(itemShape: readonly number[], seeds: readonly number[]): tf.Tensor {
  const itemSize = itemShape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(itemSize * seeds.length);
  seeds.forEach((seed, k) => fillGaussian(values.subarray(k * itemSize, (k + 1) * itemSize), Rng.from(`spacetime-noise/${seed}`)));
  return tf.tensor(values, [seeds.length, ...itemShape]);
}
