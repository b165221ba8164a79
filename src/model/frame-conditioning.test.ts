// Given frames: the patch embedding's input, the exact warm start from a text-only model, and
// the pipeline writing given frames back exactly (tiny preset, in memory).
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../base/compute/backend.js';
import { UserError } from '../../base/errors.js';
import { generateBatch, type Pipeline } from '../infer/pipeline.js';
import { resolveConfig, type DiTConfig } from './config.js';
import { generatedFrameWeight, givenFramesCondition, inputChannels, widenPatchEmbedding, withGivenFrames } from './frame-conditioning.js';
import { resolveTextEncoderConfig } from '../text/config.js';
import { buildVideoModel, type VideoModel } from './video-model.js';
import { PIXELS } from './video-codec.js';

beforeAll(async () => {
  await useBackend({});
});

const tiny = resolveConfig('tiny');
const conditioned = { ...tiny, frameConditioning: true };
let live: VideoModel[] = [];
afterEach(() => {
  for (const net of live) {
    net.dit.dispose();
    net.encoder.dispose();
  }
  live = [];
});
const build = (model: DiTConfig = conditioned, seed = 3) => {
  const net = buildVideoModel(model, resolveTextEncoderConfig('tiny'), seed);
  live.push(net);
  return net;
};
const loaded = (net: VideoModel) => Object.fromEntries(Object.entries(net.params).map(([k, v]) => [k, { shape: v.shape, data: v.dataSync() as Float32Array }]));

describe('frame conditioning', () => {
  it('feeds [x_t | given frames | mask] to the patch embedding', () => {
    expect(inputChannels(tiny)).toBe(3);
    expect(inputChannels(conditioned)).toBe(7);
    const x = tf.ones([2, 3, 4, 16, 16]) as tf.Tensor5D;
    const given = givenFramesCondition(tf.fill([2, 3, 4, 16, 16], 0.5) as tf.Tensor5D, [1, 0, 0, 0, 0, 0, 1, 1], 4);
    const input = withGivenFrames(x, given);
    expect(input.shape).toEqual([2, 7, 4, 16, 16]);
    const v = input.arraySync() as number[][][][][];
    expect([v[0][3][0][5][5], v[0][3][1][5][5], v[1][3][2][0][0], v[1][3][1][0][0]]).toEqual([0.5, 0, 0.5, 0]); // frames, zero where not given
    expect([v[0][6][0][0][0], v[0][6][1][0][0], v[1][6][3][0][0]]).toEqual([1, 0, 1]); // the mask channel
    expect(withGivenFrames(x, {}).shape).toEqual([2, 7, 4, 16, 16]); // nothing given: text to video
    expect(Array.from(generatedFrameWeight([1, 0, 0, 1], 1, 4).dataSync())).toEqual([0, 1, 1, 0]);
  });

  it('a text-only model widened with zero columns predicts exactly what it did, frames given or not', () => {
    const plain = build(tiny);
    const x = tf.randomNormal([2, 3, 4, 16, 16], 0, 1, 'float32', 7) as tf.Tensor5D;
    const t = tf.tensor1d([200, 800]);
    const text = plain.encoder.encode(['a red ball moves to the left', 'a blue square falls']);
    const before = plain.dit.forward(x, t, text).dataSync();
    const weights = loaded(plain);
    plain.dit.dispose();
    plain.encoder.dispose();
    live = [];
    const widened = build(conditioned);
    for (const [name, v] of Object.entries(widenPatchEmbedding(weights, conditioned, 'test'))) widened.params[name].assign(tf.tensor(v.data, v.shape));
    const given = givenFramesCondition(x, [1, 1, 0, 0, 1, 0, 0, 0], 4);
    expect(widened.dit.forward(x, t, { ...text, ...given }).dataSync()).toEqual(before);
    expect(() => widenPatchEmbedding({ 'x_embed.weight': { shape: [32, 5], data: new Float32Array(160) } }, conditioned, 'ck')).toThrow(UserError);
  });

  it('the pipeline writes given frames back exactly, is deterministic per seed, and refuses a model that takes none', () => {
    const net = build();
    const pipe: Pipeline = { net, config: { model: conditioned, text: net.encoder.config, objective: 'x-prediction' }, checkpoint: 'tiny', step: 0, codec: PIXELS };
    const frame = 16 * 16 * 3;
    const frames = Uint8Array.from({ length: 4 * frame }, (_, i) => (i * 37) % 256);
    const given = { frames, mask: [true, true, false, false] };
    const request = { prompts: ['a red ball moves to the left', 'a red ball moves to the left'], seeds: [1, 2], steps: 2, guidance: 3, given: [given, null] };
    const [a, b] = generateBatch(pipe, request);
    expect(a.frames.subarray(0, 2 * frame)).toEqual(frames.subarray(0, 2 * frame));
    expect(a.frames.subarray(2 * frame)).not.toEqual(frames.subarray(2 * frame));
    expect(b.frames.subarray(0, frame)).not.toEqual(frames.subarray(0, frame));
    const [again] = generateBatch(pipe, { ...request, prompts: request.prompts.slice(0, 1), seeds: [1], given: [given] });
    expect(Buffer.from(again.frames).equals(Buffer.from(a.frames))).toBe(true);
    expect(() => generateBatch(pipe, { ...request, given: [{ frames, mask: [true, true, true, true] }, null] })).toThrow(/every frame is given/);
    expect(() => generateBatch(pipe, { ...request, given: [{ frames: frames.subarray(frame), mask: given.mask }, null] })).toThrow(/4-frame 16×16 clip/);
    const textOnly: Pipeline = { ...pipe, config: { ...pipe.config, model: tiny } };
    expect(() => generateBatch(textOnly, request)).toThrow(/not trained to take given frames/);
  });

  it('SDEdit: strength 1 is plain generation; a small strength starts near the clip', () => {
    // Untrained, the output layer is zero: a rectified-flow model's velocity is 0, so the sample stays where it starts.
    const net = build();
    const pipe: Pipeline = { net, config: { model: conditioned, text: net.encoder.config, objective: 'rectified-flow' }, checkpoint: 'tiny', step: 0, codec: PIXELS };
    const clip = Uint8Array.from({ length: 4 * 16 * 16 * 3 }, (_, i) => (i * 11) % 256);
    const request = { prompts: ['a blue ball falls'], seeds: [4], steps: 4, guidance: 1 };
    const [plain] = generateBatch(pipe, request);
    const [full] = generateBatch(pipe, { ...request, edit: { clips: [clip], strength: 1 } });
    expect(Buffer.from(full.frames).equals(Buffer.from(plain.frames))).toBe(true);
    const [light] = generateBatch(pipe, { ...request, edit: { clips: [clip], strength: 0.02 } });
    const meanAbs = light.frames.reduce((s, v, i) => s + Math.abs(v - clip[i]), 0) / clip.length;
    expect(meanAbs).toBeLessThan(5); // 0.98·clip + 0.02·noise
    expect(() => generateBatch(pipe, { ...request, edit: { clips: [clip], strength: 0 } })).toThrow(/strength/);
  });
});
