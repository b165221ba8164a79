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
 * Shapes: B batch, C channels, T×H×W video, N tokens, P = C·pt·ph·pw values per token
 * (Pin = (2C + 1)·pt·ph·pw into a model that takes given frames), D hidden, h heads, L text tokens, E text width.
 */
import * as tf from '@tensorflow/tfjs';
import { layerNormModulate } from '../../kernels/layernorm-modulate/tfjs.js';
import { patchify, unpatchify } from '../../kernels/patch-embed/tfjs.js';
import { crossAttention, layerNorm, linear, linearGelu, selfAttention, silu } from '../nn/layers.js';
import { countParameters, createParameters, linearParams, specsOf, type Init, type Param, type ParamSpec } from '../nn/parameters.js';
import type { DiTConfig } from './config.js';
import { inputChannels, withGivenFrames, type GivenFramesCondition } from './frame-conditioning.js';

/**
 * What the model is conditioned on, each tensor with the batch on axis 0 (so guidance can
 * stack and slice it): the prompt, from the text encoder, and — for a model with
 * `frameConditioning` — the given frames (frame-conditioning.ts; none given: text to video).
 */
export interface Condition extends Partial<GivenFramesCondition> {
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
// linear, layerNorm, gelu (here fused with fc1's bias: linearGelu), silu and multi-head attention are the
// text encoder's too: src/nn/layers.ts.
// adaLN's LayerNorm + modulate, LN(x)·(1 + scale) + shift with shift/scale [B, D] broadcast
// over tokens, is one kernel: kernels/layernorm-modulate (fused on `native`, tfjs ops elsewhere).

// ---------------------------------------------------------------- parameters

/**
 * The model's layers, declared in the PyTorch state_dict order of reference_dit.py
 * (cross-attention after) under its names. That order is also the checkpoint's and the
 * initialisation's (src/nn/parameters.ts), so keep it.
 */
function ditLayers<T>(c: DiTConfig, param: Param<T>) {
  const D = c.hidden;
  const tubelet = c.patch[0] * c.patch[1] * c.patch[2];
  const P = c.channels * tubelet;
  const lin = (name: string, out: number, inp: number, init?: Init) => linearParams(param, name, out, inp, init);
  return {
    xEmbed: lin('x_embed', D, inputChannels(c) * tubelet),
    tEmbed: { fc1: lin('t_embed.0', D, c.timestepFeatures, 'normal'), fc2: lin('t_embed.2', D, D, 'normal') },
    yEmbed: { fc1: lin('y_embed.0', D, c.textDim), fc2: lin('y_embed.2', D, D) },
    blocks: range(c.depth).map((i) => {
      const b = `blocks.${i}`;
      return {
        attn: { qkv: lin(`${b}.attn.qkv`, 3 * D, D), proj: lin(`${b}.attn.proj`, D, D) },
        fc1: lin(`${b}.fc1`, c.mlpRatio * D, D),
        fc2: lin(`${b}.fc2`, D, c.mlpRatio * D),
        ada: lin(`${b}.ada`, 6 * D, D, 'zeros'),
        cross: c.crossAttention
          ? { q: lin(`${b}.cross.q`, D, D), kv: lin(`${b}.cross.kv`, 2 * D, c.textDim), proj: lin(`${b}.cross.proj`, D, D, 'zeros') }
          : undefined,
      };
    }),
    adaFinal: lin('ada_f', 2 * D, D, 'zeros'),
    out: lin('out', P, D, 'zeros'),
  };
}

type DiTLayers = ReturnType<typeof ditLayers<tf.Variable>>;
type DiTBlock = DiTLayers['blocks'][number];

/** Every parameter, in order. */
export function parameterSpecs(c: DiTConfig): ParamSpec[] {
  return specsOf((param) => ditLayers(c, param));
}

export function parameterCount(c: DiTConfig): number {
  return countParameters(parameterSpecs(c));
}

// ---------------------------------------------------------------- the model

export class DiT {
  /** Every parameter by its checkpoint name (`blocks.0.attn.qkv.weight`), for checkpoints and the optimiser. */
  readonly params: Record<string, tf.Variable>;
  /** The same variables as the layers the forward pass reads. */
  private readonly layers: DiTLayers;
  private readonly positions = new Map<string, tf.Tensor2D>();

  constructor(
    readonly config: DiTConfig,
    seed = 0,
  ) {
    const { params, layers } = createParameters((param) => ditLayers(config, param), seed * 7919);
    this.params = params;
    this.layers = layers;
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

  private block(l: DiTBlock, x: tf.Tensor, c: tf.Tensor, cond: Condition): tf.Tensor {
    const { heads } = this.config;
    const [shift1, scale1, gate1, shift2, scale2, gate2] = tf.split(linear(silu(c), l.ada), 6, 1); // 6 × [B, D]
    const qkv = linear(layerNormModulate(x, shift1, scale1, LN_EPS), l.attn.qkv); // [B, N, 3D]
    const attn = linear(selfAttention(qkv, heads), l.attn.proj); // [B, N, D]
    x = tf.add(x, tf.mul(tf.expandDims(gate1, 1), attn)); // [B, N, D]
    if (l.cross && cond.tokens) {
      const q2 = linear(layerNorm(x, LN_EPS), l.cross.q); // [B, N, D]
      const kv = linear(cond.tokens, l.cross.kv); // [B, L, 2D]
      x = tf.add(x, linear(crossAttention(q2, kv, heads, { mask: cond.mask }), l.cross.proj)); // [B, N, D]
    }
    const hidden = linearGelu(layerNormModulate(x, shift2, scale2, LN_EPS), l.fc1); // [B, N, rD], = gelu(linear(…))
    return tf.add(x, tf.mul(tf.expandDims(gate2, 1), linear(hidden, l.fc2))); // [B, N, D]
  }

  /**
   * Predict the diffusion target for noisy videos `x` [B, C, T, H, W] at times `t` [B]
   * (the rectified-flow velocity or v, per the objective it was trained with).
   */
  forward(x: tf.Tensor5D, t: tf.Tensor1D, cond: Condition): tf.Tensor5D {
    const [B, C, T, H, W] = x.shape;
    const [pt, ph, pw] = this.config.patch;
    const input = this.config.frameConditioning ? withGivenFrames(x, cond) : x; // [B, 2C + 1, T, H, W] with given frames
    const tokens = patchify(input, this.config.patch); // [B, N, Pin]
    const pos = this.positionsFor(T / pt, H / ph, W / pw); // [N, D]
    const l = this.layers;
    let h = tf.add(linear(tokens, l.xEmbed), pos); // [B, N, D]
    const temb = linear(silu(linear(timestepFeatures(t, this.config.timestepFeatures), l.tEmbed.fc1)), l.tEmbed.fc2); // [B, D]
    const yemb = linear(silu(linear(cond.pooled, l.yEmbed.fc1)), l.yEmbed.fc2); // [B, D]
    const c = tf.add(temb, yemb); // [B, D]
    for (const block of l.blocks) h = this.block(block, h, c, cond); // [B, N, D]
    const [shift, scale] = tf.split(linear(silu(c), l.adaFinal), 2, 1); // 2 × [B, D]
    const out = linear(layerNormModulate(h, shift, scale, LN_EPS), l.out); // [B, N, P]
    return unpatchify(out, [C, T, H, W], this.config.patch) as tf.Tensor5D; // [B, C, T, H, W]
  }

  /** Release the parameters and cached positions. */
  dispose(): void {
    for (const v of Object.values(this.params)) v.dispose();
    for (const p of this.positions.values()) p.dispose();
    this.positions.clear();
  }
}
