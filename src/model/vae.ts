/**
 * The video autoencoder of latent mode, read top to bottom:
 *
 *   encoder: tubelet patchify → linear → + 3-D positions → blocks → LayerNorm → linear to c
 *   decoder: linear from c → + positions → blocks → LayerNorm → linear to a tubelet → unpatchify
 *
 * Each pt×ph×pw tubelet of pixels becomes one latent cell of c channels (small preset: 4×4×4
 * → 16, so a 16×32×32 clip is 16 × 4×8×8 latents, 12× fewer values), and a transformer on both
 * sides mixes the cells so an edge can be drawn from its neighbours' codes.
 *
 * Why a tubelet transformer and not 3-D convolutions (CogVideoX, Open-Sora): Conv3D is not a
 * kernel of our wasm backend, while patchify, matmul and fused attention are the fast paths of
 * `native`; at 256 tokens a clip attention is cheap, and the world (flat discs and squares on
 * a plain background) needs global context more than local filters.
 *
 * Why a deterministic autoencoder with a small latent penalty and not a KL-VAE: a KL weight
 * as small as SD's (1e-6) barely constrains the posterior, and sampling it would add noise to
 * a training budget of one hour on two cores; what the KL term is there for — latents of
 * bounded size — the penalty λ·mean(z²) keeps too (trainer: vae-trainer.ts), and the codec
 * scales the latents to unit variance with a factor measured on training data, as SD does.
 * The "posterior mean" the codec uses is the encoder's output.
 *
 * Why no causal first frame: our clips have 16 frames (not 1 + 4k), and a frame given to the
 * latent DiT can be encoded as a still tubelet (the frame repeated pt times); see the README's
 * measurement of that against a clip's own frame.
 *
 *   const vae = new VideoAutoencoder(resolveVaeConfig('small'), 0);
 *   const z = vae.encode(x);    // [B, 3, 16, 32, 32] → [B, 16, 4, 8, 8]
 *   const y = vae.decode(z);    // → [B, 3, 16, 32, 32]
 *
 * Shapes: B batch, C colour channels, T×H×W video, N = t·h·w tokens (one per latent cell),
 * P = C·pt·ph·pw pixel values per token, c latent channels, D hidden, h heads.
 */
import * as tf from '@tensorflow/tfjs';
import { patchify, unpatchify } from '../../kernels/patch-embed/tfjs.js';
import { gelu, layerNorm, linear, selfAttention } from '../nn/layers.js';
import { countParameters, createParameters, layerNormParams, linearParams, specsOf, type Param, type ParamSpec } from '../nn/parameters.js';
import { spacetimePositions } from './dit.js';
import type { VaeConfig } from './vae-config.js';

const LN_EPS = 1e-6;

// ---------------------------------------------------------------- parameters

/** One pre-LayerNorm transformer block (ViT's): attention, then an MLP, each on a residual. */
function blockLayers<T>(param: Param<T>, name: string, D: number, mlpRatio: number) {
  return {
    norm1: layerNormParams(param, `${name}.norm1`, D),
    attn: { qkv: linearParams(param, `${name}.attn.qkv`, 3 * D, D), proj: linearParams(param, `${name}.attn.proj`, D, D) },
    norm2: layerNormParams(param, `${name}.norm2`, D),
    fc1: linearParams(param, `${name}.fc1`, mlpRatio * D, D),
    fc2: linearParams(param, `${name}.fc2`, D, mlpRatio * D),
  };
}

/** The autoencoder's layers, encoder then decoder; that order is the checkpoint's and the initialisation's. */
function vaeLayers<T>(c: VaeConfig, param: Param<T>) {
  const D = c.hidden;
  const P = c.channels * c.patch[0] * c.patch[1] * c.patch[2];
  const blocks = (side: string, depth: number) => Array.from({ length: depth }, (_, i) => blockLayers(param, `${side}.blocks.${i}`, D, c.mlpRatio));
  return {
    encoder: {
      embed: linearParams(param, 'encoder.embed', D, P),
      blocks: blocks('encoder', c.encoderDepth),
      norm: layerNormParams(param, 'encoder.norm', D),
      out: linearParams(param, 'encoder.out', c.latentChannels, D),
    },
    decoder: {
      embed: linearParams(param, 'decoder.embed', D, c.latentChannels),
      blocks: blocks('decoder', c.decoderDepth),
      norm: layerNormParams(param, 'decoder.norm', D),
      out: linearParams(param, 'decoder.out', P, D),
    },
  };
}

type VaeLayers = ReturnType<typeof vaeLayers<tf.Variable>>;
type Block = VaeLayers['encoder']['blocks'][number];

/** Every parameter, in order. */
export function vaeParameterSpecs(c: VaeConfig): ParamSpec[] {
  return specsOf((param) => vaeLayers(c, param));
}

export function vaeParameterCount(c: VaeConfig): number {
  return countParameters(vaeParameterSpecs(c));
}

// ---------------------------------------------------------------- the model

export class VideoAutoencoder {
  /** Every parameter by its checkpoint name (`encoder.blocks.0.attn.qkv.weight`). */
  readonly params: Record<string, tf.Variable>;
  private readonly layers: VaeLayers;
  private readonly positions = new Map<string, tf.Tensor2D>();

  constructor(
    readonly config: VaeConfig,
    seed = 0,
  ) {
    // A stream of its own (not the DiT's seed · 7919), so a DiT and a VAE of one seed differ.
    const { params, layers } = createParameters((param) => vaeLayers(config, param), seed * 7919 + 104729);
    this.params = params;
    this.layers = layers;
  }

  /** Positions for a grid of latent cells, made once per grid size and kept. */
  private positionsFor(nt: number, nh: number, nw: number): tf.Tensor2D {
    const key = `${nt}x${nh}x${nw}`;
    let pos = this.positions.get(key);
    if (!pos) {
      pos = tf.keep(tf.tensor2d(spacetimePositions(this.config.hidden, nt, nh, nw), [nt * nh * nw, this.config.hidden]));
      this.positions.set(key, pos);
    }
    return pos;
  }

  private block(l: Block, x: tf.Tensor): tf.Tensor {
    const qkv = linear(layerNorm(x, LN_EPS, l.norm1), l.attn.qkv); // [B, N, 3D]
    x = tf.add(x, linear(selfAttention(qkv, this.config.heads), l.attn.proj)); // [B, N, D]
    const hidden = gelu(linear(layerNorm(x, LN_EPS, l.norm2), l.fc1)); // [B, N, rD]
    return tf.add(x, linear(hidden, l.fc2)); // [B, N, D]
  }

  /** Videos [B, C, T, H, W] in [−1, 1] → latents [B, c, T/pt, H/ph, W/pw] (unscaled). */
  encode(x: tf.Tensor5D): tf.Tensor5D {
    const [B, , T, H, W] = x.shape;
    const [pt, ph, pw] = this.config.patch;
    const [nt, nh, nw] = [T / pt, H / ph, W / pw];
    const l = this.layers.encoder;
    let h = tf.add(linear(patchify(x, this.config.patch), l.embed), this.positionsFor(nt, nh, nw)); // [B, N, D]
    for (const block of l.blocks) h = this.block(block, h); // [B, N, D]
    const z = linear(layerNorm(h, LN_EPS, l.norm), l.out); // [B, N, c]
    return tf.reshape(tf.transpose(z, [0, 2, 1]), [B, this.config.latentChannels, nt, nh, nw]); // [B, c, t, h, w]
  }

  /** Latents [B, c, t, h, w] (unscaled) → videos [B, C, t·pt, h·ph, w·pw], not clamped. */
  decode(z: tf.Tensor5D): tf.Tensor5D {
    const [B, c, nt, nh, nw] = z.shape;
    const [pt, ph, pw] = this.config.patch;
    const l = this.layers.decoder;
    const cells = tf.transpose(tf.reshape(z, [B, c, nt * nh * nw]), [0, 2, 1]); // [B, N, c]
    let h = tf.add(linear(cells, l.embed), this.positionsFor(nt, nh, nw)); // [B, N, D]
    for (const block of l.blocks) h = this.block(block, h); // [B, N, D]
    const out = linear(layerNorm(h, LN_EPS, l.norm), l.out); // [B, N, P]
    return unpatchify(out, [this.config.channels, nt * pt, nh * ph, nw * pw], this.config.patch) as tf.Tensor5D; // [B, C, T, H, W]
  }

  /** Release the parameters and cached positions. */
  dispose(): void {
    for (const v of Object.values(this.params)) v.dispose();
    for (const p of this.positions.values()) p.dispose();
    this.positions.clear();
  }
}
