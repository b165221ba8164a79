// The notebook's gallery of prompting modes on a tiny frame-conditioned model trained here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../base/compute/backend.js';
import { frameView } from '../../base/video/index.js';
import { makeDataset } from '../../datasets/make.js';
import { parseSelection } from '../../datasets/selection.js';
import { makeSample } from '../../datasets/world/sample.js';
import { loadPipeline, type Pipeline } from '../../src/infer/pipeline.js';
import { train } from '../../src/train/trainer.js';
import { sampleVideo } from '../../eval/figures/display.js';
import { promptingGallery } from './prompting-gallery.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-gallery-'));
let pipe: Pipeline;
beforeAll(async () => {
  await useBackend({});
  const data = path.join(tmp, 'data');
  makeDataset(parseSelection({ families: 'uniform,bounce', n: 4, seed: 1, size: 16, frames: 4 }), { out: data });
  await train({ preset: 'tiny', data, steps: 2, batchSize: 4, out: path.join(tmp, 'fc'), frameConditioning: true });
  pipe = loadPipeline(path.join(tmp, 'fc'));
}, 300_000);
afterAll(() => {
  pipe?.net.dit.dispose();
  pipe?.net.encoder.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('promptingGallery', () => {
  it('runs every mode, each given frame marked and exactly a frame of the clip', () => {
    const sample = makeSample({ family: 'bounce', split: 'id', seed: 1, index: 0, width: 16, height: 16, numFrames: 4 });
    const clip = sampleVideo(sample);
    const items = promptingGallery(pipe, { prompt: sample.meta.caption, seed: 1, steps: 2 }, clip);
    expect(items.map((i) => [i.mode, i.video.numFrames, i.given.map(Number).join('')])).toEqual([
      ['truth', 4, '0000'],
      ['image', 4, '1000'],
      ['keep-frames', 4, '1000'],
      ['extend', 6, '111100'],
      ['extend backward', 6, '001111'],
      ['interpolate', 4, '1001'],
      ['loop', 6, '000000'],
      ['edit', 4, '0000'],
      ['still', 1, '0'],
    ]);
    // Where each given frame came from in the clip.
    const source: Record<string, (t: number) => number> = { image: (t) => t, 'keep-frames': (t) => t, extend: (t) => t, 'extend backward': (t) => t - 2, interpolate: (t) => t };
    for (const item of items.filter((i) => i.mode in source)) {
      item.given.forEach((given, t) => given && expect(Buffer.from(frameView(item.video, t)).equals(Buffer.from(frameView(clip, source[item.mode](t)))), `${item.mode} frame ${t}`).toBe(true));
    }
    // Generated frames are the model's, not copies of the clip.
    expect(Buffer.from(frameView(items[1].video, 1)).equals(Buffer.from(frameView(clip, 1)))).toBe(false);
  }, 120_000);
});
