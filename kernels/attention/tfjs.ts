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
 * A transformer's projections give token-major tensors with the heads side by side;
 * selfAttention() and crossAttention() take them as they are (a packed qkv, or q and a
 * packed kv) and return [B, N, h·d]: the fused kernel reads and writes them in place,
 * and tfjs ops split and merge the heads around attention() elsewhere.
 *
 *   const o = selfAttention(qkv, heads);                // qkv [B, N, 3·h·d] → [B, N, h·d]
 *   const c = crossAttention(q, kv, heads, { mask });   // q [B, N, h·d], kv [B, M, 2·h·d]
 *
 * All heads go through one batched matMul over [B·h] (no per-head loop). A padded key
 * gets a finite bias of −1e9 before the softmax, so it gets exactly zero weight where any
 * key is kept. Where every key of a batch entry is padded the softmax is uniform instead
 * (−1e9 is finite, so no NaN, unlike −∞), and the output is then multiplied by zero:
 * zeros out, zero gradients, as in the reference.
 */
import * as tf from '@tensorflow/tfjs';
import { ATTENTION_KERNEL, ATTENTION_TOKENS_KERNEL } from './native.js';
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
    const inputs = mask ? [q, k, v, float32(mask)] : [q, k, v];
    // An array of inputs (not a map) so the mask can be absent; lse is only for the gradient.
    const [out] = tf.engine().runKernel(ATTENTION_KERNEL, inputs as unknown as tf.NamedTensorMap, { scale }) as tf.Tensor[];
    return out as tf.Tensor4D;
  });
}

/** Multi-head self-attention over qkv [B, N, 3·h·d] (q, k, v side by side, heads within each) → [B, N, h·d]; mask [B, N] on keys. */
export function selfAttention(qkv: tf.Tensor, heads: number, options: AttentionOptions = {}): tf.Tensor3D {
  const [B, N, width] = qkv.shape;
  if (qkv.rank !== 3 || width % (3 * heads) !== 0) {
    throw new Error(`selfAttention: qkv must be [B, N, 3·heads·d], got [${qkv.shape}] for ${heads} heads`);
  }
  const D = width / 3;
  return tokenAttention([qkv], 'qkv', heads, D, options, () => {
    const [q, k, v] = tf.split(qkv, 3, 2); // 3 × [B, N, D]
    return [splitHeads(q, heads), splitHeads(k, heads), splitHeads(v, heads)];
  });
}

/** Multi-head attention from q [B, N, h·d] to kv [B, M, 2·h·d] (k, v side by side) → [B, N, h·d]; mask [B, M] on keys. */
export function crossAttention(q: tf.Tensor, kv: tf.Tensor, heads: number, options: AttentionOptions = {}): tf.Tensor3D {
  const [B, , D] = q.shape;
  if (q.rank !== 3 || kv.rank !== 3 || kv.shape[0] !== B || kv.shape[2] !== 2 * D || D % heads !== 0) {
    throw new Error(`crossAttention: q must be [B, N, heads·d] and kv [B, M, 2·heads·d], got [${q.shape}] and [${kv.shape}] for ${heads} heads`);
  }
  return tokenAttention([q, kv], 'kv', heads, D, options, () => {
    const [k, v] = tf.split(kv, 2, 2); // 2 × [B, M, D]
    return [splitHeads(q, heads), splitHeads(k, heads), splitHeads(v, heads)];
  });
}

/** [B, n, h·d] → [B, h, n, d]. */
function splitHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  const [B, n, D] = x.shape;
  return tf.transpose(tf.reshape(x, [B, n, heads, D / heads]), [0, 2, 1, 3]);
}

/** The fused token-major kernel where registered, else attention() between a head split and merge. */
function tokenAttention(
  inputs: tf.Tensor[], packed: 'qkv' | 'kv', heads: number, D: number, options: AttentionOptions,
  split: () => [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D],
): tf.Tensor3D {
  const [B, N] = inputs[0].shape;
  if (!tf.getKernel(ATTENTION_TOKENS_KERNEL, tf.getBackend())) {
    return tf.tidy(() => {
      const [q, k, v] = split();
      const o = attention(q, k, v, options); // [B, h, N, d]
      return tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [B, N, D]) as tf.Tensor3D; // [B, N, D]
    });
  }
  const M = packed === 'qkv' ? N : (inputs[1].shape[1] as number);
  const { mask } = options;
  const d = D / heads;
  const scale = checkedScale(attentionDims([B, heads, N, d], [B, heads, M, d], [B, heads, M, d], mask?.shape), options.scale);
  return tf.tidy(() => {
    const all = mask ? [...inputs, float32(mask)] : inputs;
    const [out] = tf.engine().runKernel(ATTENTION_TOKENS_KERNEL, all as unknown as tf.NamedTensorMap, { heads, scale, packed }) as tf.Tensor[];
    return out as tf.Tensor3D;
  });
}

/** The fused kernels take the mask as float32 (0 = padded key). */
function float32(mask: tf.Tensor): tf.Tensor {
  return mask.dtype === 'float32' ? mask : tf.cast(mask, 'float32');
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

