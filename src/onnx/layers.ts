/**
 * The layers the DiT (src/model/dit.ts), the text encoder (src/text/encoder.ts) and the VAE
 * (src/model/vae.ts) are made of, as ONNX nodes computing the same thing their tfjs ops
 * (src/nn/layers.ts) do, op for op:
 *
 *   linear      x·Wᵀ + b           MatMul with Wᵀ stored [in, out], Add
 *   layerNorm   (x − μ)/√(σ² + ε)  LayerNormalization (opset 17), affine or not
 *   gelu        x·σ(2·√(2/π)·(x + 0.044715x³)), the tanh approximation as both models write it
 *   silu        x·σ(x)
 *   attention   multi-head scaled dot-product attention, padded keys biased by −1e9
 *               (kernels/attention/tfjs.ts, MASKED_SCORE_BIAS), zero output where every key is padded
 *
 * Shapes: B batch (dynamic), N queries, M keys, D width, h heads.
 */
import type * as tf from '@tensorflow/tfjs';
import { MASKED_SCORE_BIAS } from '../../kernels/attention/tfjs.js';
import { type GraphBuilder } from './graph.js';
import { DataType } from './proto.js';

/** A tfjs weight's values (a copy, so the tensor may be disposed afterwards). */
export function valuesOf(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}

/** W [out, in] → Wᵀ [in, out], row-major. */
export function transposed(w: Float32Array, out: number, inp: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) t[i * out + o] = w[o * inp + i];
  return t;
}

/** y = x·Wᵀ + b on the last axis, with the parameters `${name}.weight` [out, in] and `${name}.bias` [out]. */
export function linear(g: GraphBuilder, params: Record<string, tf.Tensor>, name: string, x: string): string {
  const w = params[`${name}.weight`];
  const b = params[`${name}.bias`];
  if (!w || !b) throw new Error(`onnx export: missing parameter ${name}`);
  const [out, inp] = w.shape;
  const wt = g.weight(`${name}.weight.T`, transposed(valuesOf(w), out, inp), [inp, out]);
  return g.op('Add', [g.op('MatMul', [x, wt]), g.weight(`${name}.bias`, valuesOf(b), [out])]);
}

/** LayerNorm over the last axis of width `width`; scale and shift are the learned ones, or 1 and 0. */
export function layerNorm(g: GraphBuilder, x: string, width: number, epsilon: number, affine?: { scale: string; bias: string }): string {
  const scale = affine?.scale ?? g.filled(1, width);
  const bias = affine?.bias ?? g.filled(0, width);
  return g.op('LayerNormalization', [x, scale, bias], { axis: { int: -1 }, epsilon: { float: epsilon } });
}

/** GELU as x·σ(2·√(2/π)·(x + 0.044715·x³)), the same float32 operations as the tfjs models. */
export function gelu(g: GraphBuilder, x: string): string {
  const cube = g.op('Mul', [g.op('Mul', [x, x]), x]);
  const inner = g.op('Mul', [g.op('Add', [x, g.op('Mul', [cube, g.scalar(0.044715)])]), g.scalar(2 * Math.sqrt(2 / Math.PI))]);
  return g.op('Mul', [x, g.op('Sigmoid', [inner])]);
}

export function silu(g: GraphBuilder, x: string): string {
  return g.op('Mul', [x, g.op('Sigmoid', [x])]);
}

/** keep [B, M] = 1 where mask ≠ 0, as the attention kernel reads a mask. */
export function keepOf(g: GraphBuilder, mask: string): string {
  return g.op('Cast', [g.op('Not', [g.op('Equal', [mask, g.scalar(0)])])], { to: { int: DataType.FLOAT } });
}

/**
 * Multi-head attention from q [B, N, D] to k, v [B, M, D] with `heads` heads, scale 1/√(D/h);
 * `keep` [B, M] (1 = key kept) drops padded keys as kernels/attention/tfjs.ts does.
 */
export function multiHeadAttention(g: GraphBuilder, q: string, k: string, v: string, width: number, heads: number, keep?: string): string {
  const d = width / heads;
  const split = g.int64s([0, -1, heads, d]); // [B, n, h, d]
  const qh = g.op('Transpose', [g.op('Reshape', [q, split])], { perm: { ints: [0, 2, 1, 3] } }); // [B, h, N, d]
  const kt = g.op('Transpose', [g.op('Reshape', [k, split])], { perm: { ints: [0, 2, 3, 1] } }); // [B, h, d, M]
  const vh = g.op('Transpose', [g.op('Reshape', [v, split])], { perm: { ints: [0, 2, 1, 3] } }); // [B, h, M, d]
  let scores = g.op('MatMul', [g.op('Mul', [qh, g.scalar(1 / Math.sqrt(d))]), kt]); // [B, h, N, M]
  if (keep) {
    const bias = g.op('Mul', [g.op('Sub', [g.scalar(1), keep]), g.scalar(MASKED_SCORE_BIAS)]); // [B, M], 0 or −1e9
    scores = g.op('Add', [scores, g.op('Unsqueeze', [bias, g.int64s([1, 2])])]); // + [B, 1, 1, M]
  }
  let out = g.op('MatMul', [g.op('Softmax', [scores], { axis: { int: -1 } }), vh]); // [B, h, N, d]
  if (keep) {
    const anyKept = g.op('ReduceMax', [keep], { axes: { ints: [1] }, keepdims: { int: 1 } }); // [B, 1]
    out = g.op('Mul', [out, g.op('Unsqueeze', [anyKept, g.int64s([2, 3])])]); // × [B, 1, 1, 1]
  }
  const merged = g.op('Transpose', [out], { perm: { ints: [0, 2, 1, 3] } }); // [B, N, h, d]
  return g.op('Reshape', [merged, g.int64s([0, 0, width])]); // [B, N, D]
}
