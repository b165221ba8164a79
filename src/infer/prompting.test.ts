// Prompting with images and videos on a tiny frame-conditioned model (4 frames of 16×16, 2×2×2
// tubelets) trained for a few steps: window plans, every mode's frame counts, given frames exact,
// the same bytes for the same seed, and input files at the model's size.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataset } from '../../datasets/make.js';
import { parseSelection } from '../../datasets/selection.js';
import { useBackend } from '../../base/compute/backend.js';
import { encodePng, psnr, runFfmpeg, writeGif, writeMp4, type Video } from '../../base/video/index.js';
import { train } from '../train/trainer.js';
import { generateVideos, loadPipeline, type Pipeline } from './pipeline.js';
import { readInputClip } from './prompt-clips.js';
import { windowStart } from './prompt-windows.js';
import { editVideo, extendVideo, generatePrompted, generateStill, imageToVideo, interpolateVideos, keepFrames, loopVideo } from './prompting.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-prompting-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let pipe: Pipeline;
beforeAll(async () => {
  await useBackend({});
  const data = path.join(tmp, 'data');
  makeDataset(parseSelection({ families: 'uniform,bounce', n: 4, seed: 1, size: 16, frames: 4 }), { out: data });
  await train({ preset: 'tiny', data, steps: 4, batchSize: 4, out: path.join(tmp, 'fc'), frameConditioning: true });
  pipe = loadPipeline(path.join(tmp, 'fc'));
}, 120_000);

const FRAME = 16 * 16 * 3;
const settings = { prompt: 'a red ball bounces on the floor', seeds: [1], steps: 2 };

/** A clip of `n` 16×16 frames with a pattern no model makes. */
function clip(n: number, key = 0): Video {
  const frames = Uint8Array.from({ length: n * FRAME }, (_, i) => (i * 7 + key * 31 + Math.floor(i / FRAME) * 50) % 256);
  return { frames, numFrames: n, height: 16, width: 16, fps: 10 };
}
const frames = (v: Video, from: number, to: number) => Buffer.from(v.frames.subarray(from * FRAME, to * FRAME));
const same = (a: Video[], b: Video[]) => a.length === b.length && a.every((v, k) => Buffer.from(v.frames).equals(Buffer.from(b[k].frames)));

describe('window plans', () => {
  /** The windows' first frames while filling `known` (each window makes its unknown frames known). */
  function plan(known: boolean[], window: number, overlap: number, backward = false): number[] {
    const starts: number[] = [];
    while (known.includes(false)) {
      const s = windowStart(known, window, overlap, backward);
      starts.push(s);
      for (let t = Math.max(0, s); t < Math.min(known.length, s + window); t++) known[t] = true;
    }
    return starts;
  }
  const timeline = (given: number, generated: number, backward = false) =>
    backward ? [...new Array(generated).fill(false), ...new Array(given).fill(true)] : [...new Array(given).fill(true), ...new Array(generated).fill(false)];

  it('extends forward by windows over the last half clip of known frames, the last one ending at the end', () => {
    expect(plan(timeline(4, 5), 4, 2)).toEqual([2, 4, 5]); // gives 2,3 → 4,5; 4,5 → 6,7; 5,6,7 → 8
    expect(plan(timeline(8, 4), 4, 2)).toEqual([6, 8]);
    expect(plan(timeline(1, 5), 4, 2)).toEqual([0, 2]); // a one-frame video gives all it has first
    expect(plan(timeline(1, 1), 4, 2)).toEqual([0]); // past the end: generated and dropped
  });

  it('extends backward as the mirror image', () => {
    expect(plan(timeline(4, 5, true), 4, 2, true)).toEqual([3, 1, 0]);
    expect(plan(timeline(1, 1, true), 4, 2, true)).toEqual([-2]);
  });
});

describe('prompting modes', () => {
  it('image to video: the image is frame 1 of a clip of the model, the same bytes for the same seed', () => {
    const image = clip(1);
    const videos = imageToVideo(pipe, { ...settings, seeds: [1, 2] }, image);
    expect(videos.map((v) => [v.numFrames, v.height, v.width])).toEqual([[4, 16, 16], [4, 16, 16]]);
    for (const v of videos) expect(frames(v, 0, 1).equals(Buffer.from(image.frames))).toBe(true);
    expect(frames(videos[0], 1, 4).equals(frames(videos[1], 1, 4))).toBe(false); // seeds differ
    expect(same(imageToVideo(pipe, { ...settings, seeds: [2] }, image), [videos[1]])).toBe(true); // alone = in a batch
    expect(() => imageToVideo(pipe, settings, clip(2))).toThrow(/^--image takes one frame, got 2/);
  });

  it('keep-frames: the first K frames of the video, exactly, then the rest of the clip', () => {
    const video = clip(6);
    const [v] = keepFrames(pipe, settings, video, 2);
    expect(v.numFrames).toBe(4);
    expect(frames(v, 0, 2).equals(frames(video, 0, 2))).toBe(true);
    expect(frames(v, 2, 4).equals(frames(video, 2, 4))).toBe(false);
    expect(same(keepFrames(pipe, settings, video, 2), [v])).toBe(true);
    expect(() => keepFrames(pipe, settings, video, 4)).toThrow(/^--keep-frames must be an integer in \[1, 3\] \(the model's clip is 4 frames\), got 4$/);
    expect(() => keepFrames(pipe, settings, video, 0)).toThrow(/got 0$/);
    expect(() => keepFrames(pipe, settings, clip(1), 2)).toThrow(/^--video has 1 frame, fewer than --keep-frames 2$/);
  });

  it('extends a video forward and backward by any number of frames, the video kept exactly', () => {
    const video = clip(4);
    const twoSeeds = extendVideo(pipe, { ...settings, seeds: [1, 2] }, video, 5);
    for (const v of twoSeeds) {
      expect(v.numFrames).toBe(9);
      expect(frames(v, 0, 4).equals(Buffer.from(video.frames))).toBe(true);
    }
    expect(same(extendVideo(pipe, settings, video, 5), [twoSeeds[0]])).toBe(true);
    // Each window has its own noise: the second window's frames are not the first's again.
    expect(frames(twoSeeds[0], 4, 6).equals(frames(twoSeeds[0], 6, 8))).toBe(false);
    const [back] = extendVideo(pipe, settings, clip(2), 3, true);
    expect(back.numFrames).toBe(5);
    expect(frames(back, 3, 5).equals(Buffer.from(clip(2).frames))).toBe(true);
    expect(() => extendVideo(pipe, settings, video, 0)).toThrow(/^--extend must be an integer in \[1, 10000\], got 0$/);
  });

  it('interpolates F frames between the end of A and the start of B', () => {
    const [a, b] = [clip(4, 1), clip(4, 2)];
    const [v] = interpolateVideos(pipe, settings, a, b); // default F: 4 less one frame of each
    expect(v.numFrames).toBe(2);
    expect(same(interpolateVideos(pipe, settings, a, b, 2), [v])).toBe(true);
    expect(interpolateVideos(pipe, settings, a, b, 4)[0].numFrames).toBe(4); // a 6-frame window, one frame of each given
    expect(interpolateVideos(pipe, settings, clip(1), clip(1), 2)[0].numFrames).toBe(2); // two images
    expect(() => interpolateVideos(pipe, settings, clip(1), clip(1), 1)).toThrow(/^--interpolate --frames 1 needs 3 frames of the two videos together \(a 4-frame window\), they have 2 \(--frames 2 would fit\)$/);
    expect(() => interpolateVideos(pipe, settings, a, b, 5)).toThrow(/^--frames must be an integer in \[1, 4\] with --interpolate \(the model's clip is 4 frames\), got 5$/);
  });

  it('loops: the seed\'s text-to-video clip exactly, then frames that lead back into its first', () => {
    const [v] = loopVideo(pipe, settings);
    expect(v.numFrames).toBe(6); // 4 + (4 − 2·1)
    const [plain] = generateVideos(pipe, settings);
    expect(frames(v, 0, 4).equals(Buffer.from(plain.frames))).toBe(true);
    expect(same(loopVideo(pipe, settings), [v])).toBe(true);
  });

  it('edits a video (SDEdit): closer to it at a low strength than at 1; deterministic', () => {
    const video = clip(4);
    const [low] = editVideo(pipe, settings, video, 0.05);
    const [full] = editVideo(pipe, settings, video, 1);
    expect(low.numFrames).toBe(4);
    expect(psnr(low, video)).toBeGreaterThan(psnr(full, video) + 3);
    expect(same(editVideo(pipe, settings, video, 0.05), [low])).toBe(true);
    expect(() => editVideo(pipe, settings, video, 0)).toThrow(/^--strength must be in \(0, 1\], got 0$/);
    expect(() => editVideo(pipe, settings, clip(3), 0.5)).toThrow(/^--video has 3 frames: --strength edits a clip of a multiple of 2 frames/);
  });

  it('a still is the first frame of the seed\'s clip', () => {
    const [still] = generateStill(pipe, settings);
    const [plain] = generateVideos(pipe, settings);
    expect([still.numFrames, still.height, still.width]).toEqual([1, 16, 16]);
    expect(Buffer.from(still.frames).equals(frames(plain, 0, 1))).toBe(true);
  });

  it('refuses given frames to a model not trained with them, before generating anything', () => {
    const textOnly = { ...pipe, config: { ...pipe.config, model: { ...pipe.config.model, frameConditioning: false } } };
    for (const run of [() => imageToVideo(textOnly, settings, clip(1)), () => loopVideo(textOnly, settings), () => extendVideo(textOnly, settings, clip(2), 2)]) {
      expect(run).toThrow(/was not trained to take given frames \(train with --frame-conditioning\)$/);
    }
  });
});

describe('input files', () => {
  const at = (name: string) => path.join(tmp, name);

  /** Each pixel of each frame as a 2×2 block (what our MP4s store, here untagged). */
  function doubled(v: Video): Uint8Array {
    const up = new Uint8Array(v.numFrames * 32 * 32 * 3);
    for (let t = 0; t < v.numFrames; t++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) {
          const from = ((t * 16 + (y >> 1)) * 16 + (x >> 1)) * 3;
          up.set(v.frames.subarray(from, from + 3), ((t * 32 + y) * 32 + x) * 3);
        }
    return up;
  }

  it('reads MP4s at 2× (tagged), WebM at 2× (untagged), GIFs and PNGs at the model size or 2×', async () => {
    const video = clip(4);
    await writeMp4(video, at('in.mp4'));
    await writeGif(video, at('in.gif'));
    const webm = ['-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '32x32', '-framerate', '10', '-i', 'pipe:0', '-c:v', 'libvpx-vp9', '-pix_fmt', 'yuv420p', '-threads', '1', '-f', 'webm', at('in.webm')];
    expect((await runFfmpeg(webm, { input: doubled(video) })).code).toBe(0);
    const image = clip(1);
    fs.writeFileSync(at('frame.png'), encodePng(doubled(image), 32, 32));
    fs.writeFileSync(at('native.png'), encodePng(image.frames, 16, 16));
    for (const name of ['in.mp4', 'in.gif', 'in.webm']) {
      const { video: back } = await readInputClip(at(name), pipe.config.model, '--video');
      expect([back.numFrames, back.height, back.width], name).toEqual([4, 16, 16]);
    }
    for (const name of ['frame.png', 'native.png']) {
      const read = await readInputClip(at(name), pipe.config.model, '--image');
      expect(Buffer.from(read.video.frames).equals(Buffer.from(image.frames)), name).toBe(true); // lossless, blocks averaged back
      expect(read).toMatchObject({ name, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    }
    const { videos, givenFrames } = await generatePrompted(pipe, settings, { mode: 'image', image: at('frame.png') });
    expect(givenFrames).toMatch(/^image frame\.png \(sha256 [0-9a-f]{64}\)$/);
    expect(frames(videos[0], 0, 1).equals(Buffer.from(image.frames))).toBe(true);
  });

  it('refuses other sizes, missing and undecodable files in one line naming the file', async () => {
    fs.writeFileSync(at('big.png'), encodePng(new Uint8Array(24 * 24 * 3), 24, 24));
    await writeMp4({ frames: new Uint8Array(2 * 8 * 8 * 3), numFrames: 2, height: 8, width: 8, fps: 10 }, at('small.mp4'));
    fs.writeFileSync(at('junk.mp4'), 'not a video');
    const read = (name: string) => readInputClip(at(name), pipe.config.model, '--video');
    await expect(read('big.png')).rejects.toThrow(/^--video .*big\.png is 24×24: the model takes 16×16 frames \(or 32×32 files, each pixel a 2×2 block\)$/);
    await expect(read('small.mp4')).rejects.toThrow(/^--video .*small\.mp4 holds a 8×8 clip: the model takes 16×16 frames/);
    await expect(read('none.mp4')).rejects.toThrow(/^cannot read video .*none\.mp4: no such file$/);
    await expect(read('junk.mp4')).rejects.toThrow(/^cannot decode video .*junk\.mp4/);
  });
});
