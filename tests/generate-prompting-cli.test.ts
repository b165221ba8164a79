// `spacetime generate` prompting with images and videos: a few modes as processes (the files and
// their provenance), and every flag's bad input through the command in this process (one line,
// exit 2, nothing written) — a process each would cost seconds apiece.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useBackend } from '../base/compute/backend.js';
import { encodePng, readVideo, writeGif, writeMp4, type Video } from '../base/video/index.js';
import { makeDataset } from '../datasets/make.js';
import { parseSelection } from '../datasets/selection.js';
import { readProvenanceTags } from '../src/provenance/tags.js';
import { train } from '../src/train/trainer.js';
import { main } from '../app/cli/main.js';
import { spacetimeIn } from './spacetime-cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-prompting-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const spacetime = spacetimeIn(tmp);
const at = (name: string) => path.join(tmp, name);
const clip = (n: number): Video => ({ frames: Uint8Array.from({ length: n * 16 * 16 * 3 }, (_, i) => (i * 5) % 256), numFrames: n, height: 16, width: 16, fps: 10 });

beforeAll(async () => {
  await useBackend(); // the one the CLI picks
  makeDataset(parseSelection({ families: 'bounce,slide', n: 4, seed: 1, size: 16, frames: 4 }), { out: at('data') });
  const common = { preset: 'tiny', data: at('data'), batchSize: 2 };
  await train({ ...common, steps: 2, out: at('runs/fc'), frameConditioning: true });
  await train({ ...common, steps: 1, out: at('runs/plain') });
  await writeMp4(clip(4), at('in.mp4'));
  await writeGif(clip(4), at('four.gif'));
  fs.writeFileSync(at('one.png'), encodePng(clip(1).frames, 16, 16));
  fs.writeFileSync(at('big.png'), encodePng(new Uint8Array(24 * 24 * 3), 24, 24));
  fs.writeFileSync(at('junk.png'), 'not an image');
}, 120_000);

describe('spacetime generate: prompting with images and videos', () => {
  it('a still, image to video and extend as processes; the files record the mode and the given frames', async () => {
    const args = ['generate', 'a red ball bounces on the floor', '--checkpoint', 'runs/fc', '--steps', '1'];
    const still = spacetime(...args, '--frames', '1', '--out', 'still.png');
    expect(still.stdout).toMatch(/wrote still\.png \(1 video, 1 frame 16×16\)/);
    expect([(await readVideo(at('still.png'))).width, (await readProvenanceTags(at('still.png'))).given_frames]).toEqual([32, 'none']); // the frame at 2×
    const image = spacetime(...args, '--image', 'still.png', '--out', 'i2v.mp4'); // a still is an image the model takes
    expect(image.stdout).toMatch(/wrote i2v\.mp4 \(1 video, 4 frames 16×16\)/);
    expect((await readProvenanceTags(at('i2v.mp4'))).given_frames).toMatch(/^image still\.png \(sha256 [0-9a-f]{64}\)$/);
    expect(spacetime(...args, '--video', 'in.mp4', '--extend', '3', '--backward', '--out', 'ext.mp4').code).toBe(0);
    expect((await readVideo(at('ext.mp4'))).numFrames).toBe(7);
    expect((await readProvenanceTags(at('ext.mp4'))).given_frames).toMatch(/^extend 3 before in\.mp4 \(sha256 [0-9a-f]{64}\)$/);
    const bad = spacetime(...args, '--video', 'in.mp4', '--keep-frames', '4', '--out', 'never.mp4');
    expect([bad.code, bad.stderr]).toEqual([2, "spacetime: --keep-frames must be an integer in [1, 3] (the model's clip is 4 frames), got 4"]);
  });

  it('refuses bad inputs for each flag in one line, writing nothing', async () => {
    const fc = ['generate', 'a red ball', '--checkpoint', at('runs/fc'), '--steps', '1', '--out', at('never.mp4')];
    const cases: [string[], RegExp][] = [
      [['--image', at('big.png')], /^--image .*big\.png is 24×24: the model takes 16×16 frames \(or 32×32 files, each pixel a 2×2 block\)$/],
      [['--image', at('none.png')], /^cannot read video .*none\.png: no such file$/],
      [['--image', at('junk.png')], /^cannot decode video .*junk\.png/],
      [['--image', at('four.gif')], /^--image takes one frame, got 4 \(for the first frames of a video: --video IN --keep-frames K\)$/],
      [['--image', at('in.mp4'), '--size', '16'], /^--size does not go with --image: the clip is the model's size$/],
      [['--video', at('in.mp4'), '--keep-frames', '0'], /^--keep-frames must be an integer in \[1, 3\] .*got 0$/],
      [['--video', at('one.png'), '--keep-frames', '2'], /^--video has 1 frame, fewer than --keep-frames 2$/],
      [['--video', at('in.mp4'), '--extend', '0'], /^--extend must be an integer in \[1, 10000\], got 0$/],
      [['--video', at('in.mp4'), '--strength', '1.5'], /^--strength must be in \(0, 1\], got 1\.5$/],
      [['--video', at('big.png'), '--strength', '0.5'], /^--video .*big\.png is 24×24/],
      [['--video', at('in.mp4')], /^--video needs one of --keep-frames K, --extend N or --strength S$/],
      [['--keep-frames', '2'], /^--keep-frames needs --video IN$/],
      [['--video', at('in.mp4'), '--keep-frames', '2', '--extend', '2'], /^--keep-frames and --extend do not go together$/],
      [['--video', at('in.mp4'), '--strength', '0.5', '--backward'], /^--backward goes with --extend only$/],
      [['--interpolate', at('in.mp4')], /^--interpolate needs two videos: --interpolate A\.mp4 B\.mp4$/],
      [['--interpolate', at('in.mp4'), at('big.png')], /^--interpolate .*big\.png is 24×24/],
      [['--interpolate', at('in.mp4'), at('in.mp4'), '--frames', '5'], /^--frames must be an integer in \[1, 4\] with --interpolate .*got 5$/],
      [['--loop', '--image', at('big.png')], /^--image and --loop do not go together$/],
      [['--loop', '--frames', '4'], /^--frames does not go with --loop$/],
      [['--loop', '--checkpoint', at('runs/plain')], /^plain\/step-00000001 was not trained to take given frames \(train with --frame-conditioning\)$/],
    ];
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    try {
      for (const [flags, message] of cases) {
        errors.length = 0;
        const code = await main([...fc, ...flags]);
        expect([code, errors.length], flags.join(' ')).toEqual([2, 1]);
        expect(errors[0].replace(/^spacetime: /, ''), flags.join(' ')).toMatch(message);
      }
    } finally {
      spy.mockRestore();
    }
    expect(fs.existsSync(at('never.mp4'))).toBe(false);
  });
});
