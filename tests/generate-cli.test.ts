// `spacetime train` and `spacetime generate` as processes: a tiny run, then a video from it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { useBackend } from '../base/compute/backend.js';
import { generateVideos, loadPipeline } from '../src/infer/pipeline.js';
import { readVideo } from '../base/video/index.js';
import { readProvenanceTags } from '../src/provenance/tags.js';
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

  it('--size WxH: a landscape clip, with a one-line warning at a size the model was not trained at', () => {
    const args = ['generate', 'a red ball bounces on the floor', '--checkpoint', 'runs/tiny', '--steps', '1'];
    const wide = spacetime(...args, '--size', '24x16', '--out', 'wide.mp4');
    expect(wide.code, wide.stderr).toBe(0);
    expect(wide.stdout).toMatch(/wrote wide\.mp4 \(1 video, 4 frames 24×16\)/);
    expect(wide.stderr).toMatch(/^warning: 24x16x4 is not a size this model was trained at \(16x16x4\): expect a worse clip$/m);
    const own = spacetime(...args, '--size', '16', '--out', 'own.mp4');
    expect([own.code, own.stderr]).toEqual([0, '']);
    const bad = spacetime(...args, '--size', '24*16', '--out', 'never.mp4');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('spacetime: --size must be WxH (width × height in pixels, e.g. 48x32) or S for S×S, got "24*16"');
  });

  it('writes a GIF for --out .gif, and refuses other extensions, a folder and a FIFO without touching them', () => {
    const args = ['generate', 'a red ball bounces on the floor', '--checkpoint', 'runs/tiny', '--steps', '1'];
    expect(spacetime(...args, '--out', 'c.gif').code).toBe(0);
    expect(fs.readFileSync(path.join(tmp, 'c.gif')).subarray(0, 6).toString('latin1')).toBe('GIF89a'); // was MP4 bytes
    fs.mkdirSync(path.join(tmp, 'folder.mp4'));
    expect(spawnSync('mkfifo', [path.join(tmp, 'fifo.mp4')]).status).toBe(0); // stands in for /dev/null
    for (const [out, message] of [
      ['c.avi', /^spacetime: cannot write c\.avi: the name must end in \.mp4, \.gif or \.png, not \.avi$/],
      ['folder.mp4', /^spacetime: cannot write folder\.mp4: it exists and is a folder, not a regular file$/],
      ['fifo.mp4', /^spacetime: cannot write fifo\.mp4: it exists and is a FIFO, not a regular file$/],
    ] as const) {
      const r = spacetime(...args, '--out', out);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(fs.statSync(path.join(tmp, 'fifo.mp4')).isFIFO()).toBe(true);
    expect(fs.readdirSync(path.join(tmp, 'folder.mp4'))).toEqual([]);
  });

  it('refuses steps, sizes and frame counts out of range with usage errors naming the range', () => {
    const args = ['generate', 'a red ball', '--checkpoint', 'runs/tiny', '--out', 'never.mp4'];
    for (const [flags, message] of [
      [['--steps', '1e9'], /^spacetime: --steps must be an integer in \[1, 1000\], got 1000000000$/],
      [['--steps', '0'], /--steps must be an integer in \[1, 1000\], got 0/],
      [['--size', '0'], /^spacetime: --size must be a positive multiple of 2 \(the model's patch is 2×2×2\), got 0$/],
      [['--frames', '0'], /--frames must be a positive multiple of 2 .*got 0/],
      [['--frames', '3'], /--frames must be a positive multiple of 2 .*got 3/],
      [['--size', '4096'], /^spacetime: --frames 4 --size 4096×4096 needs about .* for one video, over the 3\.22 GB that fit .*\(at 4 frames --size up to \d+; no frame count at size 4096\)$/],
      [['--frames', '100000'], /--frames 100000 --size 16×16 needs about .*\((no size at 100000 frames|at 100000 frames --size up to \d+); at size 16 --frames up to \d+\)$/], // which depends on the backend's attention memory
    ] as const) {
      const t0 = performance.now();
      const r = spacetime(...args, ...flags);
      expect(r.code, r.stderr).toBe(2); // was 70 or a V8 heap dump
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(performance.now() - t0).toBeLessThan(30_000); // refused before allocating (was minutes and 4–5 GB)
    }
    expect(fs.existsSync(path.join(tmp, 'never.mp4'))).toBe(false);
  });

  it('generates many seeds in groups, each video identical to one generated alone', async () => {
    await useBackend(); // the one the CLI picks (native where built)
    const pipe = loadPipeline(path.join(tmp, 'runs', 'tiny'));
    const request = { prompt: 'a blue square slides', seeds: [3, 4, 5], steps: 2 };
    const steps: string[] = [];
    const onePass = generateVideos(pipe, request);
    const inTwos = generateVideos(pipe, { ...request, maxVideosPerPass: 2, onStep: (i, n) => steps.push(`${i}/${n}`) });
    const alone = request.seeds.map((seed) => generateVideos(pipe, { ...request, seeds: [seed] })[0]);
    for (let k = 0; k < request.seeds.length; k++) {
      expect(Buffer.from(inTwos[k].frames).equals(Buffer.from(onePass[k].frames)), `seed ${request.seeds[k]}`).toBe(true);
      expect(Buffer.from(alone[k].frames).equals(Buffer.from(onePass[k].frames)), `seed ${request.seeds[k]}`).toBe(true);
    }
    expect(steps).toEqual(['1/4', '2/4', '3/4', '4/4']); // two groups (2 videos, then 1) of two steps
  });

  it('--guidance-method and --guidance-interval are tagged in the video, cfg-zero-star changes it; bad values are one-line errors', async () => {
    const args = ['generate', 'a red ball bounces on the floor', '--checkpoint', 'runs/tiny', '--steps', '2', '--seed', '1'];
    expect(spacetime(...args, '--out', 'cfg.mp4', '--guidance-method', 'cfg').code).toBe(0);
    expect(spacetime(...args, '--out', 'plain.mp4').code).toBe(0);
    expect(fs.readFileSync(path.join(tmp, 'cfg.mp4')).equals(fs.readFileSync(path.join(tmp, 'plain.mp4')))).toBe(true); // cfg is the default, tags and all
    expect(spacetime(...args, '--out', 'interval.mp4', '--guidance-method', 'interval', '--guidance-interval', '0.3,0.9').code).toBe(0);
    const tags = await readProvenanceTags(path.join(tmp, 'interval.mp4'));
    expect([tags.guidance_method, tags.guidance_interval]).toEqual(['interval', '0.3,0.9']);
    expect((await readProvenanceTags(path.join(tmp, 'plain.mp4'))).guidance_method).toBeUndefined();
    // A 4-step model hardly reads its text, so any guidance is near the conditional model; CFG-Zero*'s zeroed first step is not.
    expect(spacetime(...args, '--out', 'zero-star.mp4', '--guidance-method', 'cfg-zero-star').code).toBe(0);
    const zeroStarTags = await readProvenanceTags(path.join(tmp, 'zero-star.mp4'));
    expect([zeroStarTags.guidance_method, zeroStarTags.guidance_interval]).toEqual(['cfg-zero-star', undefined]);
    const [plain, zeroStar] = [await readVideo(path.join(tmp, 'plain.mp4')), await readVideo(path.join(tmp, 'zero-star.mp4'))];
    expect(Buffer.from(zeroStar.frames).equals(Buffer.from(plain.frames))).toBe(false);
    for (const [flags, message] of [
      [['--guidance-method', 'pag'], /^spacetime: unknown guidance method "pag" \(expected one of: cfg, interval, apg, cfg-zero-star\)$/],
      [['--guidance-interval', '0.2,0.8'], /^spacetime: --guidance-interval needs --guidance-method interval$/],
      [['--guidance-method', 'interval', '--guidance-interval', '0.8'], /^spacetime: --guidance-interval must be LO,HI/],
      [['--frame-guidance', '2'], /^spacetime: --frame-guidance needs a model trained to take given frames; tiny\/step-00000004 takes none$/],
    ] as const) {
      const r = spacetime(...args, '--out', 'never.mp4', ...flags);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
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
