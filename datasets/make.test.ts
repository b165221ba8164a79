// Sharded datasets: byte-identical re-makes, skipping finished shards, random access.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../base/errors.js';
import { MAX_SAMPLES, makeDataset } from './make.js';
import { parseSelection, requestAt } from './selection.js';
import { WorldDataset } from './shards.js';
import { makeSample } from './world/sample.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-make-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const sel = parseSelection({ families: 'uniform,bounce,layout', split: 'id', n: 23, seed: 5 });
const files = (dir: string) => Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f))]));

describe('makeDataset', () => {
  it('gives byte-identical shards for the same seed, and different ones for another seed', () => {
    makeDataset(sel, { out: path.join(tmp, 'a'), shardSize: 10 });
    makeDataset(sel, { out: path.join(tmp, 'b'), shardSize: 10 });
    const [a, b] = [files(path.join(tmp, 'a')), files(path.join(tmp, 'b'))];
    expect(Object.keys(a)).toEqual(['manifest.json', 'shard-00000.bin', 'shard-00000.jsonl', 'shard-00001.bin', 'shard-00001.jsonl', 'shard-00002.bin', 'shard-00002.jsonl']);
    for (const f of Object.keys(a)) expect(a[f].equals(b[f]), f).toBe(true);
    makeDataset({ ...sel, seed: 6 }, { out: path.join(tmp, 'c'), shardSize: 10 });
    expect(files(path.join(tmp, 'c'))['shard-00000.bin'].equals(a['shard-00000.bin'])).toBe(false);
  });

  it('skips finished shards on a re-run and re-makes only a missing one', () => {
    const dir = path.join(tmp, 'a');
    const before = files(dir);
    expect(makeDataset(sel, { out: dir, shardSize: 10 })).toMatchObject({ made: 0, skipped: 23 });
    fs.rmSync(path.join(dir, 'shard-00001.jsonl'));
    expect(makeDataset(sel, { out: dir, shardSize: 10 })).toMatchObject({ made: 10, skipped: 13 });
    const after = files(dir);
    for (const f of Object.keys(before)) expect(after[f].equals(before[f]), f).toBe(true);
  });

  it('removes the temporary files a killed run left, and finishes the dataset', () => {
    const dir = path.join(tmp, 'killed');
    makeDataset({ ...sel, n: 3 }, { out: dir, shardSize: 2 });
    const exited = spawnSync(process.execPath, ['-e', '0']).pid; // a run that was killed mid-write
    fs.rmSync(path.join(dir, 'shard-00001.bin'));
    const stale = [`.shard-00001.bin.tmp-${exited}-4`, `.manifest.json.tmp-${exited}-5`];
    for (const name of stale) fs.writeFileSync(path.join(dir, name), 'half');
    expect(makeDataset({ ...sel, n: 3 }, { out: dir, shardSize: 2 })).toMatchObject({ made: 1, skipped: 2 });
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses an --n beyond MAX_SAMPLES or the free disk space at once, writing nothing', () => {
    const t0 = performance.now();
    const out = path.join(tmp, 'huge');
    expect(() => makeDataset({ ...sel, n: 1e12 }, { out })).toThrow(/^--n must be at most 10,000,000 for one dataset, got 1,000,000,000,000$/);
    // 1000 frames of 1024×1024 are 3.1 GB a sample: ten million of them fit no disk.
    const big = parseSelection({ n: MAX_SAMPLES, size: 1024, frames: 1000 });
    expect(() => makeDataset(big, { out })).toThrow(/^--n 10,000,000 makes 31,500 TB of frames \(3,145,728,000 bytes a sample\), more than the .* free in /);
    expect(fs.existsSync(out)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(2000); // was 50 s and 4.5 GB before failing
  });

  it('refuses a folder made with other arguments', () => {
    expect(() => makeDataset({ ...sel, n: 24 }, { out: path.join(tmp, 'a'), shardSize: 10 })).toThrow(/other arguments/);
  });

  it('reads samples back by index, equal to making them directly', () => {
    const ds = new WorldDataset(path.join(tmp, 'a'));
    expect(ds.length).toBe(23);
    expect(ds.shape).toEqual([16, 32, 32, 3]);
    for (const i of [0, 9, 10, 17, 22]) {
      const direct = makeSample(requestAt(sel, i));
      const { frames, meta } = ds.get(i);
      expect(Buffer.from(frames).equals(Buffer.from(direct.frames))).toBe(true);
      expect(JSON.stringify(meta)).toBe(JSON.stringify(direct.meta)); // JSON: -0 is stored as 0
    }
    expect(ds.meta(5).spec?.family).toBe('layout');
    expect(() => ds.get(23)).toThrow(RangeError);
    ds.close();
  });
});

describe('selection', () => {
  it('rejects bad values with one-line messages', () => {
    const bad: [Parameters<typeof parseSelection>[0], RegExp][] = [
      [{ families: 'uniform,wobble' }, /unknown family "wobble"/],
      [{ n: 0 }, /--n must be a positive integer, got 0/],
      [{ split: 'train' }, /unknown split "train"/],
      [{ size: 4 }, /--size 4x4: each side must be an integer in \[8, 1024\]/],
      [{ size: { width: 48, height: 4 } }, /--size 48x4: each side must be/],
      [{ width: 4 }, /--width must be an integer in \[8, 1024\]/],
      [{ frames: 1 }, /--frames must be/],
      [{ seed: -1 }, /--seed must be/],
    ];
    for (const [input, message] of bad) {
      expect(() => parseSelection(input)).toThrow(UserError);
      expect(() => parseSelection(input)).toThrow(message);
    }
  });

  it('takes --size as width × height or a square side; --width/--height win over it', () => {
    expect(parseSelection({ size: { width: 48, height: 32 } }).clip).toMatchObject({ width: 48, height: 32 });
    expect(parseSelection({ size: 24 }).clip).toMatchObject({ width: 24, height: 24 });
    expect(parseSelection({ size: { width: 48, height: 32 }, height: 40 }).clip).toMatchObject({ width: 48, height: 40 });
  });

  it('takes families in turn with their own running index', () => {
    expect([0, 1, 2, 3, 4].map((i) => `${requestAt(sel, i).family}/${requestAt(sel, i).index}`)).toEqual([
      'uniform/0',
      'bounce/0',
      'layout/0',
      'uniform/1',
      'bounce/1',
    ]);
  });
});
