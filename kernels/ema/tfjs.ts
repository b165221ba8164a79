/**
 * One EMA update of one parameter tensor in tfjs, `ema·d + p·(1 − d)`: `emaUpdate` runs
 * the backend's fused kernel (native.ts, the `native` backend) for float32 where it is
 * registered, else `emaUpdateOps`, the same math from 3 stock ops (two products and their
 * sum, as src/train/ema.ts always ran it), on every backend. Both perform the same float32
 * operations in the same order from the same float32 constants, so their results are
 * bit-identical: an EMA (and a checkpoint of it) does not depend on which one ran.
 *
 *   shadow.assign(emaUpdate(shadow, p, d, { inPlace: true }));
 */
import * as tf from '@tensorflow/tfjs';
import { EMA_KERNEL, type EmaAttrs } from './native.js';

/**
 * The updated average. `inPlace: true` is a promise that the caller replaces `average` by
 * the result (as Ema.update assigns it to its variable): the fused kernel may then write
 * into its buffer where no other tensor shares it.
 */
export function emaUpdate(average: tf.Tensor, p: tf.Tensor, decay: number, options: { inPlace?: boolean } = {}): tf.Tensor {
  const fused = average.dtype === 'float32' && p.dtype === 'float32' && tf.getKernel(EMA_KERNEL, tf.getBackend()) !== undefined;
  if (!fused) return emaUpdateOps(average, p, decay);
  const attrs: EmaAttrs = { decay, oneMinusDecay: 1 - decay, inPlace: options.inPlace ?? false };
  return tf.engine().runKernel(EMA_KERNEL, { s: average, p }, attrs) as tf.Tensor;
}

/** The update from stock tfjs ops (every backend). */
export function emaUpdateOps(average: tf.Tensor, p: tf.Tensor, decay: number): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(average, decay), tf.mul(p, 1 - decay)));
}
