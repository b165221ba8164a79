// The text encoder: config presets and validation, output shapes, padding has no effect,
// the null caption, gradients to every parameter, seeded initialisation, a pinned output.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../base/errors.js';
import { PRESETS } from '../model/config.js';
import { TEXT_ENCODER_PRESETS, resolveTextEncoderConfig, validateTextEncoderConfig } from './config.js';
import { TransformerTextEncoder, createTextEncoder, textEncoderParameterCount } from './encoder.js';
import { NULL_ID, UNK_ID, VOCAB_SIZE, encode } from './tokenizer.js';

await tf.setBackend('cpu');

const tiny = resolveTextEncoderConfig('tiny');
const L = tiny.maxLength;
const PROMPTS = ['a red ball bounces on the floor', 'a small blue square slides to the left and stops', 'two balls collide head-on'];

/** Run `body` with a fresh encoder and dispose it even if `body` throws (variables are named, so only one lives at a time). */
function withEncoder<T>(seed: number, body: (encoder: TransformerTextEncoder) => T): T {
  const encoder = new TransformerTextEncoder(tiny, seed);
  try {
    return body(encoder);
  } finally {
    encoder.dispose();
  }
}

const values = (t: tf.Tensor) => Array.from(t.dataSync());
const maxAbs = (t: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]);

/** Ids and mask for `prompts`, with `fill` written into every padded position. */
function batch(prompts: string[], fill = 0): { ids: tf.Tensor2D; mask: tf.Tensor2D } {
  const rows = prompts.map((p) => encode(p, L));
  const ids = rows.flatMap((r) => Array.from(r.ids, (id, i) => (r.mask[i] ? id : fill)));
  return { ids: tf.tensor2d(ids, [rows.length, L], 'int32'), mask: tf.tensor2d(rows.flatMap((r) => Array.from(r.mask)), [rows.length, L]) };
}

describe('text encoder config', () => {
  it('has a preset per model preset, each as wide as that model’s textDim', () => {
    expect(Object.keys(TEXT_ENCODER_PRESETS).sort()).toEqual(Object.keys(PRESETS).sort());
    for (const [name, c] of Object.entries(TEXT_ENCODER_PRESETS)) {
      expect(c.width, name).toBe(PRESETS[name as keyof typeof PRESETS].textDim);
      expect(resolveTextEncoderConfig(name)).toEqual(c);
    }
    expect(tiny.vocabSize).toBe(VOCAB_SIZE);
    expect(textEncoderParameterCount(tiny)).toBe(127 * 32 + 48 * 32 + 2 * (4 * 32 + 3 * 32 * 33 + 32 * 33 + 64 * 33 + 32 * 65) + 2 * 32);
  });

  it('rejects unknown keys, wrong types, bad shapes and another vocabulary', () => {
    expect(() => resolveTextEncoderConfig('huge')).toThrow(UserError);
    expect(() => resolveTextEncoderConfig('tiny', { layers: 3 })).toThrow('unknown text encoder config key "layers"');
    expect(() => resolveTextEncoderConfig('tiny', { depth: '2' })).toThrow('"depth" must be a number');
    expect(() => resolveTextEncoderConfig('tiny', { depth: 1.5 })).toThrow('positive integer');
    expect(() => resolveTextEncoderConfig('tiny', { heads: 3 })).toThrow('not divisible by heads');
    expect(() => resolveTextEncoderConfig('tiny', { kind: 'clip' })).toThrow('"kind" must be one of: transformer');
    expect(() => validateTextEncoderConfig({ ...tiny, vocabVersion: 'world-v0-000000000000' })).toThrow('caption vocabulary changed');
    expect(() => validateTextEncoderConfig({ ...tiny, vocabSize: VOCAB_SIZE + 1 })).toThrow(UserError);
    const { maxLength: _, ...missing } = tiny;
    expect(() => validateTextEncoderConfig(missing)).toThrow('"maxLength" must be a number');
  });
});

describe('text encoder', () => {
  it('gives tokens [B, L, E], pooled [B, E] and the mask, and names unknown words', () => {
    const encoder = createTextEncoder(tiny, 0);
    try {
      expect(encoder).toBeInstanceOf(TransformerTextEncoder);
      const out = encoder.encode([...PROMPTS, 'a red ball zooms']);
      expect(out.tokens.shape).toEqual([4, L, 32]);
      expect(out.pooled.shape).toEqual([4, 32]);
      expect(out.mask.shape).toEqual([4, L]);
      expect(values(tf.sum(out.mask, 1))).toEqual([7, 10, 4, 4]);
      expect(out.unknown).toEqual(['zooms']);
      expect(out.truncated).toEqual([false, false, false, false]);
      // Padded positions are exactly zero; pooled is the mean of the real ones.
      expect(maxAbs(tf.slice(out.tokens, [0, 7, 0], [1, L - 7, 32]))).toBe(0);
      const mean = tf.mean(tf.slice(out.tokens, [0, 0, 0], [1, 7, 32]), 1);
      expect(maxAbs(tf.sub(mean, tf.slice(out.pooled, [0, 0], [1, 32])))).toBeLessThan(1e-6);
      expect(() => encoder.encode(['a red ball', '  '])).toThrow('prompt is empty');
      expect(encoder.encode(['a ' + 'red ball '.repeat(30)]).truncated).toEqual([true]);
    } finally {
      encoder.dispose();
    }
  });

  it('is unaffected by what the padded positions hold', () =>
    withEncoder(1, (encoder) => {
      const clean = batch(PROMPTS, 0);
      const noisy = batch(PROMPTS, UNK_ID + 40);
      const [a, b] = [encoder.forward(clean.ids, clean.mask), encoder.forward(noisy.ids, noisy.mask)];
      // Exactly: a masked key's softmax weight is exactly 0, and zeroing the padded tokens leaves no trace.
      expect(maxAbs(tf.sub(b.tokens, a.tokens))).toBe(0);
      expect(maxAbs(tf.sub(b.pooled, a.pooled))).toBe(0);
      // A batch-mate's length does not matter either: encoding alone gives the same row.
      const alone = encoder.encode([PROMPTS[1]]);
      expect(maxAbs(tf.sub(alone.pooled, tf.slice(a.pooled, [1, 0], [1, 32])))).toBeLessThan(1e-6);
    }));

  it('encodes the null caption: [NULL] then padding, one learned embedding for every row', () =>
    withEncoder(2, (encoder) => {
      const u = encoder.encodeUnconditional(3);
      expect(u.pooled.shape).toEqual([3, 32]);
      expect(values(tf.sum(u.mask, 1))).toEqual([1, 1, 1]);
      const rows = tf.unstack(u.pooled);
      expect(values(rows[2])).toEqual(values(rows[0]));
      // Caption dropout: a dropped row is the null caption (and may be empty); the others are untouched.
      const mixed = encoder.encode([PROMPTS[0], ''], { unconditional: [false, true] });
      expect(values(tf.slice(mixed.pooled, [1, 0], [1, 32]))).toEqual(values(rows[0]));
      const cond = encoder.encode([PROMPTS[0]]);
      expect(values(tf.slice(mixed.pooled, [0, 0], [1, 32]))).toEqual(values(cond.pooled));
      expect(maxAbs(tf.sub(cond.pooled, rows[0]))).toBeGreaterThan(1e-3);
      // The [NULL] token's embedding row is what learns it ([UNK]'s gets nothing).
      const w = tf.randomNormal([1, 32], 0, 1, 'float32', 13); // a plain sum of a LayerNorm's output has no gradient
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(encoder.encodeUnconditional(1).pooled, w)) as tf.Scalar);
      expect(maxAbs(tf.slice(grads['text.embed.weight'], [NULL_ID, 0], [1, 32]))).toBeGreaterThan(0);
      expect(maxAbs(tf.slice(grads['text.embed.weight'], [UNK_ID, 0], [1, 32]))).toBe(0);
    }));

  it('sends a gradient to every parameter', () =>
    withEncoder(3, (encoder) => {
      const wTokens = tf.randomNormal([3, L, 32], 0, 1, 'float32', 11);
      const wPooled = tf.randomNormal([3, 32], 0, 1, 'float32', 12);
      const { grads } = tf.variableGrads(() => {
        const out = encoder.encode(PROMPTS);
        return tf.add(tf.sum(tf.mul(out.tokens, wTokens)), tf.sum(tf.mul(out.pooled, wPooled))) as tf.Scalar;
      }, Object.values(encoder.params));
      expect(Object.keys(grads).sort()).toEqual(Object.keys(encoder.params).sort());
      expect(Object.entries(grads).filter(([, g]) => maxAbs(g) === 0).map(([n]) => n)).toEqual([]);
    }));

  it('initialises the same for the same seed and differently for another; pinned output', () => {
    const init = (seed: number) =>
      withEncoder(seed, (encoder) => ({
        params: Object.fromEntries(Object.entries(encoder.params).map(([n, v]) => [n, values(v)])),
        pooled: values(encoder.encode([PROMPTS[0]]).pooled),
      }));
    const [a, b, c] = [init(7), init(7), init(8)];
    expect(b.params).toEqual(a.params);
    expect(b.pooled).toEqual(a.pooled);
    expect(c.params['text.embed.weight']).not.toEqual(a.params['text.embed.weight']);
    const block = ['norm1', 'attn.qkv', 'attn.proj', 'norm2', 'fc1', 'fc2'].flatMap((p) => [`${p}.weight`, `${p}.bias`]);
    expect(Object.keys(a.params)).toEqual([
      'text.embed.weight',
      'text.pos_embed',
      ...[0, 1].flatMap((i) => block.map((p) => `text.blocks.${i}.${p}`)),
      'text.norm.weight',
      'text.norm.bias',
    ]);
    const pinned = [-0.119025, -2.046057, -0.08029, 0.49171];
    a.pooled.slice(0, 4).forEach((v, i) => expect(v).toBeCloseTo(pinned[i], 5));
  });
});
