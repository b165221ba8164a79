/**
 * The spacetime-patch diffusion transformer, read top to bottom:
 *
 *   embedders (timestep features, 3-D sin-cos positions) → block (adaLN-Zero self-attention,
 *   optional cross-attention to the text tokens, MLP) → final layer → the model.
 *
 * With `crossAttention: false` and the `bench` preset it is exactly
 * ../shared/bench/reference_dit.py (same parameter names, shapes and layout: a linear
 * weight is [out, in] as in PyTorch, so checkpoints map one to one).
 *
 *   const model = new DiT(resolveConfig('small'), 0);
 *   const v = model.forward(xt, t, { pooled, tokens, mask }); // [B, C, T, H, W]; the condition (Condition)
 *
 * Shapes: B batch, C channels, T×H×W video, N tokens, P = C·pt·ph·pw values per token,
 * D hidden, h heads, L text tokens, E text width.
 */
import * as tf from '@tensorflow/tfjs';
import { attention } from '../../kernels/attention/tfjs.js';
import { patchify, unpatchify } from '../../kernels/patch-embed/tfjs.js';
import type { DiTConfig } from './config.js';

/**
 * What the model is conditioned on, each tensor with the batch on axis 0 (so guidance can
 * stack and slice it): the prompt, from the text encoder. Given frames join it here when the
 * model learns to take them.
 */
export interface Condition {
  /** [B, E] pooled text embedding (feeds adaLN with the timestep). */
  pooled: tf.Tensor2D;
  /** [B, L, E] token embeddings, for cross-attention. */
  tokens?: tf.Tensor3D;
  /** [B, L] 1 = real token, 0 = padding. */
  mask?: tf.Tensor2D;
}

const LN_EPS = 1e-6;
const MAX_PERIOD = 10000;

// ---------------------------------------------------------------- embedders

/** Sinusoidal timestep features [B, F]: cos then sin, as in DiT. */
export function timestepFeatures(t: tf.Tensor1D, dim: number): tf.Tensor2D {
  return tf.tidy(() => {
    const half = dim / 2;
    const freqs = tf.exp(tf.mul(tf.range(0, half, 1, 'float32'), -Math.log(MAX_PERIOD) / half)); // [F/2]
    const args = tf.mul(tf.reshape(tf.cast(t, 'float32'), [-1, 1]), tf.reshape(freqs, [1, half])); // [B, F/2]
    return tf.concat([tf.cos(args), tf.sin(args)], 1) as tf.Tensor2D; // [B, F]
  });
}

function sincos1d(dim: number, positions: number[]): Float64Array[] {
  return positions.map((p) => {
    const row = new Float64Array(dim);
    for (let i = 0; i < dim / 2; i++) {
      const omega = 1 / MAX_PERIOD ** (i / (dim / 2));
      row[i] = Math.sin(p * omega);
      row[i + dim / 2] = Math.cos(p * omega);
    }
    return row;
  });
}

/**
 * Fixed 3-D sin-cos positions [N, D] for a grid of nt×nh×nw tokens (raster order):
 * D/4 channels for time, 3D/8 each for height and width. Works for any grid.
 */
export function spacetimePositions(D: number, nt: number, nh: number, nw: number): Float32Array {
  const [dt, dh] = [D / 4, (3 * D) / 8];
  const [et, eh, ew] = [sincos1d(dt, range(nt)), sincos1d(dh, range(nh)), sincos1d(dh, range(nw))];
  const out = new Float32Array(nt * nh * nw * D);
  let o = 0;
  for (let a = 0; a < nt; a++)
    for (let b = 0; b < nh; b++)
      for (let c = 0; c < nw; c++) {
        out.set(et[a], o);
        out.set(eh[b], o + dt);
        out.set(ew[c], o + dt + dh);
        o += D;
      }
  return out;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

// ---------------------------------------------------------------- layers

/** y = x·Wᵀ + b on the last axis; W is [out, in] (PyTorch layout). */
function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [out, inp] = w.shape;
  const lead = x.shape.slice(0, -1);
  const y = tf.add(tf.matMul(tf.reshape(x, [-1, inp]), w, false, true), b); // [M, out]
  return tf.reshape(y, [...lead, out]);
}

/** LayerNorm without affine parameters over the last axis. */
function layerNorm(x: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS)));
}

/** x·(1 + scale) + shift, with shift/scale [B, D] broadcast over tokens. */
function modulate(x: tf.Tensor, shift: tf.Tensor, scale: tf.Tensor): tf.Tensor {
  return tf.add(tf.mul(x, tf.add(tf.expandDims(scale, 1), 1)), tf.expandDims(shift, 1));
}

/** GELU, tanh approximation, as x·σ(2·√(2/π)·(x + 0.044715x³)) (one sigmoid, no pow/tanh). */
function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), 2 * Math.sqrt(2 / Math.PI));
  return tf.mul(x, tf.sigmoid(inner));
}

function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

// ---------------------------------------------------------------- parameters

type ParamSpec = { name: string; shape: number[]; init: 'xavier' | 'zeros' | 'normal' };

/** Every parameter, in PyTorch state_dict order of reference_dit.py (cross-attention after). */
export function parameterSpecs(c: DiTConfig): ParamSpec[] {
  const D = c.hidden;
  const P = c.channels * c.patch[0] * c.patch[1] * c.patch[2];
  const lin = (name: string, out: number, inp: number, init: ParamSpec['init'] = 'xavier'): ParamSpec[] => [
    { name: `${name}.weight`, shape: [out, inp], init },
    { name: `${name}.bias`, shape: [out], init: 'zeros' },
  ];
  const specs: ParamSpec[] = [
    ...lin('x_embed', D, P),
    ...lin('t_embed.0', D, c.timestepFeatures, 'normal'),
    ...lin('t_embed.2', D, D, 'normal'),
    ...lin('y_embed.0', D, c.textDim),
    ...lin('y_embed.2', D, D),
  ];
  for (let i = 0; i < c.depth; i++) {
    const p = `blocks.${i}`;
    specs.push(
      ...lin(`${p}.attn.qkv`, 3 * D, D),
      ...lin(`${p}.attn.proj`, D, D),
      ...lin(`${p}.fc1`, c.mlpRatio * D, D),
      ...lin(`${p}.fc2`, D, c.mlpRatio * D),
      ...lin(`${p}.ada`, 6 * D, D, 'zeros'),
    );
    if (c.crossAttention) {
      specs.push(...lin(`${p}.cross.q`, D, D), ...lin(`${p}.cross.kv`, 2 * D, c.textDim), ...lin(`${p}.cross.proj`, D, D, 'zeros'));
    }
  }
  specs.push(...lin('ada_f', 2 * D, D, 'zeros'), ...lin('out', P, D, 'zeros'));
  return specs;
}

export function parameterCount(c: DiTConfig): number {
  return parameterSpecs(c).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

// ---------------------------------------------------------------- the model

export class DiT {
  readonly params: Record<string, tf.Variable>;
  private readonly positions = new Map<string, tf.Tensor2D>();

  constructor(
    readonly config: DiTConfig,
    seed = 0,
  ) {
    this.params = {};
    parameterSpecs(config).forEach((s, k) => {
      const [out, inp] = s.shape;
      const init = tf.tidy(() => {
        if (s.init === 'zeros') return tf.zeros(s.shape);
        if (s.init === 'normal') return tf.randomNormal(s.shape, 0, 0.02, 'float32', seed * 7919 + k);
        const limit = Math.sqrt(6 / (out + inp)); // Xavier uniform, as DiT initialises linears
        return tf.randomUniform(s.shape, -limit, limit, 'float32', seed * 7919 + k);
      });
      this.params[s.name] = tf.variable(init, true, s.name);
      init.dispose();
    });
  }

  private p(name: string): tf.Variable {
    return this.params[name];
  }

  private lin(name: string, x: tf.Tensor): tf.Tensor {
    return linear(x, this.p(`${name}.weight`), this.p(`${name}.bias`));
  }

  /** Positions for a token grid, made once per grid size and kept. */
  private positionsFor(nt: number, nh: number, nw: number): tf.Tensor2D {
    const key = `${nt}x${nh}x${nw}`;
    let pos = this.positions.get(key);
    if (!pos) {
      pos = tf.keep(tf.tensor2d(spacetimePositions(this.config.hidden, nt, nh, nw), [nt * nh * nw, this.config.hidden]));
      this.positions.set(key, pos);
    }
    return pos;
  }

  /** Multi-head attention from q [B, N, D] to k, v [B, M, D]. */
  private heads(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask?: tf.Tensor2D): tf.Tensor {
    const [B, N, D] = q.shape as [number, number, number];
    const M = k.shape[1] as number;
    const h = this.config.heads;
    const split = (x: tf.Tensor, n: number) => tf.transpose(tf.reshape(x, [B, n, h, D / h]), [0, 2, 1, 3]); // [B, h, n, D/h]
    const o = attention(split(q, N), split(k, M), split(v, M), { mask }); // [B, h, N, D/h]
    return tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [B, N, D]); // [B, N, D]
  }

  private block(i: number, x: tf.Tensor, c: tf.Tensor, cond: Condition): tf.Tensor {
    const b = `blocks.${i}`;
    const D = this.config.hidden;
    const [shift1, scale1, gate1, shift2, scale2, gate2] = tf.split(this.lin(`${b}.ada`, silu(c)), 6, 1); // 6 × [B, D]
    const qkv = this.lin(`${b}.attn.qkv`, modulate(layerNorm(x), shift1, scale1)); // [B, N, 3D]
    const [q, k, v] = tf.split(qkv, [D, D, D], 2); // 3 × [B, N, D]
    const attn = this.lin(`${b}.attn.proj`, this.heads(q, k, v)); // [B, N, D]
    x = tf.add(x, tf.mul(tf.expandDims(gate1, 1), attn)); // [B, N, D]
    if (this.config.crossAttention && cond.tokens) {
      const q2 = this.lin(`${b}.cross.q`, layerNorm(x)); // [B, N, D]
      const [k2, v2] = tf.split(this.lin(`${b}.cross.kv`, cond.tokens), 2, 2); // 2 × [B, L, D]
      x = tf.add(x, this.lin(`${b}.cross.proj`, this.heads(q2, k2, v2, cond.mask))); // [B, N, D]
    }
    const hidden = gelu(this.lin(`${b}.fc1`, modulate(layerNorm(x), shift2, scale2))); // [B, N, rD]
    return tf.add(x, tf.mul(tf.expandDims(gate2, 1), this.lin(`${b}.fc2`, hidden))); // [B, N, D]
  }

  /**
   * Predict the diffusion target for noisy videos `x` [B, C, T, H, W] at times `t` [B]
   * (the rectified-flow velocity or v, per the objective it was trained with).
   */
  forward(x: tf.Tensor5D, t: tf.Tensor1D, cond: Condition): tf.Tensor5D {
    const [B, C, T, H, W] = x.shape;
    const [pt, ph, pw] = this.config.patch;
    const tokens = patchify(x, this.config.patch); // [B, N, P]
    const pos = this.positionsFor(T / pt, H / ph, W / pw); // [N, D]
    let h = tf.add(this.lin('x_embed', tokens), pos); // [B, N, D]
    const temb = this.lin('t_embed.2', silu(this.lin('t_embed.0', timestepFeatures(t, this.config.timestepFeatures)))); // [B, D]
    const yemb = this.lin('y_embed.2', silu(this.lin('y_embed.0', cond.pooled))); // [B, D]
    const c = tf.add(temb, yemb); // [B, D]
    for (let i = 0; i < this.config.depth; i++) h = this.block(i, h, c, cond); // [B, N, D]
    const [shift, scale] = tf.split(this.lin('ada_f', silu(c)), 2, 1); // 2 × [B, D]
    const out = this.lin('out', modulate(layerNorm(h), shift, scale)); // [B, N, P]
    return unpatchify(out, [C, T, H, W], this.config.patch) as tf.Tensor5D; // [B, C, T, H, W]
  }

  /** Release the parameters and cached positions. */
  dispose(): void {
    for (const v of Object.values(this.params)) v.dispose();
    for (const p of this.positions.values()) p.dispose();
    this.positions.clear();
  }
}
