// Bucketed training: the --buckets syntax, batches drawn by ratio, one size per batch, a
// bit-identical resume, and the trained sizes recorded in the run and the shipped model.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataset } from '../../datasets/make.js';
import { parseSelection } from '../../datasets/selection.js';
import { useBackend } from '../../base/compute/backend.js';
import { UserError } from '../../base/errors.js';
import { shipModel } from '../../app/ship/ship.js';
import { readPipelineConfig } from '../infer/pipeline.js';
import { clipSizeLabel, trainedSizes, untrainedSizeWarning, type SizedConfig } from '../model/clip-sizes.js';
import { BucketStream, bucketDir, bucketOf, openBucketDatasets, parseBuckets, type Bucket } from './buckets.js';
import { train } from './trainer.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-buckets-'));
const data = path.join(tmp, 'data');
const SPEC = '16x16x4:0.6,24x16x4:0.4';
const buckets = parseBuckets(SPEC);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await useBackend({});
  for (const b of buckets) {
    makeDataset(parseSelection({ families: 'uniform,bounce', n: 4, seed: 1, size: { width: b.width, height: b.height }, frames: b.frames }), { out: bucketDir(data, b) });
  }
});

describe('--buckets', () => {
  it('parses WIDTHxHEIGHTxFRAMES:RATIO entries', () => {
    expect(parseBuckets('32x32x16:0.4,48x32x16:0.2, 32x48x16:0.2,64x64x16:0.1,32x32x32:0.1')).toEqual([
      { width: 32, height: 32, frames: 16, ratio: 0.4 },
      { width: 48, height: 32, frames: 16, ratio: 0.2 },
      { width: 32, height: 48, frames: 16, ratio: 0.2 },
      { width: 64, height: 64, frames: 16, ratio: 0.1 },
      { width: 32, height: 32, frames: 32, ratio: 0.1 },
    ]);
    expect(parseBuckets('16x16x4:3')).toEqual([{ width: 16, height: 16, frames: 4, ratio: 3 }]);
  });

  it('refuses a malformed entry, a zero ratio or a size given twice, in one line', () => {
    for (const [spec, message] of [
      ['32x32:0.5', /"32x32:0.5" is not WIDTHxHEIGHTxFRAMES:RATIO/],
      ['32x32x16', /"32x32x16" is not/],
      ['32x32x16:0', /"32x32x16:0" is not/],
      ['32x32x16:-1', /is not/],
      ['32x32x16:0.5,', /"" is not/],
      ['16x16x4:1,16x16x4:2', /16x16x4 is given twice/],
    ] as const) {
      expect(() => parseBuckets(spec)).toThrow(UserError);
      expect(() => parseBuckets(spec)).toThrow(message);
    }
  });
});

describe('BucketStream', () => {
  it('draws buckets by ratio, a pure function of (seed, batch)', () => {
    const three: Bucket[] = [{ width: 8, height: 8, frames: 2, ratio: 0.7 }, { width: 8, height: 8, frames: 4, ratio: 0.2 }, { width: 8, height: 8, frames: 8, ratio: 0.1 }];
    const counts = [0, 0, 0];
    for (let n = 0; n < 5000; n++) counts[bucketOf(three, 3, n)]++;
    for (const [k, r] of [0.7, 0.2, 0.1].entries()) expect(Math.abs(counts[k] / 5000 - r)).toBeLessThan(0.02);
    // Ratios are relative weights: 7:2:1 draws as 0.7:0.2:0.1.
    const weights = three.map((b) => ({ ...b, ratio: b.ratio * 10 }));
    for (let n = 0; n < 50; n++) expect(bucketOf(weights, 3, n)).toBe(bucketOf(three, 3, n));
  });

  it('gives each batch one bucket\'s clips, and refuses a bucket folder of the wrong size', () => {
    const datasets = openBucketDatasets(data, buckets);
    try {
      const stream = new BucketStream(datasets, buckets, { batchSize: 2, seed: 0 });
      const seen = new Set<number>();
      for (let n = 0; n < 8; n++) {
        const { video, bucket } = stream.next();
        const b = buckets[bucket];
        expect(video.shape).toEqual([2, 3, b.frames, b.height, b.width]);
        video.dispose();
        seen.add(bucket);
      }
      expect(seen.size).toBe(2);
      expect(stream.cursor.batches).toBe(8);
    } finally {
      for (const ds of datasets) ds.close();
    }
    expect(() => openBucketDatasets(data, parseBuckets('16x16x4:1,16x24x4:1'))).toThrow(/no dataset in .*16x24x4/);
    fs.renameSync(bucketDir(data, buckets[1]), path.join(data, '24x24x4'));
    try {
      expect(() => openBucketDatasets(data, parseBuckets('24x24x4:1'))).toThrow(/bucket 24x24x4: .* holds 24x16x4 clips \(make it with --size 24x24 --frames 4\)/);
    } finally {
      fs.renameSync(path.join(data, '24x24x4'), bucketDir(data, buckets[1]));
    }
  });
});

describe('bucketed training (tiny preset)', () => {
  // Warm-up past step 3, so the 3-step leg's learning rates are the 6-step run's (as in trainer.test.ts).
  const base = { preset: 'tiny', data, buckets, batchSize: 2, lr: 1e-2, warmup: 5, checkpointEvery: 3, emaDecay: 0.9 };

  it('resumes bit-identically: 6 steps straight equal 3 steps + resume to 6, over both sizes', async () => {
    const straight = path.join(tmp, 'straight');
    const resumed = path.join(tmp, 'resumed');
    await train({ ...base, steps: 6, out: straight });
    await train({ ...base, steps: 3, out: resumed });
    await train({ ...base, steps: 6, out: resumed, resume: true });
    const weights = (run: string) => fs.readFileSync(path.join(run, 'checkpoints', 'step-00000006', 'model.safetensors'));
    expect(weights(resumed).equals(weights(straight))).toBe(true);
    const losses = (run: string) => fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).loss);
    expect(losses(resumed)).toEqual(losses(straight));
    // The run's six batches cover both buckets (seed 0), and its config records them.
    expect(new Set([0, 1, 2, 3, 4, 5].map((n) => bucketOf(buckets, 0, n))).size).toBe(2);
    // Each step's line names its batch's clip size, the bucket drawn for it.
    const clips = fs.readFileSync(path.join(straight, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).clip);
    expect(clips).toEqual([0, 1, 2, 3, 4, 5].map((n) => clipSizeLabel(buckets[bucketOf(buckets, 0, n)])));
    const config = JSON.parse(fs.readFileSync(path.join(straight, 'config.json'), 'utf8'));
    expect(config.buckets).toEqual(buckets);
  }, 30_000);

  it('ships the trained sizes; an untrained size gets a warning naming them', () => {
    const out = path.join(tmp, 'model');
    shipModel({ run: path.join(tmp, 'straight'), out, backend: 'test', check: false });
    const config = readPipelineConfig(out) as SizedConfig;
    expect(trainedSizes(config)).toEqual([
      { width: 16, height: 16, frames: 4 },
      { width: 24, height: 16, frames: 4 },
    ]);
    expect(untrainedSizeWarning(config, { width: 24, height: 16, frames: 4 })).toBeNull();
    expect(untrainedSizeWarning(config, { width: 16, height: 24, frames: 8 })).toBe(
      '16x24x8 is not a size this model was trained at (16x16x4, 24x16x4): expect a worse clip',
    );
    // The training summary names every bucket's data and the commands that rebuild the run.
    const training = JSON.parse(fs.readFileSync(path.join(out, 'training.json'), 'utf8'));
    expect(training.data.buckets.map((b: { path: string }) => path.basename(b.path))).toEqual(['16x16x4', '24x16x4']);
    expect(training.data.samples).toBe(8);
    expect(training.reproduce.train).toContain(`--buckets ${SPEC}`);
    expect(training.reproduce.data.split('\n')[1]).toMatch(/--size 24x16 --frames 4 --out .*24x16x4$/);
    // The card names the sizes it makes and each bucket's data.
    const card = fs.readFileSync(path.join(out, 'MODEL_CARD.md'), 'utf8');
    expect(card).toContain('It makes clips of 16×16×4, 24×16×4 (width×height×frames, the sizes it was trained at;');
    expect(card).toMatch(/\| 24×16×4 \| 4 \| \d+ \| 10 \| `.*24x16x4` \|/);
    // A model with no record was trained at its own clip.
    const { trainedSizes: _, ...plain } = config as SizedConfig & { trainedSizes?: unknown };
    expect(untrainedSizeWarning(plain as SizedConfig, { width: 24, height: 16, frames: 4 })).toMatch(/\(16x16x4\)/);
  });
});
