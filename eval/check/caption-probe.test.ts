// The caption probe: word swapping, its input checks, and on a tiny trained model that the
// three captions are scored deterministically and the swapped words reach the model.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataset } from '../../datasets/make.js';
import { parseSelection } from '../../datasets/selection.js';
import { WorldDataset } from '../../datasets/shards.js';
import { useBackend } from '../../base/compute/backend.js';
import { train } from '../../src/train/trainer.js';
import { parseSwaps, swapWords } from '../../src/text/swaps.js';
import { formatProbe, runCaptionProbe } from './caption-probe.js';
import { loadPipeline } from '../../src/infer/pipeline.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-probe-'));
const data = path.join(tmp, 'data');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await useBackend({});
  makeDataset(parseSelection({ families: 'uniform,slide', n: 8, seed: 1, size: 16, frames: 4 }), { out: data });
  await train({ preset: 'tiny', data, steps: 4, out: path.join(tmp, 'run'), batchSize: 4, lr: 1e-2, warmup: 1, checkpointEvery: 4, sampleEvery: 0 });
});

describe('caption probe', () => {
  it('swaps whole words both ways', () => {
    const swaps = parseSwaps('left=right, leftward=rightward');
    expect(swaps).toEqual([['left', 'right'], ['leftward', 'rightward']]);
    expect(swapWords('a red ball moves leftward, then right of a wall', swaps)).toBe('a red ball moves rightward, then left of a wall');
    expect(swapWords('a bright ball', swaps)).toBe('a bright ball'); // no partial words
    expect(() => parseSwaps('left')).toThrow(/not a pair of two different words/);
    expect(() => parseSwaps('left=left')).toThrow(/not a pair/);
  });

  it('scores true, swapped and null captions on the same clips and noise', () => {
    const pipe = loadPipeline(path.join(tmp, 'run'));
    const dataset = new WorldDataset(data);
    const result = runCaptionProbe(pipe, dataset, { swaps: [['left', 'right'], ['leftward', 'rightward']], n: 4, times: [0.5, 1] });
    expect(result.clips.length).toBeGreaterThan(0);
    expect(result.clips.length).toBeLessThanOrEqual(4);
    for (const c of result.clips) expect(c.swapped).not.toBe(c.caption);
    for (const r of result.times) {
      for (const x of [r.true, r.swapped, r.null]) expect(x).toBeGreaterThan(0);
      expect(r.swapEffect).toBeCloseTo((r.swapped - r.true) / (r.null - r.true), 12);
    }
    // The swapped words reach the model: its error changes with them.
    expect(result.times.some((r) => r.swapped !== r.true)).toBe(true);
    // Deterministic: the same probe twice gives the same numbers.
    const again = runCaptionProbe(pipe, dataset, { swaps: [['left', 'right'], ['leftward', 'rightward']], n: 4, times: [0.5, 1] });
    expect(again.times).toEqual(result.times);
    // A swap between words no caption holds finds no clip.
    expect(() => runCaptionProbe(pipe, dataset, { swaps: [['zebra', 'giraffe']], n: 4 })).toThrow(/no caption in .* holds any of: zebra, giraffe/);
    expect(formatProbe(result)[1]).toMatch(/^t\s+true\s+swapped\s+null\s+swap effect$/);
  });
});
