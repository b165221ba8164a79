// The shared layers against plain loops: linear (PyTorch [out, in] weights), LayerNorm with
// and without scale and shift, the tanh GELU, and multi-head attention's head split and merge.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { crossAttention, gelu, layerNorm, linear, selfAttention, silu } from './layers.js';

await tf.setBackend('cpu');

const close = (got: tf.Tensor, want: number[], tol = 1e-5) => Array.from(got.dataSync()).forEach((g, i) => expect(Math.abs(g - want[i]), `at ${i}`).toBeLessThan(tol));
const seq = (n: number, f = (i: number) => Math.sin(i + 1)) => Array.from({ length: n }, (_, i) => f(i));

describe('layers', () => {
  it('linear: y = x·Wᵀ + b on the last axis of any rank, W [out, in]', () => {
    const [x, w, b] = [seq(2 * 3 * 4), seq(5 * 4, Math.cos), seq(5, (i) => i)];
    const want = Array.from({ length: 2 * 3 * 5 }, (_, r) => {
      const [row, o] = [Math.floor(r / 5), r % 5];
      return b[o] + seq(4).reduce((s, _, i) => s + x[row * 4 + i] * w[o * 4 + i], 0);
    });
    const y = linear(tf.tensor3d(x, [2, 3, 4]), { weight: tf.tensor2d(w, [5, 4]), bias: tf.tensor1d(b) });
    expect(y.shape).toEqual([2, 3, 5]);
    close(y, want);
  });

  it('layerNorm: zero mean, unit variance per row, then the affine scale and shift', () => {
    const x = tf.tensor2d([1, 2, 3, 4, -2, 0, 0, 10], [2, 4]);
    const row = [1, 2, 3, 4].map((v) => (v - 2.5) / Math.sqrt(1.25 + 1e-5));
    close(tf.slice(layerNorm(x, 1e-5), [0, 0], [1, 4]), row);
    const affine = { weight: tf.tensor1d([1, 2, 3, 4]), bias: tf.tensor1d([0, 1, 0, -1]) };
    close(tf.slice(layerNorm(x, 1e-5, affine), [0, 0], [1, 4]), row.map((v, i) => v * (i + 1) + [0, 1, 0, -1][i]));
  });

  it('gelu is the tanh approximation; silu is x·σ(x)', () => {
    const xs = [-3, -1, 0, 0.5, 2];
    close(gelu(tf.tensor1d(xs)), xs.map((x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))));
    close(silu(tf.tensor1d(xs)), xs.map((x) => x / (1 + Math.exp(-x))));
  });

  /** Per head, per query: softmax over the kept keys of q·k/√d, times v ([B, N, D] out, heads side by side). */
  function attentionByHand(q: number[], k: number[], v: number[], mask: number[], [B, N, M, D, h]: number[]): number[] {
    const d = D / h;
    const want: number[] = [];
    for (let b = 0; b < B; b++)
      for (let i = 0; i < N; i++)
        for (let head = 0; head < h; head++) {
          const keys = seq(M, (j) => j).filter((j) => mask[b * M + j]);
          const s = keys.map((j) => seq(d, (c) => q[(b * N + i) * D + head * d + c] * k[(b * M + j) * D + head * d + c]).reduce((a, x) => a + x) / Math.sqrt(d));
          const p = s.map((x) => Math.exp(x - Math.max(...s)));
          const sum = p.reduce((a, x) => a + x);
          for (let c = 0; c < d; c++) want.push(keys.reduce((a, j, n) => a + (p[n] / sum) * v[(b * M + j) * D + head * d + c], 0));
        }
    return want;
  }

  it('crossAttention: each head attends over its own D/h channels of q and of the packed kv; masked keys get no weight', () => {
    const [B, N, M, D, h] = [2, 3, 4, 6, 2];
    const [q, k, v] = [seq(B * N * D), seq(B * M * D, Math.cos), seq(B * M * D, (i) => (i % 7) - 3)];
    const mask = [1, 1, 0, 1, 1, 0, 0, 0];
    const kv = tf.concat([tf.tensor3d(k, [B, M, D]), tf.tensor3d(v, [B, M, D])], 2); // [B, M, 2D]: k, then v
    const out = crossAttention(tf.tensor3d(q, [B, N, D]), kv, h, { mask: tf.tensor2d(mask, [B, M]) });
    expect(out.shape).toEqual([B, N, D]);
    close(out, attentionByHand(q, k, v, mask, [B, N, M, D, h]));
    expect(() => crossAttention(tf.zeros([B, N, D]), tf.zeros([B, M, D]), h)).toThrow(/kv \[B, M, 2·heads·d\]/);
  });

  it('selfAttention: q, k, v side by side in one packed [B, N, 3D], heads within each', () => {
    const [B, N, D, h] = [2, 4, 6, 3];
    const [q, k, v] = [seq(B * N * D, Math.sin), seq(B * N * D, Math.cos), seq(B * N * D, (i) => (i % 5) - 2)];
    const mask = [1, 0, 1, 1, 1, 1, 0, 1];
    const qkv = tf.concat([tf.tensor3d(q, [B, N, D]), tf.tensor3d(k, [B, N, D]), tf.tensor3d(v, [B, N, D])], 2); // [B, N, 3D]
    close(selfAttention(qkv, h, { mask: tf.tensor2d(mask, [B, N]) }), attentionByHand(q, k, v, mask, [B, N, N, D, h]));
    close(selfAttention(qkv, h), attentionByHand(q, k, v, seq(B * N, () => 1), [B, N, N, D, h]));
    expect(() => selfAttention(tf.zeros([N, 3 * D]), h)).toThrow(/qkv must be \[B, N, 3·heads·d\]/);
  });
});
