/**
 * The text encoder, read top to bottom: layers → parameters → the transformer encoder →
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
import { attention } from '../../kernels/attention/tfjs.js';
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

const LN_EPS = 1e-5;
/** Added to the seed so the encoder and a DiT built from the same seed draw different streams. */
const SEED_OFFSET = 104_729;

// ---------------------------------------------------------------- layers

/** y = x·Wᵀ + b on the last axis; W is [out, in] (PyTorch layout). */
function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [out, inp] = w.shape;
  const lead = x.shape.slice(0, -1);
  const y = tf.add(tf.matMul(tf.reshape(x, [-1, inp]), w, false, true), b); // [M, out]
  return tf.reshape(y, [...lead, out]);
}

/** LayerNorm over the last axis with a learned scale and shift (PyTorch's default, eps 1e-5). */
function layerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS))), weight), bias);
}

/** GELU, tanh approximation, as x·σ(2·√(2/π)·(x + 0.044715x³)) — the DiT's. */
function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), 2 * Math.sqrt(2 / Math.PI));
  return tf.mul(x, tf.sigmoid(inner));
}

// ---------------------------------------------------------------- parameters

type ParamSpec = { name: string; shape: number[]; init: 'xavier' | 'zeros' | 'ones' | 'normal' };

/** Every parameter, in order: embeddings, blocks, final norm. */
export function textEncoderParameterSpecs(c: TextEncoderConfig): ParamSpec[] {
  const E = c.width;
  const lin = (name: string, out: number, inp: number): ParamSpec[] => [
    { name: `${name}.weight`, shape: [out, inp], init: 'xavier' },
    { name: `${name}.bias`, shape: [out], init: 'zeros' },
  ];
  const norm = (name: string): ParamSpec[] => [
    { name: `${name}.weight`, shape: [E], init: 'ones' },
    { name: `${name}.bias`, shape: [E], init: 'zeros' },
  ];
  const specs: ParamSpec[] = [
    { name: 'text.embed.weight', shape: [c.vocabSize, E], init: 'normal' },
    { name: 'text.pos_embed', shape: [c.maxLength, E], init: 'normal' },
  ];
  for (let i = 0; i < c.depth; i++) {
    const p = `text.blocks.${i}`;
    specs.push(
      ...norm(`${p}.norm1`),
      ...lin(`${p}.attn.qkv`, 3 * E, E),
      ...lin(`${p}.attn.proj`, E, E),
      ...norm(`${p}.norm2`),
      ...lin(`${p}.fc1`, c.mlpRatio * E, E),
      ...lin(`${p}.fc2`, E, c.mlpRatio * E),
    );
  }
  specs.push(...norm('text.norm'));
  return specs;
}

export function textEncoderParameterCount(c: TextEncoderConfig): number {
  return textEncoderParameterSpecs(c).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

// ---------------------------------------------------------------- the encoder

export class TransformerTextEncoder implements TextEncoder {
  readonly params: Record<string, tf.Variable> = {};

  constructor(
    readonly config: TextEncoderConfig,
    seed = 0,
  ) {
    textEncoderParameterSpecs(config).forEach((s, k) => {
      const init = tf.tidy(() => {
        const streamSeed = seed * 7919 + SEED_OFFSET + k;
        if (s.init === 'zeros') return tf.zeros(s.shape);
        if (s.init === 'ones') return tf.ones(s.shape);
        if (s.init === 'normal') return tf.randomNormal(s.shape, 0, 0.02, 'float32', streamSeed);
        const [out, inp] = s.shape;
        const limit = Math.sqrt(6 / (out + inp)); // Xavier uniform, as the DiT's linears
        return tf.randomUniform(s.shape, -limit, limit, 'float32', streamSeed);
      });
      this.params[s.name] = tf.variable(init, true, s.name);
      init.dispose();
    });
  }

  private lin(name: string, x: tf.Tensor): tf.Tensor {
    return linear(x, this.params[`${name}.weight`], this.params[`${name}.bias`]);
  }

  private norm(name: string, x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.params[`${name}.weight`], this.params[`${name}.bias`]);
  }

  /** Multi-head self-attention over [B, L, E] q, k, v; padded keys get no weight. */
  private selfAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor2D): tf.Tensor {
    const [B, L, E] = q.shape as [number, number, number];
    const h = this.config.heads;
    const split = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [B, L, h, E / h]), [0, 2, 1, 3]); // [B, h, L, E/h]
    const o = attention(split(q), split(k), split(v), { mask }); // [B, h, L, E/h]
    return tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [B, L, E]); // [B, L, E]
  }

  private block(i: number, x: tf.Tensor, mask: tf.Tensor2D): tf.Tensor {
    const b = `text.blocks.${i}`;
    const E = this.config.width;
    const qkv = this.lin(`${b}.attn.qkv`, this.norm(`${b}.norm1`, x)); // [B, L, 3E]
    const [q, k, v] = tf.split(qkv, [E, E, E], 2); // 3 × [B, L, E]
    x = tf.add(x, this.lin(`${b}.attn.proj`, this.selfAttention(q, k, v, mask))); // [B, L, E]
    const hidden = gelu(this.lin(`${b}.fc1`, this.norm(`${b}.norm2`, x))); // [B, L, rE]
    return tf.add(x, this.lin(`${b}.fc2`, hidden)); // [B, L, E]
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
      const pos = tf.slice(this.params['text.pos_embed'], [0, 0], [L, E]); // [L, E]
      let x = tf.add(tf.gather(this.params['text.embed.weight'], ids), pos); // [B, L, E]
      for (let i = 0; i < this.config.depth; i++) x = this.block(i, x, keep); // [B, L, E]
      const tokens = tf.mul(this.norm('text.norm', x), tf.expandDims(keep, 2)) as tf.Tensor3D; // [B, L, E]
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
