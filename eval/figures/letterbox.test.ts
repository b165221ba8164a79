// Clips of any size side by side at one scale: the letterbox sizes, and the report's gallery
// built from a run whose videos are 32×32 and 48×32.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CAPTIONS_HEADER } from '../../datasets/interchange.js';
import { formatCsv } from '../../base/io/csv.js';
import { writeMp4 } from '../../base/video/index.js';
import { makeSample } from '../../datasets/world/sample.js';
import { galleryHtml } from '../report/html.js';
import type { LoadedRun } from '../report/load.js';
import { letterbox } from './letterbox.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-letterbox-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('letterbox', () => {
  it('shows every clip as high as the box and as wide as its aspect, in a box as wide as the widest', () => {
    const { box, clips } = letterbox([{ width: 32, height: 32 }, { width: 48, height: 32 }, { width: 32, height: 48 }, { width: 128, height: 128 }], 160);
    expect(box).toEqual({ width: 240, height: 160 });
    expect(clips).toEqual([
      { width: 160, height: 160 },
      { width: 240, height: 160 }, // wider, not squashed
      { width: 107, height: 160 }, // narrower
      { width: 160, height: 160 }, // the same world at 4× the pixels: the same size on screen
    ]);
    // The same world units per CSS pixel in every clip: 10 units over the box's height.
    for (const c of clips) expect(c.height / 10).toBe(16);
    expect(letterbox([{ width: 32, height: 48 }], 96).box).toEqual({ width: 64, height: 96 });
  });

  it('the report gallery puts clips of two sizes in one common box at one scale', async () => {
    const videos = [];
    const captions = [];
    for (const [id, size] of [['square-s1', { width: 32, height: 32 }], ['wide-s1', { width: 48, height: 32 }]] as const) {
      const { frames, meta } = makeSample({ family: 'uniform', split: 'id', seed: 1, index: 0, numFrames: 4, ...size });
      fs.mkdirSync(path.join(tmp, 'videos'), { recursive: true });
      await writeMp4({ frames, numFrames: 4, height: meta.height, width: meta.width, fps: 10 }, path.join(tmp, 'videos', `${id}.mp4`));
      captions.push([`videos/${id}.mp4`, meta.caption, 4, 2 * meta.height, 2 * meta.width, 10]);
      videos.push({ id, category: 'uniform', split: 'id', caption: meta.caption, video: `videos/${id}.mp4`, truth: '', violations: '', position_ade: null, velocity_error: null });
    }
    fs.writeFileSync(path.join(tmp, 'captions.csv'), formatCsv(CAPTIONS_HEADER, captions));
    const run = { dir: tmp, run: {}, videos, categories: [] } as unknown as LoadedRun;
    const html = galleryHtml(run, videos, () => '');
    expect([...html.matchAll(/class="clipbox" style="width:(\d+)px;height:(\d+)px"/g)].map((m) => `${m[1]}×${m[2]}`)).toEqual(['240×160', '240×160']);
    expect([...html.matchAll(/<video [^>]*width="(\d+)" height="(\d+)"/g)].map((m) => `${m[1]}×${m[2]}`)).toEqual(['160×160', '240×160']);
  });
});
