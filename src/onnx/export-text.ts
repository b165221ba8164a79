/**
 * The text encoder (src/text/encoder.ts, TransformerTextEncoder.forward) as an ONNX graph:
 * token embedding + learned positions → depth × [LayerNorm → masked self-attention → +,
 * LayerNorm → MLP → +] → final LayerNorm → padded positions zeroed → tokens; pooled = the
 * mean of the tokens over the mask.
 *
 * Inputs: ids [B, L] int32 (the tokenizer's word ids, L = maxLength), mask [B, L] (1 = word).
 * Outputs: tokens [B, L, E], pooled [B, E], keep [B, L] (the mask as 0/1 floats), which are
 * the DiT graph's tokens, pooled and mask inputs. Tokenizing stays in JavaScript
 * (src/text/tokenizer.ts): its vocabulary is in config.json's text.vocabVersion.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TextEncoder } from '../text/encoder.js';
import { GraphBuilder } from './graph.js';
import { gelu, keepOf, layerNorm, linear, multiHeadAttention, valuesOf } from './layers.js';
import { DataType } from './proto.js';

/** encoder.ts's LN_EPS (PyTorch's default). */
const LN_EPS = 1e-5;

export function textEncoderGraph(encoder: TextEncoder): GraphBuilder {
  const c = encoder.config;
  const p = encoder.params as Record<string, tf.Tensor>;
  const [L, E] = [c.maxLength, c.width];
  const g = new GraphBuilder('spacetime_text_encoder');
  const ids = g.input('ids', DataType.INT32, ['batch', L], `word ids from the tokenizer (vocabulary ${c.vocabVersion}), padded to ${L}`);
  const keep = keepOf(g, g.input('mask', DataType.FLOAT, ['batch', L], '1 = word, 0 = padding'));
  const norm = (name: string, x: string) =>
    layerNorm(g, x, E, LN_EPS, { scale: g.weight(`${name}.weight`, valuesOf(p[`${name}.weight`]), [E]), bias: g.weight(`${name}.bias`, valuesOf(p[`${name}.bias`]), [E]) });

  const embed = g.weight('text.embed.weight', valuesOf(p['text.embed.weight']), [c.vocabSize, E]);
  const positions = g.weight('text.pos_embed', valuesOf(p['text.pos_embed']).subarray(0, L * E), [L, E]);
  let x = g.op('Add', [g.op('Gather', [embed, ids], { axis: { int: 0 } }), positions]); // [B, L, E]
  for (let i = 0; i < c.depth; i++) {
    const b = `text.blocks.${i}`;
    const [q, k, v] = g.opN('Split', [linear(g, p, `${b}.attn.qkv`, norm(`${b}.norm1`, x))], 3, { axis: { int: 2 } }); // 3 × [B, L, E]
    x = g.op('Add', [x, linear(g, p, `${b}.attn.proj`, multiHeadAttention(g, q, k, v, E, c.heads, keep))]); // [B, L, E]
    const hidden = gelu(g, linear(g, p, `${b}.fc1`, norm(`${b}.norm2`, x))); // [B, L, rE]
    x = g.op('Add', [x, linear(g, p, `${b}.fc2`, hidden)]); // [B, L, E]
  }
  const tokens = g.op('Mul', [norm('text.norm', x), g.op('Unsqueeze', [keep, g.int64s([2])])]); // [B, L, E]
  const count = g.op('Max', [g.op('ReduceSum', [keep, g.int64s([1])], { keepdims: { int: 1 } }), g.scalar(1)]); // [B, 1], ≥ 1 word
  const pooled = g.op('Div', [g.op('ReduceSum', [tokens, g.int64s([1])], { keepdims: { int: 0 } }), count]); // [B, E]
  g.output(tokens, 'tokens', DataType.FLOAT, ['batch', L, E], 'token embeddings, zero at padded positions');
  g.output(pooled, 'pooled', DataType.FLOAT, ['batch', E], 'mean of the tokens over the mask');
  g.output(keep, 'keep', DataType.FLOAT, ['batch', L], 'the mask as 0/1 floats (the DiT input "mask")');
  return g;
}
