import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorldDataset } from '../../datasets/shards.js';
import { useBackend } from '../../base/compute/backend.js';
import { loadPipeline } from '../../src/infer/pipeline.js';
import { readMetrics } from '../../eval/figures/loss-curve.js';
import { quickRun, type QuickRun } from './quick-run.js';

let quick: QuickRun;
const steps: number[] = [];
beforeAll(async () => {
  await useBackend({});
  quick = await quickRun({ families: 'uniform,bounce', samples: 4, steps: 3, batchSize: 2, onStep: (m) => steps.push(m.step) });
});
afterAll(() => fs.rmSync(quick.dir, { recursive: true, force: true }));

describe('quickRun', () => {
  it('makes the dataset and trains the tiny preset on it, with one checkpoint, samples and the loss page at the end', () => {
    const ds = new WorldDataset(quick.data);
    expect(ds.length).toBe(4);
    expect(ds.shape).toEqual([4, 16, 16, 3]);
    expect(ds.meta(1).spec?.family).toBe('bounce');
    ds.close();
    expect(steps).toEqual([1, 2, 3]);
    expect(readMetrics(quick.run).map((m) => m.step)).toEqual([1, 2, 3]);
    expect(quick.result.step).toBe(3);
    expect(fs.readdirSync(`${quick.run}/checkpoints`).filter((f) => f.startsWith('step-'))).toEqual(['step-00000003']);
    expect(quick.trainSeconds).toBeGreaterThan(0);
    // The last step's side outputs, as `spacetime train` writes them.
    expect(fs.readdirSync(`${quick.run}/samples`)).toEqual(['step-00000003.mp4']);
    expect(fs.existsSync(`${quick.run}/loss.html`)).toBe(true);
    const pipe = loadPipeline(quick.run);
    expect(pipe.config).toMatchObject({ preset: 'tiny', steps: 3, batchSize: 2, emaDecay: 0.95, data: quick.data });
    pipe.net.dit.dispose();
    pipe.net.encoder.dispose();
  });
});
