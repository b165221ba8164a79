// Guidance methods and the frames' own scale through the pipeline's request (tiny preset, in memory).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../base/compute/backend.js';
import { UserError } from '../../base/errors.js';
import { Rng } from '../../base/rng.js';
import { gaussian } from '../diffusion/noise.js';
import { resolveConfig } from '../model/config.js';
import { buildVideoModel, type VideoModel } from '../model/video-model.js';
import { resolveTextEncoderConfig } from '../text/config.js';
import { generateBatch, type BatchRequest, type Pipeline } from './pipeline.js';
import { PIXELS } from '../model/video-codec.js';

const conditioned = { ...resolveConfig('tiny'), frameConditioning: true };
let net: VideoModel;
let pipe: Pipeline;
beforeAll(async () => {
  await useBackend({});
  net = buildVideoModel(conditioned, resolveTextEncoderConfig('tiny'), 3);
  // adaLN-Zero makes a fresh DiT output zeros whatever the text and frames; wake the zero layers up
  Object.values(net.params).forEach((p, k) => {
    if (tf.tidy(() => tf.max(tf.abs(p)).dataSync()[0]) === 0) p.assign(tf.tidy(() => gaussian(p.shape, Rng.from(`wake/${k}`)).mul(0.05)));
  });
  pipe = { net, config: { model: conditioned, text: net.encoder.config, objective: 'rectified-flow' }, checkpoint: 'tiny', step: 0, codec: PIXELS };
});
afterAll(() => {
  net.dit.dispose();
  net.encoder.dispose();
});

const FRAME = 16 * 16 * 3;
const frames = Uint8Array.from({ length: 4 * FRAME }, (_, i) => (i * 37) % 256);
const request: BatchRequest = { prompts: ['a red ball moves to the left'], seeds: [1], steps: 2, guidance: 3, given: [{ frames, mask: [true, false, false, false] }] };
const video = (r: Partial<BatchRequest>) => generateBatch(pipe, { ...request, ...r })[0].frames;
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const maxDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('guidance through the pipeline', () => {
  it('takes a method and its interval: the interval [0, 1] is CFG, APG differs; bad names and intervals are refused', () => {
    const plain = video({});
    expect(same(video({ guidanceMethod: 'cfg' }), plain)).toBe(true);
    expect(same(video({ guidanceMethod: 'interval', guidanceInterval: [0, 1] }), plain)).toBe(true);
    expect(same(video({ guidanceMethod: 'apg' }), plain)).toBe(false);
    expect(() => video({ guidanceMethod: 'nope' })).toThrow(UserError);
    expect(() => video({ guidanceMethod: 'apg', guidanceInterval: [0, 1] })).toThrow(UserError);
    expect(() => video({ guidanceMethod: 'interval', guidanceInterval: [0.9, 0.1] })).toThrow('0 ≤ LO ≤ HI ≤ 1');
  });

  it('a frame scale: 1 is the two-pass text guidance, another scale changes the video, given frames come back exactly', () => {
    const plain = video({});
    expect(maxDiff(video({ frameGuidance: 1 }), plain)).toBeLessThanOrEqual(1); // the same sum in another order: a rounding step at most
    const scaled = video({ frameGuidance: 3 });
    expect(maxDiff(scaled, plain)).toBeGreaterThan(1);
    expect(same(scaled.subarray(0, FRAME), frames.subarray(0, FRAME))).toBe(true);
  });

  it('refuses a frame scale without given frames, on a model that takes none, with another method, or not finite', () => {
    expect(() => video({ frameGuidance: 2, given: undefined })).toThrow('--frame-guidance needs given frames to guide');
    expect(() => video({ frameGuidance: 2, given: [null] })).toThrow('--frame-guidance needs given frames to guide');
    expect(() => video({ frameGuidance: 2, guidanceMethod: 'apg' })).toThrow('--frame-guidance combines with --guidance-method cfg only, not apg');
    expect(() => video({ frameGuidance: NaN })).toThrow(UserError);
    const textOnly: Pipeline = { ...pipe, config: { ...pipe.config, model: resolveConfig('tiny') } };
    expect(() => generateBatch(textOnly, { ...request, given: undefined, frameGuidance: 2 })).toThrow(/needs a model trained to take given frames/);
  });
});
