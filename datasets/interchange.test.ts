// The interchange layout: export → import round trip, and bad folders refused whole.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { parseCsv } from '../src/io/csv.js';
import { psnr } from '../src/video/index.js';
import { exportSelection, importFolder, type StateFile } from './interchange.js';
import { parseSelection, requestAt } from './selection.js';
import { WorldDataset } from './shards.js';
import { makeSample } from './world/sample.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-interchange-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const sel = parseSelection({ families: 'all', split: 'id', n: 8, seed: 3 });
const exported = path.join(tmp, 'export');

/** A copy of the export to damage. */
function copyExport(name: string): string {
  const dir = path.join(tmp, name);
  fs.cpSync(exported, dir, { recursive: true });
  return dir;
}

const nothingWritten = (dir: string) => !fs.existsSync(dir) || fs.readdirSync(dir).length === 0;

beforeAll(async () => {
  await exportSelection(sel, { out: exported });
});

describe('export', () => {
  it('writes videos/, captions.csv (Open-Sora columns) and states/ with per-frame tracks', () => {
    const rows = parseCsv(fs.readFileSync(path.join(exported, 'captions.csv'), 'utf8'));
    expect(rows[0].cells).toEqual(['path', 'text', 'num_frames', 'height', 'width', 'fps']);
    expect(rows).toHaveLength(9);
    for (const [i, row] of rows.slice(1).entries()) {
      const { meta } = makeSample(requestAt(sel, i));
      expect(row.cells).toEqual([`videos/${meta.name}.mp4`, meta.caption, '16', '32', '32', '10']);
      const state = JSON.parse(fs.readFileSync(path.join(exported, 'states', `${meta.name}.json`), 'utf8')) as StateFile;
      expect(state).toMatchObject({ fps: 10, width: 32, height: 32, caption: meta.caption });
      expect(state.constants.gravity).toBe(meta.constants.gravity);
      expect(state.spec.family).toBe(meta.spec.family);
      state.objects.forEach((o, k) => {
        expect(o).toMatchObject({ id: k, shape: meta.spec.objects[k].shape, color: meta.spec.objects[k].color });
        expect(o.track).toHaveLength(16);
        expect(Object.keys(o.track[3]).sort()).toEqual(['px', 'py', 't', 'visible', 'vx', 'vy', 'x', 'y']);
        expect(o.track[3].py).toBeCloseTo(meta.tracks[k][3].py, 12);
      });
    }
  });
});

describe('import', () => {
  it('round-trips export → import: frames within PSNR ≥ 35 dB, ground truth intact', async () => {
    const out = path.join(tmp, 'imported');
    await importFolder(exported, { out });
    const ds = new WorldDataset(out);
    expect(ds.length).toBe(8);
    for (let i = 0; i < ds.length; i++) {
      const original = makeSample(requestAt(sel, i));
      const { frames, meta } = ds.get(i);
      const shape = { numFrames: 16, height: 32, width: 32, fps: 10 };
      expect(psnr({ frames, ...shape }, { frames: original.frames, ...shape })).toBeGreaterThanOrEqual(35);
      expect(meta.caption).toBe(original.meta.caption);
      expect(meta.spec?.family).toBe(original.meta.spec.family);
      expect(meta.tracks[0][5].x).toBeCloseTo(original.meta.tracks[0][5].x, 12);
    }
  });

  it('imports videos without state files (captions only)', async () => {
    const dir = copyExport('no-states');
    fs.rmSync(path.join(dir, 'states'), { recursive: true });
    const out = path.join(tmp, 'no-states-ds');
    await importFolder(dir, { out });
    const meta = new WorldDataset(out).meta(2);
    expect(meta.spec).toBeNull();
    expect(meta.tracks).toEqual([]);
  });

  const refusals: [string, (dir: string) => void, RegExp][] = [
    [
      'a row pointing at a missing file',
      (dir) => fs.rmSync(path.join(dir, 'videos', 'id-bounce-000000.mp4')),
      /captions\.csv line 4: video videos\/id-bounce-000000\.mp4 not found/,
    ],
    [
      'a corrupt MP4',
      (dir) => fs.writeFileSync(path.join(dir, 'videos', 'id-collision-000000.mp4'), Buffer.from('not a video at all, just text')),
      /id-collision-000000\.mp4/,
    ],
    [
      'a malformed row',
      (dir) => fs.appendFileSync(path.join(dir, 'captions.csv'), 'videos/x.mp4,"a red ball",16\n'),
      /line 10: expected 6 columns, got 3/,
    ],
    [
      'a path leaving the folder',
      (dir) => fs.appendFileSync(path.join(dir, 'captions.csv'), '../secret.mp4,a red ball,16,32,32,10\n'),
      /must be relative to the folder and stay inside it/,
    ],
    [
      'a state file that does not match its video',
      (dir) => {
        const file = path.join(dir, 'states', 'id-slide-000000.json');
        const state = JSON.parse(fs.readFileSync(file, 'utf8')) as StateFile;
        state.objects[0].track.pop();
        fs.writeFileSync(file, JSON.stringify(state));
      },
      /id-slide-000000\.json does not match its video/,
    ],
  ];
  for (const [what, damage, message] of refusals) {
    it(`refuses ${what} with a one-line message and writes nothing`, async () => {
      const dir = copyExport(what.replace(/\W+/g, '-'));
      damage(dir);
      const out = path.join(tmp, `${path.basename(dir)}-ds`);
      const attempt = importFolder(dir, { out });
      await expect(attempt).rejects.toThrow(UserError);
      await expect(importFolder(dir, { out })).rejects.toThrow(message);
      const err = await importFolder(dir, { out }).catch((e: Error) => e);
      expect((err as Error).message).not.toContain('\n');
      expect(nothingWritten(out)).toBe(true);
    });
  }
});
