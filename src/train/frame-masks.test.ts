// Multi-task masks of given frames, and training a model that takes them (tiny preset).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataset } from '../../datasets/make.js';
import { parseSelection } from '../../datasets/selection.js';
import { useBackend } from '../../base/compute/backend.js';
import { Rng } from '../../base/rng.js';
import { loadCheckpoint } from '../model/checkpoint.js';
import { drawFrameMask, frameMask, MASK_STRATEGIES } from './frame-masks.js';
import { train } from './trainer.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-frames-'));
const data = path.join(tmp, 'data');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await useBackend({});
  makeDataset(parseSelection({ families: 'uniform,bounce', n: 4, seed: 1, size: 16, frames: 4 }), { out: data });
});

describe('frame masks', () => {
  it('each strategy gives what it says, never every frame', () => {
    const rng = Rng.from('masks');
    expect(Array.from(frameMask('none', 16, rng))).toEqual(new Array(16).fill(0));
    expect(Array.from(frameMask('first', 16, rng))).toEqual([1, ...new Array(15).fill(0)]);
    expect(Array.from(frameMask('every-other', 4, rng))).toEqual([1, 0, 1, 0]);
    for (let i = 0; i < 500; i++) {
      for (const [strategy] of MASK_STRATEGIES) {
        const m = Array.from(frameMask(strategy, 16, rng));
        expect(m.some((v) => v === 0)).toBe(true);
        if (strategy === 'first-k') expect(m.indexOf(0)).toBe(m.lastIndexOf(1) + 1);
        if (strategy === 'last-k') expect(m.lastIndexOf(0)).toBe(m.indexOf(1) - 1);
      }
    }
    expect(MASK_STRATEGIES.reduce((s, [, share]) => s + share, 0)).toBeCloseTo(1, 10);
  });

  it('draws strategies by their shares, the same for the same seed', () => {
    const rng = Rng.from('shares');
    const draws = Array.from({ length: 4000 }, () => drawFrameMask(16, rng));
    const none = draws.filter((m) => m.every((v) => v === 0)).length / draws.length;
    expect(none).toBeGreaterThan(0.35);
    expect(none).toBeLessThan(0.5); // 0.4, plus a 'random' draw that gives nothing now and then
    const again = Rng.from('shares');
    expect(Array.from(drawFrameMask(16, again))).toEqual(Array.from(draws[0]));
  });

  it('trains a frame-conditioned model from a text-only checkpoint, and resumes bit-identically', async () => {
    const common = { preset: 'tiny', data, batchSize: 4, lr: 1e-2, warmup: 2, checkpointEvery: 2 };
    await train({ ...common, steps: 2, out: path.join(tmp, 'plain') });
    const init = path.join(tmp, 'plain', 'checkpoints', 'step-00000002');
    const straight = path.join(tmp, 'straight');
    const resumed = path.join(tmp, 'resumed');
    await train({ ...common, steps: 4, out: straight, init, frameConditioning: true });
    await train({ ...common, steps: 2, out: resumed, init, frameConditioning: true });
    await train({ ...common, steps: 4, out: resumed, resume: true });
    const ck = loadCheckpoint(path.join(straight, 'checkpoints', 'step-00000004'));
    expect((ck.config as { model: { frameConditioning?: boolean } }).model.frameConditioning).toBe(true);
    expect(ck.params['x_embed.weight'].shape).toEqual([32, 7 * 8]);
    const weights = (run: string) => fs.readFileSync(path.join(run, 'checkpoints', 'step-00000004', 'model.safetensors'));
    expect(weights(resumed).equals(weights(straight))).toBe(true);
  });
});
