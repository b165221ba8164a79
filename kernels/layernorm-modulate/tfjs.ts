/**
 * DiT's adaLN, `y = LayerNorm(x)·(1 + scale) + shift` (LayerNorm over the last axis, no
 * affine), in tfjs: `layerNormModulate` runs the backend's fused kernel (native.ts, the
 * `native` backend) for float32 where it is registered, else `layerNormModulateOps`, the
 * stock ops the model always used (tf.moments, rsqrt, broadcast multiply and add), which
 * run and differentiate on every backend. reference.ts holds the float64 loops both are
 * checked against; they agree to float32 rounding, not bit for bit (the fused kernel
 * groups its sums differently).
 *
 *   const y = layerNormModulate(x, shift, scale, 1e-6); // x [B, N, D], shift/scale [B, D] → [B, N, D]
 */
import * as tf from '@tensorflow/tfjs';
import { LAYERNORM_MODULATE_KERNEL } from './native.js';
import { layerNormModulateDims } from './shape.js';

/** True when the active backend has the fused kernel for these tensors. */
export function hasFusedLayerNormModulate(...tensors: tf.Tensor[]): boolean {
  return tensors.every((t) => t.dtype === 'float32') && tf.getKernel(LAYERNORM_MODULATE_KERNEL, tf.getBackend()) !== undefined;
}

export function layerNormModulate(x: tf.Tensor, shift: tf.Tensor, scale: tf.Tensor, epsilon: number): tf.Tensor3D {
  layerNormModulateDims(x.shape, shift.shape, scale.shape);
  if (!hasFusedLayerNormModulate(x, shift, scale)) return layerNormModulateOps(x, shift, scale, epsilon);
  return tf.tidy(() => {
    // y, then the mean and 1/√(var + eps) only the gradient needs (the tidy releases them otherwise).
    const [y] = tf.engine().runKernel(LAYERNORM_MODULATE_KERNEL, { x, shift, scale }, { epsilon }) as tf.Tensor[];
    return y as tf.Tensor3D;
  });
}

/** The same from stock tfjs ops (every backend; autodiff): ~10 element-wise kernels and 2 means forward. */
export function layerNormModulateOps(x: tf.Tensor, shift: tf.Tensor, scale: tf.Tensor, epsilon: number): tf.Tensor3D {
  layerNormModulateDims(x.shape, shift.shape, scale.shape);
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true); // [B, N, 1] each
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))); // [B, N, D]
    return tf.add(tf.mul(normed, tf.add(tf.expandDims(scale, 1), 1)), tf.expandDims(shift, 1)) as tf.Tensor3D; // [B, N, D]
  });
}
