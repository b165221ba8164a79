// The shipped video encoder: its weights load and match their card, the octree-ordered matrix
// products are the 3-D convolutions they stand for, features are deterministic, other clip
// sizes are refused, and its Fréchet distance separates ground truth from perturbed or
// differently mixed sets by wide pinned margins. Nothing here trains.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKGROUND } from '../../datasets/world/palette.js';
import { Rng } from '../../base/rng.js';
import { FAMILIES } from '../../datasets/world/spec.js';
import { UserError } from '../../base/errors.js';
import { fitGaussian, frechetDistance, frechetWithInterval } from '../frechet/frechet.js';
import { addNoise, recolour, shuffleFrames, worldClips, type WorldClip } from './clip-sets.js';
import { ENCODER_HEADS, headHits, headTargets } from './encoder-heads.js';
import { ENCODER_VERSION, clipBackground, ensureEncoderBackend, loadVideoEncoder, readEncoderWeights, type VideoEncoder } from './video-encoder.js';

let encoder: VideoEncoder;
let a: WorldClip[];
let b: WorldClip[];
beforeAll(async () => {
  await ensureEncoderBackend();
  encoder = loadVideoEncoder();
  // Two disjoint ground-truth sets of the same families (world seeds no training set used).
  a = worldClips(FAMILIES, 'id', 9001, 12);
  b = worldClips(FAMILIES, 'id', 9002, 12);
});
afterAll(() => encoder?.dispose());

describe('the shipped video encoder', () => {
  it('loads the weights its card describes: 64 features, F32, under 2 MB', () => {
    const card = JSON.parse(fs.readFileSync(path.join(__dirname, 'video-encoder.json'), 'utf8'));
    expect(card.format).toBe(ENCODER_VERSION);
    expect(encoder.sha256).toBe(card.weights.sha256);
    expect(encoder.config.featureDim).toBe(64);
    expect(fs.statSync(encoder.file).size).toBe(card.weights.bytes);
    expect(card.weights.bytes).toBeLessThan(2 * 1024 * 1024);
    expect(card.heads.map((h: { name: string }) => h.name)).toEqual(ENCODER_HEADS.map((h) => h.name));
  });

  it('its heads read fresh world samples (84 clips of seed 9001)', () => {
    const outputs = encoder.headOutputs(a.map((c) => c.video));
    const accuracy = (name: string) => {
      const head = ENCODER_HEADS.find((h) => h.name === name)!;
      return a.reduce((s, c, k) => s + headHits(head, outputs[k], headTargets(c.meta)), 0) / a.length;
    };
    expect(accuracy('family')).toBeGreaterThan(0.9);
    expect(accuracy('count')).toBeGreaterThan(0.9);
    expect(accuracy('colours')).toBeGreaterThan(0.8);
  });

  it('the octree-ordered matrix products are 3-D convolutions with stride = kernel', () => {
    const { params } = readEncoderWeights(encoder.file);
    const clip = a[3].video;
    const features = tf.tidy(() => {
      const x = tf.tensor5d(Float32Array.from(clip.frames, (v, i) => (v - BACKGROUND[i % 3]) / 128), [1, 16, 32, 32, 3]);
      const conv = (h: tf.Tensor5D, name: string, kernel: [number, number, number], cin: number, cout: number) =>
        tf.relu(tf.add(tf.conv3d(h, tf.tensor5d(params[`${name}.weight`], [...kernel, cin, cout]), kernel, 'valid'), tf.tensor1d(params[`${name}.bias`]))) as tf.Tensor5D;
      const h1 = conv(x, 'stage1', [2, 4, 4], 3, 48); //  [1, 8, 8, 8, 48]
      const h2 = conv(h1, 'stage2', [2, 2, 2], 48, 96); // [1, 4, 4, 4, 96]
      const h3 = conv(h2, 'stage3', [2, 2, 2], 96, 128); // [1, 2, 2, 2, 128]
      const w4 = tf.tensor2d(params['features.weight'], [1024, 64]);
      return tf.relu(tf.add(tf.matMul(h3.reshape([1, 1024]), w4), tf.tensor1d(params['features.bias']))).arraySync() as number[][];
    });
    const ours = encoder.features([clip])[0];
    expect(Math.max(...ours)).toBeGreaterThan(0.1);
    ours.forEach((v, k) => expect(Math.abs(v - features[0][k])).toBeLessThan(1e-4));
  });

  it("reads each clip's background level: the world's, an MP4-like one-level shift, under noise", () => {
    const { video } = a[5];
    expect(clipBackground(video.frames)).toEqual([...BACKGROUND]);
    const bluer = Uint8Array.from(video.frames, (v, i) => (i % 3 === 2 ? v + 1 : v));
    expect(clipBackground(bluer)).toEqual([BACKGROUND[0], BACKGROUND[1], BACKGROUND[2] + 1]);
    expect(clipBackground(addNoise(video, 4, Rng.from('test/background')).frames)).toEqual([...BACKGROUND]);
  });

  it('features are deterministic and do not depend on the batch size', () => {
    const videos = a.slice(0, 9).map((c) => c.video);
    const once = encoder.features(videos);
    expect(encoder.features(videos)).toEqual(once);
    const inTwos = encoder.features(videos, { batchSize: 2 });
    once.forEach((row, i) => row.forEach((v, k) => expect(Math.abs(v - inTwos[i][k])).toBeLessThan(1e-5)));
  });

  it('refuses any clip but 32×32 with 16 frames, naming what it got', () => {
    const { video } = a[0];
    const small = { ...video, numFrames: 8, frames: video.frames.subarray(0, 8 * 32 * 32 * 3) };
    expect(() => encoder.features([video, small])).toThrow(UserError);
    expect(() => encoder.features([video, small])).toThrow('the video encoder reads 32×32 clips of 16 frames; video 1 is 32×32 with 8 frames');
    const wide = { ...video, width: 64, height: 16 };
    expect(() => encoder.features([wide])).toThrow('video 0 is 64×16 with 16 frames');
  });
});

describe('fd_encoder (Fréchet distance of encoder features)', () => {
  // FD² of each set against A (84 ground-truth clips, world seed 9001), pinned to 0.1% (float32
  // round-off differs a little between backends). B is 84 other ground-truth clips (seed 9002).
  const PINNED = { floor: 100.754, noise: 100.596, shuffled: 1695.07, red: 599.448, mix: 358.073 };
  let results: Record<keyof typeof PINNED, number>;
  let features: { a: number[][]; b: number[][]; shuffled: number[][] };

  beforeAll(() => {
    features = {
      a: encoder.features(a.map((c) => c.video)),
      b: encoder.features(b.map((c) => c.video)),
      shuffled: encoder.features(b.map((c, k) => shuffleFrames(c.video, Rng.from(`test/shuffle/${k}`)))),
    };
    const reference = fitGaussian(features.a);
    const fd = (f: number[][]) => frechetDistance(fitGaussian(f), reference);
    results = {
      floor: fd(features.b),
      noise: fd(encoder.features(b.map((c, k) => addNoise(c.video, 2, Rng.from(`test/noise/${k}`))))),
      shuffled: fd(features.shuffled),
      red: fd(encoder.features(b.map((c) => recolour(c, () => 'red')))),
      mix: fd(encoder.features(worldClips(['bounce', 'collision', 'layout'], 'id', 9003, 28).map((c) => c.video))),
    };
  });

  it('pins the distances (84 vs 84 clips)', () => {
    for (const [name, value] of Object.entries(results)) expect(Math.abs(value / PINNED[name as keyof typeof PINNED] - 1), name).toBeLessThan(1e-3);
  });

  it('two ground-truth sets are close, and pixel noise (σ = 2 levels) does not move them; shuffled, recoloured or re-mixed sets are far', () => {
    expect(Math.abs(results.noise / results.floor - 1)).toBeLessThan(0.02);
    expect(results.shuffled).toBeGreaterThan(10 * results.floor); // 16.8×
    expect(results.red).toBeGreaterThan(4 * results.floor); //       5.9×: every object red
    expect(results.mix).toBeGreaterThan(3 * results.floor); //       3.6×: bounce/collision/layout only
  });

  it('with n and a bootstrap 95% interval: the floor interval lies wholly below the shuffled one', () => {
    const floor = frechetWithInterval(features.b, features.a, { seed: 'test/floor', resamples: 40 });
    const shuffled = frechetWithInterval(features.shuffled, features.a, { seed: 'test/shuffled', resamples: 40 });
    expect(floor).toMatchObject({ n: [84, 84], dim: 64, fd: results.floor, bootstrap: 'independent', resamples: 40 });
    expect(floor.ci95[1]).toBeLessThan(shuffled.ci95[0]);
    // At 64 dimensions and n = 84 the percentile interval lies above the plug-in FD²: FD² is
    // biased upward at small n and resampling with replacement repeats clips, which adds to it.
    // The interval shows the spread of the estimate, not a bias-corrected range.
    expect(floor.ci95[0]).toBeGreaterThan(floor.fd);
  });
});
