/**
 * The diffusion transformer (src/model/dit.ts) as an ONNX graph, read in the same order as
 * DiT.forward: patchify → token embedding + 3-D sin-cos positions → timestep and text
 * embedders → depth × block (adaLN-Zero self-attention, cross-attention to the text
 * tokens, MLP) → final layer → unpatchify. Weights are the model's own tf.Variables.
 *
 *   const { graph } = ditGraph(dit, { frames: 16, height: 32, width: 32 });
 *   fs.writeFileSync('dit.onnx', encodeModel(graph.model({ doc: 'DiT' })));
 *
 * The batch axis is dynamic ('batch'); the clip size is fixed at export, since the
 * positions are constants for one token grid. Inputs: x [B, C, T, H, W], t [B] (model time,
 * t·1000), pooled [B, E], with cross-attention tokens [B, L, E] and mask [B, L], and for a
 * model that takes given frames frames [B, C, T, H, W] and frame_mask [B, T]
 * (src/model/frame-conditioning.ts: they join x as channels before the patch embedding).
 */
import * as tf from '@tensorflow/tfjs';
import type { DiTConfig } from '../model/config.js';
import { inputChannels } from '../model/frame-conditioning.js';
import { spacetimePositions, type DiT } from '../model/dit.js';
import { GraphBuilder } from './graph.js';
import { gelu, keepOf, layerNorm, linear, multiHeadAttention, silu } from './layers.js';
import { DataType } from './proto.js';

/** dit.ts's LN_EPS and MAX_PERIOD. */
const LN_EPS = 1e-6;
const MAX_PERIOD = 10000;

export interface Clip {
  frames: number;
  height: number;
  width: number;
}

/**
 * The timestep frequencies exp(−ln(10000)·i / (F/2)), i < F/2, computed by the same tfjs
 * ops as timestepFeatures() on the active backend, so the exported constants are its values.
 */
function timestepFrequencies(dim: number): Float32Array {
  return tf.tidy(() => {
    const half = dim / 2;
    return Float32Array.from(tf.exp(tf.mul(tf.range(0, half, 1, 'float32'), -Math.log(MAX_PERIOD) / half)).dataSync());
  });
}

/** The DiT at clip size `clip` as a graph; `textLength` is L, the text encoder's maxLength. */
export function ditGraph(dit: DiT, clip: Clip, textLength: number): GraphBuilder {
  const c: DiTConfig = dit.config;
  const p = dit.params as Record<string, tf.Tensor>;
  const [pt, ph, pw] = c.patch;
  const { frames: T, height: H, width: W } = clip;
  if (T % pt || H % ph || W % pw) throw new Error(`onnx export: clip ${T}×${H}×${W} is not divisible by the patch ${c.patch.join('×')}`);
  const [Tg, Hg, Wg] = [T / pt, H / ph, W / pw];
  const N = Tg * Hg * Wg;
  const P = c.channels * pt * ph * pw;
  const Cin = inputChannels(c);
  const D = c.hidden;
  const g = new GraphBuilder('spacetime_dit');

  const x = g.input('x', DataType.FLOAT, ['batch', c.channels, T, H, W], 'noisy videos x_t, channels first, values in the data range');
  const t = g.input('t', DataType.FLOAT, ['batch'], 'model time: the diffusion time t ∈ [0, 1] times 1000');
  const pooled = g.input('pooled', DataType.FLOAT, ['batch', c.textDim], 'pooled text embedding (text encoder output "pooled")');
  const text = c.crossAttention
    ? {
        tokens: g.input('tokens', DataType.FLOAT, ['batch', textLength, c.textDim], 'text token embeddings (text encoder output "tokens")'),
        keep: keepOf(g, g.input('mask', DataType.FLOAT, ['batch', textLength], '1 = word, 0 = padding (text encoder output "keep")')),
      }
    : undefined;

  // ---------------------------------------------------------------- embedders
  let input = x;
  if (c.frameConditioning) {
    const frames = g.input('frames', DataType.FLOAT, ['batch', c.channels, T, H, W], 'given frames in the data range, zero where not given');
    const frameMask = g.input('frame_mask', DataType.FLOAT, ['batch', T], '1 where the frame is given');
    const mask = g.op('Mul', [g.op('Reshape', [frameMask, g.int64s([0, 1, T, 1, 1])]), g.weight('frame_plane', new Float32Array(T * H * W).fill(1), [1, 1, T, H, W])]); // [B, 1, T, H, W]
    input = g.op('Concat', [x, frames, mask], { axis: { int: 1 } }); // [B, 2C + 1, T, H, W]
  }
  const grid = g.op('Reshape', [input, g.int64s([0, Cin, Tg, pt, Hg, ph, Wg, pw])]); // [B, Cin, T', pt, H', ph, W', pw]
  const tubes = g.op('Transpose', [grid], { perm: { ints: [0, 2, 4, 6, 1, 3, 5, 7] } }); // [B, T', H', W', Cin, pt, ph, pw]
  const tokens = g.op('Reshape', [tubes, g.int64s([0, N, Cin * pt * ph * pw])]); // [B, N, Pin]
  const positions = g.weight('positions', spacetimePositions(D, Tg, Hg, Wg), [N, D]);
  let h = g.op('Add', [linear(g, p, 'x_embed', tokens), positions]); // [B, N, D]

  const half = c.timestepFeatures / 2;
  const args = g.op('Mul', [g.op('Unsqueeze', [t, g.int64s([1])]), g.weight('timestep_frequencies', timestepFrequencies(c.timestepFeatures), [half])]); // [B, F/2]
  const features = g.op('Concat', [g.op('Cos', [args]), g.op('Sin', [args])], { axis: { int: 1 } }); // [B, F]
  const temb = linear(g, p, 't_embed.2', silu(g, linear(g, p, 't_embed.0', features))); // [B, D]
  const yemb = linear(g, p, 'y_embed.2', silu(g, linear(g, p, 'y_embed.0', pooled))); // [B, D]
  const cond = g.op('Add', [temb, yemb]); // [B, D]
  const condSilu = silu(g, cond); // [B, D]

  /** x·(1 + scale) + shift, shift/scale [B, D] over tokens. */
  const modulate = (v: string, shift: string, scale: string) => {
    const one = g.op('Add', [g.op('Unsqueeze', [scale, g.int64s([1])]), g.scalar(1)]);
    return g.op('Add', [g.op('Mul', [v, one]), g.op('Unsqueeze', [shift, g.int64s([1])])]);
  };
  const gated = (gate: string, v: string) => g.op('Mul', [g.op('Unsqueeze', [gate, g.int64s([1])]), v]);

  // ---------------------------------------------------------------- blocks
  for (let i = 0; i < c.depth; i++) {
    const b = `blocks.${i}`;
    const [shift1, scale1, gate1, shift2, scale2, gate2] = g.opN('Split', [linear(g, p, `${b}.ada`, condSilu)], 6, { axis: { int: 1 } }); // 6 × [B, D]
    const qkv = linear(g, p, `${b}.attn.qkv`, modulate(layerNorm(g, h, D, LN_EPS), shift1, scale1)); // [B, N, 3D]
    const [q, k, v] = g.opN('Split', [qkv], 3, { axis: { int: 2 } }); // 3 × [B, N, D]
    h = g.op('Add', [h, gated(gate1, linear(g, p, `${b}.attn.proj`, multiHeadAttention(g, q, k, v, D, c.heads)))]); // [B, N, D]
    if (text) {
      const q2 = linear(g, p, `${b}.cross.q`, layerNorm(g, h, D, LN_EPS)); // [B, N, D]
      const [k2, v2] = g.opN('Split', [linear(g, p, `${b}.cross.kv`, text.tokens)], 2, { axis: { int: 2 } }); // 2 × [B, L, D]
      h = g.op('Add', [h, linear(g, p, `${b}.cross.proj`, multiHeadAttention(g, q2, k2, v2, D, c.heads, text.keep))]); // [B, N, D]
    }
    const hidden = gelu(g, linear(g, p, `${b}.fc1`, modulate(layerNorm(g, h, D, LN_EPS), shift2, scale2))); // [B, N, rD]
    h = g.op('Add', [h, gated(gate2, linear(g, p, `${b}.fc2`, hidden))]); // [B, N, D]
  }

  // ---------------------------------------------------------------- final layer
  const [shift, scale] = g.opN('Split', [linear(g, p, 'ada_f', condSilu)], 2, { axis: { int: 1 } }); // 2 × [B, D]
  const out = linear(g, p, 'out', modulate(layerNorm(g, h, D, LN_EPS), shift, scale)); // [B, N, P]
  const outGrid = g.op('Reshape', [out, g.int64s([0, Tg, Hg, Wg, c.channels, pt, ph, pw])]); // [B, T', H', W', C, pt, ph, pw]
  const video = g.op('Transpose', [outGrid], { perm: { ints: [0, 4, 1, 5, 2, 6, 3, 7] } }); // [B, C, T', pt, H', ph, W', pw]
  const prediction = g.op('Reshape', [video, g.int64s([0, c.channels, T, H, W])]); // [B, C, T, H, W]
  g.output(prediction, 'prediction', DataType.FLOAT, ['batch', c.channels, T, H, W], "the model's output in its objective's parameterisation (config.objective)");
  return g;
}
