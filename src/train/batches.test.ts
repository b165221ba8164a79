import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDataset } from '../../datasets/make.js';
import { parseSelection } from '../../datasets/selection.js';
import { WorldDataset } from '../../datasets/shards.js';
import { channelsFirstToFrames, framesToChannelsFirst } from '../model/video-codec.js';
import { BatchStream } from './batches.js';

await tf.setBackend('cpu');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-batches-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
makeDataset(parseSelection({ families: 'uniform,bounce', n: 10, seed: 1 }), { out: dir });
const ds = new WorldDataset(dir);

describe('BatchStream', () => {
  it('visits every sample once per epoch, in a seeded order, and resumes from its cursor', () => {
    const a = new BatchStream(ds, { batchSize: 4, seed: 3 });
    const first = [...a.nextIndices(), ...a.nextIndices()];
    const cursor = { ...a.cursor };
    const rest = [...a.nextIndices(), ...a.nextIndices()];
    expect(new Set([...first, ...rest.slice(0, 2)]).size).toBe(10); // epoch 0 is a permutation
    expect(cursor).toEqual({ epoch: 0, position: 8 });
    const resumed = new BatchStream(ds, { batchSize: 4, seed: 3, cursor });
    expect([...resumed.nextIndices(), ...resumed.nextIndices()]).toEqual(rest);
    const other = new BatchStream(ds, { batchSize: 4, seed: 4 });
    expect(other.nextIndices()).not.toEqual(first.slice(0, 4));
  });

  it('makes [B, C, T, H, W] videos in [−1, 1] that convert back to the exact frames', () => {
    const { video, captions, indices } = new BatchStream(ds, { batchSize: 2, seed: 1 }).next();
    expect(video.shape).toEqual([2, 3, 16, 32, 32]);
    expect(captions[1]).toBe(ds.meta(indices[1]).caption);
    const values = video.dataSync() as Float32Array;
    const back = channelsFirstToFrames(values, 16, 32, 32, 3 * 16 * 32 * 32);
    expect(Buffer.from(back).equals(Buffer.from(ds.frames(indices[1])))).toBe(true);
    const v = new Float32Array(3 * 16 * 32 * 32);
    framesToChannelsFirst(ds.frames(0), 16, 32, 32, v);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
  });
});
