/**
 * The video autoencoder of latent mode (src/model/vae.ts) as two ONNX graphs, read in the same
 * order as VideoAutoencoder.encode/decode, with the codec's latent scaling (vae-codec.ts) at
 * their seam:
 *
 *   encoder: pixels → tubelet patchify → linear → + 3-D sin-cos positions → blocks → LayerNorm
 *            → linear to c → (z − shift)·scale                                 → latents
 *   decoder: latents → z/scale + shift → linear from c → + positions → blocks → LayerNorm
 *            → linear to a tubelet → unpatchify                                → pixels
 *
 * The latent scale factor is inside the graphs: the encoder's output is the DiT graph's `x`
 * space (what VaeCodec.encode hands the sampler) and the decoder takes the sampler's output as
 * it is, so a user of the files needs only uint8 ↔ [−1, 1] around them (pixels = v/127.5 − 1;
 * back: round((v + 1)·127.5), clamped to 0…255). The JSON beside them records shift and scale,
 * with where they are applied.
 *
 *   const { encoder, decoder } = vaeGraphs(codec.vae, codec.latent, { frames: 16, height: 32, width: 32 });
 *   fs.writeFileSync('vae-encoder.onnx', encodeModel(encoder.model({ doc: 'VAE encoder' })));
 *
 * The batch axis is dynamic ('batch'); the clip size is fixed at export, since the positions
 * are constants for one grid of latent cells. Every block is pre-LayerNorm with learned
 * scale and shift (ViT's), unlike the DiT's adaLN.
 *
 * Shapes: B batch, C colour channels, T×H×W clip, t×h×w latent grid (T/pt, H/ph, W/pw),
 * N = t·h·w tokens, P = C·pt·ph·pw pixel values per token, c latent channels, D hidden.
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../base/errors.js';
import { spacetimePositions } from '../model/dit.js';
import type { VideoAutoencoder } from '../model/vae.js';
import type { LatentScaling } from '../model/vae-folder.js';
import type { Clip } from './export-dit.js';
import { GraphBuilder } from './graph.js';
import { gelu, layerNorm, linear, multiHeadAttention, valuesOf } from './layers.js';
import { DataType } from './proto.js';

/** vae.ts's LN_EPS. */
const LN_EPS = 1e-6;

/** The latent grid [t, h, w] of a clip; a clip the VAE's cells do not divide is a one-line UserError. */
export function latentGrid(vae: VideoAutoencoder, clip: Clip): [number, number, number] {
  const { patch } = vae.config;
  const sizes = [clip.frames, clip.height, clip.width];
  if (sizes.some((size, i) => !(Number.isInteger(size) && size > 0 && size % patch[i] === 0))) {
    throw new UserError(`onnx export: a ${sizes.join('×')} clip does not divide into the VAE's ${patch.join('×')} cells`);
  }
  return [clip.frames / patch[0], clip.height / patch[1], clip.width / patch[2]];
}

/** The encoder and decoder at clip size `clip` (in pixels), with the codec's latent scaling inside. */
export function vaeGraphs(vae: VideoAutoencoder, latent: LatentScaling, clip: Clip): { encoder: GraphBuilder; decoder: GraphBuilder } {
  const c = vae.config;
  const p = vae.params as Record<string, tf.Tensor>;
  const [pt, ph, pw] = c.patch;
  const { frames: T, height: H, width: W } = clip;
  const [nt, nh, nw] = latentGrid(vae, clip);
  const N = nt * nh * nw;
  const P = c.channels * pt * ph * pw;
  const D = c.hidden;
  const lc = c.latentChannels;

  /** One pre-LayerNorm block (VideoAutoencoder.block): attention, then the GELU MLP, each on a residual. */
  const block = (g: GraphBuilder, b: string, x: string): string => {
    const norm = (name: string, v: string) => layerNorm(g, v, D, LN_EPS, { scale: g.weight(`${name}.weight`, valuesOf(p[`${name}.weight`]), [D]), bias: g.weight(`${name}.bias`, valuesOf(p[`${name}.bias`]), [D]) });
    const qkv = linear(g, p, `${b}.attn.qkv`, norm(`${b}.norm1`, x)); // [B, N, 3D]
    const [q, k, v] = g.opN('Split', [qkv], 3, { axis: { int: 2 } }); // 3 × [B, N, D]
    x = g.op('Add', [x, linear(g, p, `${b}.attn.proj`, multiHeadAttention(g, q, k, v, D, c.heads))]); // [B, N, D]
    const hidden = gelu(g, linear(g, p, `${b}.fc1`, norm(`${b}.norm2`, x))); // [B, N, rD]
    return g.op('Add', [x, linear(g, p, `${b}.fc2`, hidden)]); // [B, N, D]
  };
  /** blocks → LayerNorm (affine) of one side, from the embedded tokens h [B, N, D]. */
  const trunk = (g: GraphBuilder, side: 'encoder' | 'decoder', depth: number, h: string): string => {
    for (let i = 0; i < depth; i++) h = block(g, `${side}.blocks.${i}`, h); // [B, N, D]
    return layerNorm(g, h, D, LN_EPS, { scale: g.weight(`${side}.norm.weight`, valuesOf(p[`${side}.norm.weight`]), [D]), bias: g.weight(`${side}.norm.bias`, valuesOf(p[`${side}.norm.bias`]), [D]) }); // [B, N, D]
  };
  const positions = (g: GraphBuilder) => g.weight('positions', spacetimePositions(D, nt, nh, nw), [N, D]);
  const scaling = `the codec's latents: (z − shift)·scale with shift ${latent.shift}, scale ${latent.scale} applied inside the graph (about unit variance on training data)`;

  // ---------------------------------------------------------------- encoder
  const e = new GraphBuilder('spacetime_vae_encoder');
  const pixels = e.input('pixels', DataType.FLOAT, ['batch', c.channels, T, H, W], 'videos, channels first, values in [−1, 1] (uint8 v → v/127.5 − 1)');
  const grid = e.op('Reshape', [pixels, e.int64s([0, c.channels, nt, pt, nh, ph, nw, pw])]); // [B, C, t, pt, h, ph, w, pw]
  const tubes = e.op('Transpose', [grid], { perm: { ints: [0, 2, 4, 6, 1, 3, 5, 7] } }); // [B, t, h, w, C, pt, ph, pw]
  const tokens = e.op('Reshape', [tubes, e.int64s([0, N, P])]); // [B, N, P]
  const embedded = e.op('Add', [linear(e, p, 'encoder.embed', tokens), positions(e)]); // [B, N, D]
  const z = linear(e, p, 'encoder.out', trunk(e, 'encoder', c.encoderDepth, embedded)); // [B, N, c]
  const cells = e.op('Reshape', [e.op('Transpose', [z], { perm: { ints: [0, 2, 1] } }), e.int64s([0, lc, nt, nh, nw])]); // [B, c, t, h, w]
  const latents = e.op('Mul', [e.op('Sub', [cells, e.scalar(latent.shift)]), e.scalar(latent.scale)]); // [B, c, t, h, w], scaled
  e.output(latents, 'latents', DataType.FLOAT, ['batch', lc, nt, nh, nw], `${scaling}: the DiT's x`);

  // ---------------------------------------------------------------- decoder
  const d = new GraphBuilder('spacetime_vae_decoder');
  const input = d.input('latents', DataType.FLOAT, ['batch', lc, nt, nh, nw], `${scaling}, e.g. the sampler's output`);
  const unscaled = d.op('Add', [d.op('Div', [input, d.scalar(latent.scale)]), d.scalar(latent.shift)]); // [B, c, t, h, w], the decoder's z
  const flat = d.op('Transpose', [d.op('Reshape', [unscaled, d.int64s([0, lc, N])])], { perm: { ints: [0, 2, 1] } }); // [B, N, c]
  const h = d.op('Add', [linear(d, p, 'decoder.embed', flat), positions(d)]); // [B, N, D]
  const out = linear(d, p, 'decoder.out', trunk(d, 'decoder', c.decoderDepth, h)); // [B, N, P]
  const outGrid = d.op('Reshape', [out, d.int64s([0, nt, nh, nw, c.channels, pt, ph, pw])]); // [B, t, h, w, C, pt, ph, pw]
  const video = d.op('Transpose', [outGrid], { perm: { ints: [0, 4, 1, 5, 2, 6, 3, 7] } }); // [B, C, t, pt, h, ph, w, pw]
  const decoded = d.op('Reshape', [video, d.int64s([0, c.channels, T, H, W])]); // [B, C, T, H, W]
  d.output(decoded, 'pixels', DataType.FLOAT, ['batch', c.channels, T, H, W], 'videos, channels first, about [−1, 1], not clamped (uint8: round((v + 1)·127.5) clamped to 0…255)');

  return { encoder: e, decoder: d };
}
