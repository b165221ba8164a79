// Frame hints: a latent model that takes any given frames, not only whole latent frames. The
// mapping of a pixel mask onto latent frames (shares and held-still sources), the training
// condition built from it (hints where partly given, the loss over them), and end to end on tiny
// models: --frame-hints from a latent model, resumed bit-identically, generating from one image
// (given back exactly), accepted by eval and the server, refused in one line where it cannot apply.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../base/compute/backend.js';
import { sha256 } from '../base/io/hash.js';
import { makeDataset } from '../datasets/make.js';
import { parseSelection } from '../datasets/selection.js';
import { disposePipeline, generateVideos, loadPipeline, readPipelineConfig } from '../src/infer/pipeline.js';
import { imageToVideo, keepFrames } from '../src/infer/prompting.js';
import { givenFrameGroup, hintFrameSources, modelFrameMask, pixelModel } from '../src/model/latent-space.js';
import { EMA_FILE } from '../src/model/checkpoint.js';
import { hintedFrames } from '../src/train/frame-masks.js';
import { shipVae } from '../app/ship/vae-ship.js';
import { train } from '../src/train/trainer.js';
import { trainVae } from '../src/train/vae-trainer.js';
import type { TrainConfig } from '../src/train/train-config.js';
import { checkTargets } from '../app/server/uploads.js';
import { runEvaluation } from '../eval/run/run.js';
import { spacetimeHere } from './spacetime-cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-hints-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const at = (name: string) => path.join(tmp, name);
const quiet = () => {};
const base = { preset: 'tiny', data: '', steps: 4, batchSize: 4, lr: 3e-3, warmup: 1, checkpointEvery: 2, sampleEvery: 0, frameConditioning: true, note: quiet };
beforeAll(() => useBackend());
const emaSha = (run: string, step: number) => sha256(fs.readFileSync(path.join(run, 'checkpoints', `step-${String(step).padStart(8, '0')}`, EMA_FILE)));

describe('a pixel mask on latent frames', () => {
  it('gives each latent frame the share of its frames given', () => {
    expect(modelFrameMask([1, 0, 0, 0, 0, 0, 0, 0], 4).share).toEqual([0.25, 0]);
    expect(modelFrameMask([1, 1, 1, 0, 0, 0, 0, 0], 4).share).toEqual([0.75, 0]); // PhyWorld's 3 frames
    expect(modelFrameMask([1, 1, 1, 1, 0, 0, 0, 1], 4)).toEqual({ mask: [true, false], share: [1, 0.25], partial: 4 + 3 });
  });

  it('holds the nearest given frame of its latent frame still where a frame is not given', () => {
    expect(Array.from(hintFrameSources([1, 0, 0, 0, 0, 0, 0, 0], 4))).toEqual([0, 0, 0, 0, 4, 5, 6, 7]); // one image: a still tubelet
    expect(Array.from(hintFrameSources([1, 1, 1, 0], 4))).toEqual([0, 1, 2, 2]);
    expect(Array.from(hintFrameSources([0, 1, 0, 0, 0, 0, 1, 0], 4))).toEqual([1, 1, 1, 1, 6, 6, 6, 6]);
    expect(Array.from(hintFrameSources([1, 0, 0, 1], 4))).toEqual([0, 0, 3, 3]); // the earlier on a tie: frame 1 ← 0, frame 2 ← 3
    expect(Array.from(hintFrameSources([1, 0, 1], 1))).toEqual([0, 1, 2]); // a pixel model: nothing held
  });
});

describe('the training condition with hints', () => {
  // A stand-in encoder: each latent frame is the mean of its k frames (so a still tubelet is its frame).
  const k = 2;
  const encode = (pixels: tf.Tensor5D) => tf.tidy(() => {
    const [B, C, T, H, W] = pixels.shape;
    return tf.mean(tf.reshape(pixels, [B, C, T / k, k, H, W]), 3) as tf.Tensor5D;
  });

  it('is the hint where a latent frame is partly given, the latents where wholly given, zero elsewhere; the loss covers the hints', () => {
    const [B, C, T, H, W] = [3, 1, 4, 2, 2];
    const pixels = tf.tensor5d(Float32Array.from({ length: B * C * T * H * W }, (_, i) => i), [B, C, T, H, W]);
    const latents = encode(pixels);
    const masks = [[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 1]];
    const { condition, weight } = hintedFrames(pixels, latents, masks, encode, k);
    const frames = condition.frames.arraySync() as number[][][][][];
    const p = pixels.arraySync() as number[][][][][];
    const l = latents.arraySync() as number[][][][][];
    expect(Array.from(condition.frameMask.dataSync())).toEqual([0.5, 0, 1, 0, 0, 0.5]);
    expect(Array.from(weight.dataSync())).toEqual([1, 1, 0, 1, 1, 1]);
    expect(frames[0][0][0]).toEqual(p[0][0][0]); // clip 0: frame 0 held still, its mean is frame 0
    expect(frames[0][0][1]).toEqual([[0, 0], [0, 0]]);
    expect(frames[1][0][0]).toEqual(l[1][0][0]); // clip 1: wholly given
    expect(frames[2][0][1]).toEqual(p[2][0][3]); // clip 2: frame 3 held still
    tf.dispose([pixels, latents, condition.frames, condition.frameMask, weight]);
  });

  it('without a partly given latent frame is exactly the whole-latent-frame condition', () => {
    const pixels = tf.randomUniform([2, 1, 4, 2, 2], -1, 1, 'float32', 1) as tf.Tensor5D;
    const latents = encode(pixels);
    let calls = 0;
    const { condition } = hintedFrames(pixels, latents, [[1, 1, 0, 0], [0, 0, 0, 0]], (x) => (calls++, encode(x)), k);
    expect(calls).toBe(0);
    expect(Array.from(condition.frameMask.dataSync())).toEqual([1, 0, 0, 0]);
    tf.dispose([pixels, latents, condition.frames, condition.frameMask]);
  });
});

describe('train --frame-hints', () => {
  beforeAll(async () => {
    makeDataset(parseSelection({ families: 'uniform,layout', n: 8, seed: 1, size: 16, frames: 4 }), { out: at('data') });
    base.data = at('data');
    await trainVae({ preset: 'tiny', data: at('data'), steps: 4, out: at('vae-run'), batchSize: 4, lr: 1e-2, warmup: 1, note: quiet });
    shipVae({ run: at('vae-run'), out: at('vae'), evaluation: { perFamily: 1 } });
    await train({ ...base, out: at('whole'), latent: at('vae') });
    await train({ ...base, out: at('hints'), init: at('whole'), frameHints: true, evaluation: { every: 4, suite: 'all-id', keepFrames: 1, perCategory: 1 }, evaluate: (await import('../eval/run/track.js')).evaluateDuringTraining });
  }, 240_000);

  it('records frameHints in the model config (a second leg of a latent model), and tracks physics from one given frame', () => {
    const config = JSON.parse(fs.readFileSync(at('hints/config.json'), 'utf8')) as TrainConfig;
    expect(config.model).toMatchObject({ frameConditioning: true, frameHints: true });
    expect(givenFrameGroup(config)).toBe(1);
    expect(givenFrameGroup(JSON.parse(fs.readFileSync(at('whole/config.json'), 'utf8')) as TrainConfig)).toBe(2);
    const evals = fs.readFileSync(at('hints/metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { eval?: { keep_frames: number } }).filter((l) => l.eval);
    expect(evals.map((e) => e.eval!.keep_frames)).toEqual([1]);
  });

  it('resumes bit-identically', async () => {
    await train({ ...base, out: at('straight'), latent: at('vae'), frameHints: true });
    fs.cpSync(at('straight'), at('half'), { recursive: true });
    await train({ ...base, out: at('half'), resumeFrom: '2' });
    expect(emaSha(at('half'), 4)).toBe(emaSha(at('straight'), 4));
  }, 120_000);

  it('generates from one image or 1 given frame, giving it back exactly, deterministically', () => {
    const pipe = loadPipeline(at('hints'));
    try {
      const frame = 16 * 16 * 3;
      const clip = { frames: Uint8Array.from({ length: 4 * frame }, (_, i) => (i * 7) % 256), numFrames: 4, height: 16, width: 16, fps: 8 };
      const [a] = keepFrames(pipe, { prompt: 'a red ball', seeds: [1], steps: 3 }, clip, 1);
      const [b] = keepFrames(pipe, { prompt: 'a red ball', seeds: [1], steps: 3 }, clip, 1);
      expect(sha256(a.frames.subarray(0, frame))).toBe(sha256(clip.frames.subarray(0, frame)));
      expect(sha256(a.frames)).toBe(sha256(b.frames));
      const image = { ...clip, frames: clip.frames.slice(0, frame), numFrames: 1 };
      const [c] = imageToVideo(pipe, { prompt: 'a red ball', seeds: [1], steps: 3 }, image);
      expect(c.numFrames).toBe(4);
      expect(sha256(c.frames.subarray(0, frame))).toBe(sha256(image.frames));
      // Nothing left behind, whatever is given (text only, an image's hint, a whole latent frame).
      const before = tf.memory().numTensors;
      generateVideos(pipe, { prompt: 'a red ball', seeds: [1], steps: 2 });
      imageToVideo(pipe, { prompt: 'a red ball', seeds: [1], steps: 2 }, image);
      keepFrames(pipe, { prompt: 'a red ball', seeds: [1], steps: 2 }, clip, 2);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      disposePipeline(pipe);
    }
  });

  it('is accepted by the server and eval with any number of given frames', async () => {
    const config = readPipelineConfig(at('hints'));
    const target = { id: 'hints', model: pixelModel(config), givenFrameGroup: givenFrameGroup(config) };
    expect(() => checkTargets([target], { type: 'image/png' })).not.toThrow();
    expect(() => checkTargets([target], { type: 'video/mp4', keepFrames: 3 })).not.toThrow();
    const run = await runEvaluation({ suite: 'smoke', checkpoint: at('hints'), keepFrames: 1, limit: 1, out: at('eval-k1') });
    expect(run.run.headline.videos).toBeGreaterThan(0);
  }, 120_000);

  it('is refused in one line for a pixel model or one not given frames, nothing written', async () => {
    const args = ['train', '--preset', 'tiny', '--data', at('data'), '--steps', '1', '--frame-hints'];
    const pixel = await spacetimeHere(...args, '--frame-conditioning', '--out', at('pixel-hints'));
    expect(pixel.code).toBe(2);
    expect(pixel.err.at(-1)).toMatch(/--frame-hints needs a latent model \(--latent, or --init from one\) that takes given frames \(--frame-conditioning\)/);
    const textOnly = await spacetimeHere(...args, '--latent', at('vae'), '--out', at('text-hints'));
    expect(textOnly.code).toBe(2);
    expect(textOnly.err.at(-1)).toMatch(/--frame-hints needs a latent model/);
    expect(fs.existsSync(at('pixel-hints')) || fs.existsSync(at('text-hints'))).toBe(false);
  });
});
