/**
 * One AdamW update of one parameter tensor in tfjs: `adamwUpdate` runs the backend's fused
 * kernel (native.ts, the `native` backend) for float32 where it is registered, else
 * `adamwUpdateOps`, the same math from 15 stock element-wise ops, which runs on every
 * backend. Both perform the same float32 operations in the same order (constants.ts,
 * reference.ts), so their results are bit-identical.
 *
 *   const c = adamwConstants({ ...options, lr, step });
 *   const next = adamwUpdate({ p, m, v }, g, c); // { p, m, v }: new tensors (or, with inPlace, reused buffers)
 */
import * as tf from '@tensorflow/tfjs';
import { type AdamWConstants, constantsList } from './constants.js';
import { ADAMW_KERNEL, type AdamWAttrs } from './native.js';
import type { AdamWArrays } from './reference.js';

export type AdamWTensors = AdamWArrays<tf.Tensor>;

/** True when the active backend has the fused kernel for these tensors. */
export function hasFusedAdamW(state: AdamWTensors, g: tf.Tensor): boolean {
  return [state.p, state.m, state.v, g].every((t) => t.dtype === 'float32') && tf.getKernel(ADAMW_KERNEL, tf.getBackend()) !== undefined;
}

/**
 * The updated { p, m, v } after gradient `g`. `inPlace: true` is a promise that the caller
 * replaces p, m and v by the results (as AdamW.step does with its variables): the fused
 * kernel may then write into their buffers where no other tensor shares them.
 */
export function adamwUpdate(state: AdamWTensors, g: tf.Tensor, c: AdamWConstants, options: { inPlace?: boolean } = {}): AdamWTensors {
  if (!hasFusedAdamW(state, g)) return adamwUpdateOps(state, g, c);
  const attrs: AdamWAttrs = { constants: constantsList(c), inPlace: options.inPlace ?? false };
  const [p, m, v] = tf.engine().runKernel(ADAMW_KERNEL, { p: state.p, m: state.m, v: state.v, g }, attrs) as tf.Tensor[];
  return { p, m, v };
}

/** The update from stock tfjs ops (every backend; autodiff-free). */
export function adamwUpdateOps(state: AdamWTensors, g: tf.Tensor, c: AdamWConstants): AdamWTensors {
  return tf.tidy(() => {
    const m = tf.add(tf.mul(state.m, c.beta1), tf.mul(g, c.oneMinusBeta1));
    const v = tf.add(tf.mul(state.v, c.beta2), tf.mul(tf.square(g), c.oneMinusBeta2));
    // p ← p·(1 − lr·wd) − lr · m̂ / (√v̂ + eps)
    const step = tf.div(tf.div(m, c.biasCorrection1), tf.add(tf.sqrt(tf.div(v, c.biasCorrection2)), c.eps));
    const p = tf.sub(tf.mul(state.p, c.decay), tf.mul(step, c.lr));
    return { p, m, v };
  });
}
