/**
 * The text encoder, read top to bottom: parameters → the transformer encoder →
 * the factory that picks an encoder by `config.kind`. A small pre-LN transformer over
 * the tokenizer's word ids, trained jointly with the diffusion transformer:
 *
 *   token embedding + learned positions → depth × [LayerNorm → masked self-attention → +,
 *   LayerNorm → MLP (GELU) → +] → final LayerNorm → padded positions zeroed
 *   → tokens [B, L, E]; pooled [B, E] = mean of the tokens over the mask.
 *
 * Masked mean rather than a [CLS] token: every word contributes to the pooled vector the
 * DiT's adaLN sees from the first step, and a one-word prompt still pools to that word.
 *
 *   const encoder = createTextEncoder(resolveTextEncoderConfig('small'), 0);
 *   const text = encoder.encode(['a red ball bounces on the floor']);  // { tokens, pooled, mask, unknown }
 *   const v = model.forward(xt, t, text);                               // DiT consumes { pooled, tokens, mask }
 *   const uncond = encoder.encodeUnconditional(1);                      // the null caption, for guidance
 *
 * Parameters live in `params` under names prefixed `text.` (e.g.
 * `text.blocks.0.attn.qkv.weight`), so they checkpoint and optimise beside the DiT's. A
 * linear weight is [out, in] as in PyTorch. tf.Variables are named after the parameter,
 * so (as with the DiT) one encoder exists at a time per process unless disposed.
 *
 * Shapes: B batch, L tokens (= config.maxLength), E width, V vocabulary, h heads.
 */
import * as tf from '@tensorflow/tfjs';
import { gelu, layerNorm, linear, selfAttention } from '../nn/layers.js';
import { countParameters, createParameters, layerNormParams, linearParams, specsOf, type Param, type ParamSpec } from '../nn/parameters.js';
import type { TextEncoderConfig } from './config.js';
import { encode as tokenize, nullSequence, packRows, type EncodedPrompt } from './tokenizer.js';

/** What the DiT is conditioned on (structurally its Condition, all three present). */
export interface TextEmbedding {
  /** [B, L, E] token embeddings; exactly zero at padded positions. */
  tokens: tf.Tensor3D;
  /** [B, E] mean of the tokens over the mask. */
  pooled: tf.Tensor2D;
  /** [B, L] 1 = word, 0 = padding (float32). */
  mask: tf.Tensor2D;
}

export interface EncodedText extends TextEmbedding {
  /** Words outside the vocabulary across the batch, each once: the caller warns with unknownWordsWarning. */
  unknown: string[];
  /** Per prompt: whether it was cut to config.maxLength words. */
  truncated: boolean[];
}

export interface EncodeOptions {
  /**
   * Per prompt: encode the null caption instead (caption dropout for classifier-free
   * guidance). A dropped prompt is not tokenized, so it may be empty.
   */
  unconditional?: readonly boolean[];
}

/** What the rest of the project relies on; a new encoder implements this and adds a `kind`. */
export interface TextEncoder {
  readonly config: TextEncoderConfig;
  readonly params: Record<string, tf.Variable>;
  /** Tokenize and encode prompts; an empty prompt is a UserError. */
  encode(prompts: readonly string[], options?: EncodeOptions): EncodedText;
  /** The null caption's embedding, `batch` times: the unconditional branch of guidance. */
  encodeUnconditional(batch: number): TextEmbedding;
  dispose(): void;
}

/** The encoder `config.kind` names, initialised from `seed`. */
export function createTextEncoder(config: TextEncoderConfig, seed = 0): TextEncoder {
  switch (config.kind) {
    case 'transformer':
      return new TransformerTextEncoder(config, seed);
  }
}

/** PyTorch's LayerNorm default. */
const LN_EPS = 1e-5;
/** Added to the seed so the encoder and a DiT built from the same seed draw different streams. */
const SEED_OFFSET = 104_729;

// ---------------------------------------------------------------- parameters

/**
 * The encoder's layers, declared in order: embeddings, blocks, final norm. That order is
 * also the checkpoint's and the initialisation's (src/nn/parameters.ts), so keep it.
 */
function textEncoderLayers<T>(c: TextEncoderConfig, param: Param<T>) {
  const E = c.width;
  const lin = (name: string, out: number, inp: number) => linearParams(param, name, out, inp);
  const norm = (name: string) => layerNormParams(param, name, E);
  return {
    embed: param('text.embed.weight', [c.vocabSize, E], 'normal'),
    posEmbed: param('text.pos_embed', [c.maxLength, E], 'normal'),
    blocks: Array.from({ length: c.depth }, (_, i) => {
      const b = `text.blocks.${i}`;
      return {
        norm1: norm(`${b}.norm1`),
        attn: { qkv: lin(`${b}.attn.qkv`, 3 * E, E), proj: lin(`${b}.attn.proj`, E, E) },
        norm2: norm(`${b}.norm2`),
        fc1: lin(`${b}.fc1`, c.mlpRatio * E, E),
        fc2: lin(`${b}.fc2`, E, c.mlpRatio * E),
      };
    }),
    norm: norm('text.norm'),
  };
}

type TextEncoderLayers = ReturnType<typeof textEncoderLayers<tf.Variable>>;
type TextEncoderBlock = TextEncoderLayers['blocks'][number];

/** Every parameter, in order. */
export function textEncoderParameterSpecs(c: TextEncoderConfig): ParamSpec[] {
  return specsOf((param) => textEncoderLayers(c, param));
}

export function textEncoderParameterCount(c: TextEncoderConfig): number {
  return countParameters(textEncoderParameterSpecs(c));
}

// ---------------------------------------------------------------- the encoder

export class TransformerTextEncoder implements TextEncoder {
  readonly params: Record<string, tf.Variable>;
  /** The same variables as the layers the forward pass reads. */
  private readonly layers: TextEncoderLayers;

  constructor(
    readonly config: TextEncoderConfig,
    seed = 0,
  ) {
    const { params, layers } = createParameters((param) => textEncoderLayers(config, param), seed * 7919 + SEED_OFFSET);
    this.params = params;
    this.layers = layers;
  }

  private block(l: TextEncoderBlock, x: tf.Tensor, mask: tf.Tensor2D): tf.Tensor {
    const { heads } = this.config;
    const qkv = linear(layerNorm(x, LN_EPS, l.norm1), l.attn.qkv); // [B, L, 3E]
    x = tf.add(x, linear(selfAttention(qkv, heads, { mask }), l.attn.proj)); // [B, L, E]
    const hidden = gelu(linear(layerNorm(x, LN_EPS, l.norm2), l.fc1)); // [B, L, rE]
    return tf.add(x, linear(hidden, l.fc2)); // [B, L, E]
  }

  /**
   * Encode token ids [B, L] (int32, L ≤ maxLength) with their mask [B, L]. What a
   * padded position holds has no effect on any output: its key is masked out of every
   * attention, its token is zeroed, and the mean skips it.
   */
  forward(ids: tf.Tensor2D, mask: tf.Tensor2D): TextEmbedding {
    const [B, L] = ids.shape;
    const E = this.config.width;
    if (L > this.config.maxLength) throw new Error(`text encoder: ${L} tokens exceed maxLength ${this.config.maxLength}`);
    if (mask.shape[0] !== B || mask.shape[1] !== L) throw new Error(`text encoder: mask [${mask.shape}] does not match ids [${ids.shape}]`);
    return tf.tidy(() => {
      const keep = tf.cast(tf.notEqual(mask, 0), 'float32') as tf.Tensor2D; // [B, L], 1 = word
      const pos = tf.slice(this.layers.posEmbed, [0, 0], [L, E]); // [L, E]
      let x = tf.add(tf.gather(this.layers.embed, ids), pos); // [B, L, E]
      for (const block of this.layers.blocks) x = this.block(block, x, keep); // [B, L, E]
      const tokens = tf.mul(layerNorm(x, LN_EPS, this.layers.norm), tf.expandDims(keep, 2)) as tf.Tensor3D; // [B, L, E]
      const count = tf.maximum(tf.sum(keep, 1, true), 1); // [B, 1], ≥ 1 word
      const pooled = tf.div(tf.sum(tokens, 1), count) as tf.Tensor2D; // [B, E]
      return { tokens, pooled, mask: keep };
    });
  }

  encode(prompts: readonly string[], options: EncodeOptions = {}): EncodedText {
    const { unconditional = [] } = options;
    if (prompts.length === 0) throw new Error('text encoder: no prompts to encode');
    if (unconditional.length > 0 && unconditional.length !== prompts.length) {
      throw new Error(`text encoder: ${unconditional.length} unconditional flags for ${prompts.length} prompts`);
    }
    const L = this.config.maxLength;
    const rows = prompts.map((p, i) => (unconditional[i] ? nullSequence(L) : tokenize(p, L)));
    const unknown = [...new Set(rows.flatMap((r) => r.unknown))];
    return { ...this.encodeRows(rows), unknown, truncated: rows.map((r) => r.truncated) };
  }

  encodeUnconditional(batch: number): TextEmbedding {
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);
    return this.encodeRows(Array.from({ length: batch }, () => nullSequence(this.config.maxLength)));
  }

  private encodeRows(rows: EncodedPrompt[]): TextEmbedding {
    const L = this.config.maxLength;
    const { ids, mask } = packRows(rows, L);
    const idsT = tf.tensor2d(ids, [rows.length, L], 'int32');
    const maskT = tf.tensor2d(mask, [rows.length, L]);
    const out = this.forward(idsT, maskT);
    idsT.dispose();
    maskT.dispose();
    return out;
  }

  /** Release the parameters. */
  dispose(): void {
    for (const v of Object.values(this.params)) v.dispose();
  }
}
