/**
 * GELU (tanh approximation) in tfjs: `gelu` runs the backend's fused kernel (native.ts,
 * the `native` backend) for float32 where it is registered, else `geluOps`, the stock ops
 * the model always used (x·σ(2√(2/π)·(x + 0.044715x³)): 5 multiplies, an add and a
 * sigmoid forward, about twice that backward), which run and differentiate on every
 * backend. On `native` the fused forward performs the ops' float32 operations in their
 * order with the same sigmoid, so its values are the ops' bit for bit; its gradient is the
 * closed form (reference.ts), equal to the ops' autodiff to float32 rounding.
 *
 *   const h = gelu(linear(x, fc1)); // any shape
 *   const h2 = biasGelu(tf.matMul(x, w), b); // gelu(x·w + b), b [N] on the last axis: one pass on native
 */
import * as tf from '@tensorflow/tfjs';
import { BIAS_GELU_KERNEL, GELU_KERNEL } from './native.js';
import { GELU_C, GELU_K } from './reference.js';

export function gelu(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32' || !tf.getKernel(GELU_KERNEL, tf.getBackend())) return geluOps(x);
  return tf.engine().runKernel(GELU_KERNEL, { x }) as tf.Tensor;
}

/** The same from stock tfjs ops (every backend; autodiff). */
export function geluOps(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), GELU_C)), GELU_K);
    return tf.mul(x, tf.sigmoid(inner));
  });
}

/**
 * gelu(x + bias), bias [N] broadcast over x's last axis (a linear layer's bias add, then
 * GELU): the fused kernel in one pass where the backend has it, else `tf.add` then `gelu`.
 * The same values either way (the fused forward adds, then takes gelu's float32 steps), and
 * the same bias gradient (summed by the same Sum as tf.add's gradient).
 */
export function biasGelu(x: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const fits = bias.rank === 1 && x.rank >= 1 && bias.shape[0] === x.shape[x.rank - 1];
  if (!fits || x.dtype !== 'float32' || bias.dtype !== 'float32' || !tf.getKernel(BIAS_GELU_KERNEL, tf.getBackend())) {
    return tf.tidy(() => gelu(tf.add(x, bias)));
  }
  return tf.engine().runKernel(BIAS_GELU_KERNEL, { x, bias }) as tf.Tensor;
}
