/**
 * The layers the DiT (src/model/dit.ts) and the text encoder (src/text/encoder.ts) are
 * made of, as tfjs ops; src/onnx/layers.ts writes the same ops as ONNX nodes.
 *
 *   const h = gelu(linear(layerNorm(x, 1e-5, block.norm2), block.fc1)); // [B, N, rD]
 *
 * A linear weight is [out, in] as in PyTorch, so checkpoints map one to one.
 * Shapes: B batch, N queries, M keys, D width, h heads.
 */
import * as tf from '@tensorflow/tfjs';
import { biasGelu } from '../../kernels/gelu/tfjs.js';

/** A linear layer's parameters: weight [out, in], bias [out]. Also a LayerNorm's scale and shift ([D] each). */
export interface Affine<P = tf.Tensor> {
  weight: P;
  bias: P;
}

/** y = x·Wᵀ + b on the last axis. */
export function linear(x: tf.Tensor, { weight, bias }: Affine): tf.Tensor {
  const [out, inp] = weight.shape;
  const lead = x.shape.slice(0, -1);
  const y = tf.add(tf.matMul(tf.reshape(x, [-1, inp]), weight, false, true), bias); // [M, out]
  return tf.reshape(y, [...lead, out]);
}

/** gelu(linear(x)), with the bias add and GELU in one pass where the backend has it (kernels/gelu); the same values. */
export function linearGelu(x: tf.Tensor, { weight, bias }: Affine): tf.Tensor {
  const [out, inp] = weight.shape;
  const lead = x.shape.slice(0, -1);
  const y = biasGelu(tf.matMul(tf.reshape(x, [-1, inp]), weight, false, true), bias); // [M, out]
  return tf.reshape(y, [...lead, out]);
}

/** LayerNorm over the last axis; with `affine`, its learned scale (weight) and shift (bias) after. */
export function layerNorm(x: tf.Tensor, epsilon: number, affine?: Affine): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
  return affine ? tf.add(tf.mul(normed, affine.weight), affine.bias) : normed;
}

/** GELU, tanh approximation, as x·σ(2·√(2/π)·(x + 0.044715x³)): kernels/gelu (fused on `native`, tfjs ops elsewhere). */
export { gelu } from '../../kernels/gelu/tfjs.js';

export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/**
 * Multi-head attention on the projections' own token-major layout (kernels/attention):
 * selfAttention(qkv [B, N, 3D], heads, { mask }) and crossAttention(q [B, N, D],
 * kv [B, M, 2D], heads, { mask }) → [B, N, D]; mask [B, M] (1 = key kept) drops padded keys.
 */
export { crossAttention, selfAttention } from '../../kernels/attention/tfjs.js';
