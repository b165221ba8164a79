/**
 * Scaled dot-product attention from stock tfjs ops: the path every tfjs backend can run
 * (cpu, wasm, tfjs-node, tfjs-node-gpu), differentiable by tfjs's autodiff. reference.ts
 * holds the float64 loops it is checked against. Where the active backend has the fused
 * kernel registered (`native`, see native.ts) attention() calls that instead: the same
 * function, values and gradients, without the [B·h, N, Nk] scores and probabilities.
 *
 *   const out = attention(q, k, v);                     // q [B, h, N, d], k/v [B, h, Nk, d] → [B, h, N, d]
 *   const padded = attention(q, k, v, { mask });        // mask [B, Nk]: 0 = padded key
 *   const [dq, dk, dv] = tf.grads((q, k, v) => attention(q, k, v))([q, k, v], dOut);
 *
 * All heads go through one batched matMul over [B·h] (no per-head loop). A padded key
 * gets a finite bias of −1e9 before the softmax, so it gets exactly zero weight where any
 * key is kept. Where every key of a batch entry is padded the softmax is uniform instead
 * (−1e9 is finite, so no NaN, unlike −∞), and the output is then multiplied by zero:
 * zeros out, zero gradients, as in the reference.
 */
import * as tf from '@tensorflow/tfjs';
import { ATTENTION_KERNEL } from './native.js';
import { type AttentionDims, attentionDims, defaultScale } from './shape.js';

export interface AttentionOptions {
  /** [B, Nk]: 0 = padded key (left out of the softmax), anything else = keep. Any dtype. */
  mask?: tf.Tensor;
  /** Multiplies q·kᵀ before the softmax; default 1/√d. */
  scale?: number;
}

/** Added to a padded key's score: exp(−1e9 + s − max) underflows to exactly 0 in float32. */
export const MASKED_SCORE_BIAS = -1e9;

export function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: AttentionOptions = {}): tf.Tensor4D {
  if (!tf.getKernel(ATTENTION_KERNEL, tf.getBackend())) return attentionFromOps(q, k, v, options);
  const { mask } = options;
  const scale = checkedScale(attentionDims(q.shape, k.shape, v.shape, mask?.shape), options.scale);
  return tf.tidy(() => {
    const inputs = mask ? [q, k, v, mask.dtype === 'float32' ? mask : tf.cast(mask, 'float32')] : [q, k, v];
    // An array of inputs (not a map) so the mask can be absent; lse is only for the gradient.
    const [out] = tf.engine().runKernel(ATTENTION_KERNEL, inputs as unknown as tf.NamedTensorMap, { scale }) as tf.Tensor[];
    return out as tf.Tensor4D;
  });
}

function checkedScale(dims: AttentionDims, scale = defaultScale(dims)): number {
  if (!Number.isFinite(scale)) throw new Error(`attention: scale must be finite, got ${scale}`);
  return scale;
}

/** attention() from tfjs ops on any backend (what attention() runs where no fused kernel is registered). */
export function attentionFromOps(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: AttentionOptions = {}): tf.Tensor4D {
  const { mask } = options;
  const dims = attentionDims(q.shape, k.shape, v.shape, mask?.shape);
  const scale = checkedScale(dims, options.scale);
  const { batch: B, heads: h, queries: N, keys: Nk, headDim: d } = dims;

  return tf.tidy(() => {
    // Scaling q (N·d values) is cheaper than scaling the scores (N·Nk).
    const qs = tf.mul(tf.reshape(q, [B * h, N, d]), scale); // [B·h, N, d]
    const k3 = tf.reshape(k, [B * h, Nk, d]); // [B·h, Nk, d]
    const v3 = tf.reshape(v, [B * h, Nk, d]); // [B·h, Nk, d]
    const scores = tf.matMul(qs, k3, false, true); // [B·h, N, Nk]
    if (!mask) {
      const p = tf.softmax(scores); // [B·h, N, Nk]
      return tf.reshape(tf.matMul(p, v3), [B, h, N, d]); // [B, h, N, d]
    }
    const keep = tf.cast(tf.notEqual(mask, 0), 'float32'); // [B, Nk], 1 = keep
    const bias = tf.mul(tf.sub(1, keep), MASKED_SCORE_BIAS); // [B, Nk], 0 or −1e9
    const biased = tf.add(tf.reshape(scores, [B, h * N, Nk]), tf.reshape(bias, [B, 1, Nk])); // [B, h·N, Nk]
    const p = tf.reshape(tf.softmax(biased), [B * h, N, Nk]); // [B·h, N, Nk]
    const out = tf.reshape(tf.matMul(p, v3), [B, h * N * d]); // [B, h·N·d]
    const anyKept = tf.max(keep, 1, true); // [B, 1], 0 where every key is padded
    return tf.reshape(tf.mul(out, anyKept), [B, h, N, d]); // [B, h, N, d]
  });
}

