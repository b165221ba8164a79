// The interchange layout: export → import round trip, and bad folders refused whole.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../base/errors.js';
import { parseCsv } from '../base/io/csv.js';
import { parsePpmStream } from '../base/video/decode.js';
import { ffmpegPath, fileArg, probeVideo, psnr, runFfmpeg } from '../base/video/index.js';
import { exportSelection, importFolder, toStateFile, type StateFile } from './interchange.js';
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

/** Rewrite one exported state file. */
function editState(dir: string, name: string, edit: (state: StateFile) => void): void {
  const file = path.join(dir, 'states', `${name}.json`);
  const state = JSON.parse(fs.readFileSync(file, 'utf8')) as StateFile;
  edit(state);
  fs.writeFileSync(file, JSON.stringify(state));
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
      // The stored file's size (each clip pixel is a 2×2 block), and the state in those pixels.
      expect(row.cells).toEqual([`videos/${meta.name}.mp4`, meta.caption, '16', '64', '64', '10']);
      const state = JSON.parse(fs.readFileSync(path.join(exported, 'states', `${meta.name}.json`), 'utf8')) as StateFile;
      expect(state).toMatchObject({ fps: 10, width: 64, height: 64, caption: meta.caption, pixel_scale: 2 });
      expect(state.constants.scale).toBe(2 * meta.constants.scale);
      expect(state.constants.gravity).toBe(meta.constants.gravity);
      expect(state.spec.family).toBe(meta.spec.family);
      state.objects.forEach((o, k) => {
        expect(o).toMatchObject({ id: k, shape: meta.spec.objects[k].shape, color: meta.spec.objects[k].color });
        expect(o.track).toHaveLength(16);
        expect(Object.keys(o.track[3]).sort()).toEqual(['px', 'py', 't', 'visible', 'vx', 'vy', 'x', 'y']);
        expect(o.track[3].py).toBe(2 * meta.tracks[k][3].py);
        expect(o.track[3].y).toBe(meta.tracks[k][3].y);
      });
    }
  });

  it('is consistent for a reader that knows nothing of our tags: file size, row and state pixels agree', async () => {
    const rows = parseCsv(fs.readFileSync(path.join(exported, 'captions.csv'), 'utf8')).slice(1);
    let checked = 0;
    for (const { cells } of rows) {
      const file = path.join(exported, cells[0]);
      const probe = await probeVideo(file);
      expect([probe.height, probe.width]).toEqual([Number(cells[3]), Number(cells[4])]);
      // Decode the stored frames as any tool would (no unscaling), and look at each fully
      // visible object's stated pixel position: it shows the object's colour.
      const r = await runFfmpeg(['-i', fileArg(file), '-pix_fmt', 'rgb24', '-f', 'image2pipe', '-vcodec', 'ppm', '-']);
      const frames = parsePpmStream(r.stdout);
      expect([frames.count, frames.height, frames.width]).toEqual([Number(cells[2]), probe.height, probe.width]);
      const state = JSON.parse(fs.readFileSync(path.join(exported, 'states', `${path.basename(cells[0], '.mp4')}.json`), 'utf8')) as StateFile;
      expect([state.height, state.width]).toEqual([probe.height, probe.width]);
      for (const o of state.objects) {
        for (const p of o.track) {
          if (p.visible < 0.99) continue;
          const at = ((p.t * frames.height + Math.floor(p.py)) * frames.width + Math.floor(p.px)) * 3;
          const pixel = [...frames.data.subarray(at, at + 3)];
          pixel.forEach((v, c) => expect(Math.abs(v - o.rgb[c]), `${cells[0]} object ${o.id} frame ${p.t}`).toBeLessThan(40));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(50);
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

  it('imports a folder as exports before this listed it (clip size in captions.csv, states in clip pixels): the same dataset', async () => {
    const dir = copyExport('clip-size-rows');
    const csvFile = path.join(dir, 'captions.csv');
    fs.writeFileSync(csvFile, fs.readFileSync(csvFile, 'utf8').replaceAll(',16,64,64,10', ',16,32,32,10'));
    for (let i = 0; i < sel.n; i++) {
      const { meta } = makeSample(requestAt(sel, i));
      fs.writeFileSync(path.join(dir, 'states', `${meta.name}.json`), JSON.stringify(toStateFile(meta)));
    }
    const a = new WorldDataset(await importFolder(exported, { out: path.join(tmp, 'stored-size-ds') }).then(() => path.join(tmp, 'stored-size-ds')));
    const b = new WorldDataset(await importFolder(dir, { out: path.join(tmp, 'clip-size-ds') }).then(() => path.join(tmp, 'clip-size-ds')));
    for (let i = 0; i < sel.n; i++) {
      expect(Buffer.from(b.get(i).frames).equals(Buffer.from(a.get(i).frames))).toBe(true);
      expect(b.meta(i)).toEqual({ ...a.meta(i) });
    }
  });

  it('refuses an --out that holds other files, leaving them alone', async () => {
    const out = path.join(tmp, 'occupied');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
    await expect(importFolder(exported, { out })).rejects.toThrow(`--out ${out} exists and is not an empty folder; use another --out`);
    expect(fs.readdirSync(out)).toEqual(['notes.txt']);
  });

  it('accepts a captions.csv saved with a UTF-8 byte-order mark', async () => {
    const dir = copyExport('bom');
    const csvFile = path.join(dir, 'captions.csv');
    fs.writeFileSync(csvFile, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fs.readFileSync(csvFile)]));
    expect((await importFolder(dir, { out: path.join(tmp, 'bom-ds') })).numSamples).toBe(8);
  });

  it('streams: 100,000 rows allocate nothing up front, and a bad row late on writes nothing', async () => {
    // Rows 2–3 are real videos, the rest one corrupt file: the import stops at row 4 (it
    // used to allocate 100,000 clips, 4.9 GB, before decoding the first).
    const dir = copyExport('many-rows');
    const csvFile = path.join(dir, 'captions.csv');
    const [header, first, second] = fs.readFileSync(csvFile, 'utf8').trim().split('\n');
    fs.writeFileSync(path.join(dir, 'videos', 'corrupt.mp4'), 'not a video');
    const filler = 'videos/corrupt.mp4,a red ball,16,64,64,10\n'.repeat(99_998);
    fs.writeFileSync(csvFile, `${header}\n${first}\n${second}\n${filler}`);
    const out = path.join(tmp, 'many-rows-ds');
    await expect(importFolder(dir, { out, shardSize: 2 })).rejects.toThrow(/captions\.csv line 4: cannot decode video .*corrupt\.mp4/);
    expect(nothingWritten(out)).toBe(true);
    expect(fs.readdirSync(tmp).filter((f) => f.includes('.import-'))).toEqual([]);
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
      /id-slide-000000\.json: has tracks of 15 frames but the video has 16: it does not match its video/,
    ],
    [
      'a video linked to a file outside the folder',
      (dir) => {
        const outside = path.join(tmp, `outside-${path.basename(dir)}.mp4`);
        fs.renameSync(path.join(dir, 'videos', 'id-uniform-000000.mp4'), outside);
        fs.symlinkSync(outside, path.join(dir, 'videos', 'id-uniform-000000.mp4'));
      },
      /captions\.csv line 2: videos\/id-uniform-000000\.mp4 is a link to .*outside-.*\.mp4, outside the folder/,
    ],
    [
      'states/ linked to a folder outside',
      (dir) => {
        const outside = path.join(tmp, `outside-states-${path.basename(dir)}`);
        fs.renameSync(path.join(dir, 'states'), outside);
        fs.symlinkSync(outside, path.join(dir, 'states'));
      },
      /states\/id-uniform-000000\.json: states\/id-uniform-000000\.json is a link to .*, outside the folder/,
    ],
    [
      'a state file with a string for a number',
      (dir) => editState(dir, 'id-parabola-000000', (st) => ((st.objects[0].track[2] as unknown as Record<string, unknown>).x = '3.5')),
      /id-parabola-000000\.json: objects\.0\.track\.2\.x: Invalid input: expected number, received string/,
    ],
    [
      'a state file with a position of 1e308',
      (dir) => editState(dir, 'id-parabola-000000', (st) => (st.objects[0].track[4].y = 1e308)),
      /id-parabola-000000\.json: objects\.0\.track\.4\.y: Too big: expected number to be <=10000/,
    ],
    [
      'a state file without objects',
      (dir) => editState(dir, 'id-collision-000000', (st) => delete (st as Partial<StateFile>).objects),
      /id-collision-000000\.json: objects: Invalid input: expected array, received undefined/,
    ],
    [
      'a state file with an empty spec',
      (dir) => editState(dir, 'id-collision-000000', (st) => ((st as unknown as Record<string, unknown>).spec = {})),
      /id-collision-000000\.json: spec\.family: Invalid option/,
    ],
    [
      'a 4096² video listed as 32×32 (refused before decoding)',
      (dir) => {
        const file = path.join(dir, 'videos', 'id-layout-000000.mp4');
        const r = spawnSync(ffmpegPath(), ['-y', '-f', 'lavfi', '-i', 'color=c=red:s=4096x4096:r=10:d=1.6', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-threads', '1', file]);
        expect(r.status).toBe(0);
      },
      /id-layout-000000\.mp4: its frames are 4096x4096, the row says 64x64; not decoded/,
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
