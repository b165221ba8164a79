// `spacetime train` and `spacetime generate` as processes: a tiny run, then a video from it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVideo } from '../src/video/index.js';
import { spacetimeIn } from './spacetime-cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-gen-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const spacetime = spacetimeIn(tmp);

beforeAll(() => {
  expect(spacetime('data', 'make', '--families', 'bounce,slide', '--n', '4', '--size', '16', '--frames', '4', '--out', 'data', '--quiet').code).toBe(0);
  const r = spacetime('train', '--preset', 'tiny', '--data', 'data', '--steps', '4', '--batch-size', '2', '--out', 'runs/tiny', '--quiet');
  expect(r.stdout).toMatch(/trained to step 4 \(loss \d+\.\d+\) on \w+; checkpoint .*step-00000004/);
});

describe('spacetime generate', () => {
  it('writes an MP4 from a prompt, byte-identical for the same seed; --n K makes a grid', async () => {
    const args = ['generate', 'a red ball bounces on the floor', '--checkpoint', 'runs/tiny', '--steps', '2'];
    const a = spacetime(...args, '--seed', '1', '--out', 'a.mp4');
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/wrote a\.mp4 \(1 video, 4 frames 16×16\) in \d+\.\ds on \w+/);
    spacetime(...args, '--seed', '1', '--out', 'b.mp4');
    expect(fs.readFileSync(path.join(tmp, 'a.mp4')).equals(fs.readFileSync(path.join(tmp, 'b.mp4')))).toBe(true);
    expect(spacetime(...args, '--seed', '1', '--n', '4', '--out', 'grid.mp4').code).toBe(0);
    const grid = await readVideo(path.join(tmp, 'grid.mp4'));
    expect([grid.numFrames, grid.height, grid.width]).toEqual([4, 33, 33]); // 2×2 of 16×16 with a 1-pixel gap
  });

  it('refuses an empty prompt, a missing checkpoint and a bad --n in one line', () => {
    for (const [args, message] of [
      [['generate', '', '--checkpoint', 'runs/tiny'], /prompt is empty/],
      [['generate', 'a red ball', '--checkpoint', 'runs/none'], /checkpoint runs\/none not found/],
      [['generate', 'a red ball', '--checkpoint', 'runs/tiny', '--n', '0'], /--n must be an integer in \[1, 64\]/],
    ] as const) {
      const r = spacetime(...args);
      expect(r.code).not.toBe(0);
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
