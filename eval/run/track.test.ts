// Physics tracked during training: the evaluation lines in metrics.jsonl, the loss page's
// second figure, and training unchanged by it (tiny preset, frame-conditioned).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataset } from '../../datasets/make.js';
import { parseSelection } from '../../datasets/selection.js';
import { useBackend } from '../../base/compute/backend.js';
import { UserError } from '../../base/errors.js';
import { train } from '../../src/train/trainer.js';
import { bucketDir, parseBuckets } from '../../src/train/buckets.js';
import { writeProgress } from '../../app/cli/progress-artifacts.js';
import { readEvaluations, readMetrics } from '../figures/loss-curve.js';
import { evaluateDuringTraining, trackingSuite } from './track.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-track-'));
const data = path.join(tmp, 'data');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await useBackend({});
  makeDataset(parseSelection({ families: 'uniform,bounce', n: 4, seed: 1, size: 16, frames: 4 }), { out: data });
});

const common = { preset: 'tiny', data, batchSize: 4, lr: 1e-2, warmup: 2, checkpointEvery: 2, frameConditioning: true };
const evaluation = { every: 2, suite: 'smoke', keepFrames: 2, perCategory: 1 };

describe('training-time evaluation', () => {
  it('writes the headline every N steps beside the loss, and leaves training exactly as without it', async () => {
    const tracked = path.join(tmp, 'tracked');
    const plain = path.join(tmp, 'plain');
    await train({ ...common, steps: 4, out: tracked, evaluation, evaluate: evaluateDuringTraining, sampleEvery: 4, sideOutputs: writeProgress });
    await train({ ...common, steps: 4, out: plain });
    const evals = readEvaluations(tracked);
    expect(evals.map((e) => e.step)).toEqual([2, 4]);
    const { eval: last } = evals[1];
    expect(last).toMatchObject({ suite: 'smoke', keep_frames: 2, videos: 7 });
    for (const key of ['abnormal_rate', 'joint_accuracy'] as const) expect(last[key]).toBeGreaterThanOrEqual(0);
    expect(readMetrics(tracked).map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(readMetrics(tracked).map((m) => m.loss)).toEqual(readMetrics(plain).map((m) => m.loss));
    const weights = (run: string) => fs.readFileSync(path.join(run, 'checkpoints', 'step-00000004', 'model.safetensors'));
    expect(weights(tracked).equals(weights(plain))).toBe(true);
    expect(fs.readFileSync(path.join(tracked, 'loss.html'), 'utf8')).toContain('physics while training: smoke, first 2 frames given');
    expect(JSON.parse(fs.readFileSync(path.join(tracked, 'config.json'), 'utf8')).evaluation).toEqual(evaluation);
  });

  it('evaluates a bucketed run at each size asked, one line each named by it, and refuses a size it does not train', async () => {
    const buckets = parseBuckets('16x16x4:0.5,24x16x4:0.5');
    const bucketData = path.join(tmp, 'buckets');
    for (const b of buckets) makeDataset(parseSelection({ families: 'uniform,bounce', n: 4, seed: 1, size: { width: b.width, height: b.height }, frames: b.frames }), { out: bucketDir(bucketData, b) });
    const sizes = buckets.map(({ width, height, frames }) => ({ width, height, frames }));
    const out = path.join(tmp, 'sized');
    await train({ ...common, data: bucketData, buckets, steps: 2, out, evaluation: { ...evaluation, sizes }, evaluate: evaluateDuringTraining, sampleEvery: 2, sideOutputs: writeProgress });
    const evals = readEvaluations(out);
    expect(evals.map((e) => [e.step, e.eval.clip, e.eval.videos])).toEqual([
      [2, '16x16x4', 7],
      [2, '24x16x4', 7],
    ]);
    expect(fs.readFileSync(path.join(out, 'loss.html'), 'utf8')).toContain('abnormal rate, 24x16x4');
    const refused = path.join(tmp, 'sized-refused');
    await expect(train({ ...common, data: bucketData, buckets, steps: 2, out: refused, evaluation: { ...evaluation, sizes: [{ width: 32, height: 32, frames: 4 }] }, evaluate: evaluateDuringTraining })).rejects.toThrow(
      '--eval-sizes: 32x32x4 is not a size this run trains at (16x16x4, 24x16x4)',
    );
    expect(fs.existsSync(path.join(refused, 'config.json'))).toBe(false);
  }, 120_000);

  it('refuses what cannot be evaluated before training starts', async () => {
    expect(() => trackingSuite('no-such-suite', 1)).toThrow(UserError);
    const out = path.join(tmp, 'refused');
    await expect(train({ ...common, frameConditioning: false, steps: 2, out, evaluation, evaluate: evaluateDuringTraining })).rejects.toThrow(/needs a model that takes given frames/);
    await expect(train({ ...common, steps: 2, out, evaluation: { ...evaluation, keepFrames: 4 }, evaluate: evaluateDuringTraining })).rejects.toThrow(/below the model's 4 frames/);
    expect(fs.existsSync(path.join(out, 'config.json'))).toBe(false);
  });
});
