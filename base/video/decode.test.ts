import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { DECODE_SLACK_BYTES, parseInputFps, parseInputSize, parsePpmStream, probeVideo, readVideo } from './decode.js';
import { writeMp4 } from './encode.js';
import { runFfmpeg } from './ffmpeg.js';
import { movingDiscs } from './test-fixtures.js';
import { psnr } from './video.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-decode-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const clip = movingDiscs(); // 16 frames, 32×32, 10 fps
const goodMp4 = path.join(dir, 'good.mp4');
beforeAll(() => writeMp4(clip, goodMp4));

/** Deterministic noise (32-bit LCG, high bytes), so the test input never changes. */
function pseudoRandomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let state = seed >>> 0;
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** The UserError readVideo throws for `file`, checked to be one line naming the file. */
async function readError(file: string): Promise<string> {
  const err = await readVideo(file).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  const message = (err as Error).message;
  expect(message).toContain(file);
  expect(message).not.toMatch(/[\r\n]/);
  return message;
}

describe('readVideo', () => {
  it('decodes WebM (VP9 and VP8) written by ffmpeg directly', async () => {
    for (const [codec, minDb] of [['libvpx-vp9', 27], ['libvpx', 21]] as const) {
      const file = path.join(dir, `discs-${codec}.webm`);
      const r = await runFfmpeg([
        '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '32x32', '-framerate', '10', '-i', 'pipe:0',
        '-c:v', codec, '-b:v', '0', '-crf', '10', '-pix_fmt', 'yuv420p', '-threads', '1', '-f', 'webm', file,
      ], { input: clip.frames });
      expect(r.code).toBe(0);
      const back = await readVideo(file);
      expect([back.numFrames, back.height, back.width, back.fps]).toEqual([16, 32, 32, 10]);
      // Native-size yuv420p: chroma subsampling alone caps this clip near 30 dB
      // (measured VP9 29.8 dB, VP8 23.6 dB at these settings).
      expect(psnr(clip, back)).toBeGreaterThan(minDb);
    }
  });

  it('fails on a missing file, naming it', async () => {
    const file = path.join(dir, 'no-such-clip.mp4');
    expect(await readError(file)).toBe(`cannot read video ${file}: no such file`);
  });

  it('fails on random bytes with ffmpeg\'s reason', async () => {
    const file = path.join(dir, 'random.mp4');
    fs.writeFileSync(file, pseudoRandomBytes(5000, 12345));
    expect(await readError(file)).toBe(`cannot decode video ${file}: Invalid data found when processing input`);
  });

  it('fails on a truncated MP4, wherever it is cut', async () => {
    const bytes = fs.readFileSync(goodMp4);
    for (const fraction of [0.02, 0.1, 0.5, 0.95]) {
      const file = path.join(dir, `truncated-${fraction}.mp4`);
      fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * fraction)));
      expect(await readError(file)).toMatch(new RegExp(`^cannot decode video ${file.replace(/[.]/g, '\\.')}: \\S`));
    }
    // Cut in the middle of the frame data: the decoder reports the corrupt packet.
    expect(await readError(path.join(dir, 'truncated-0.5.mp4'))).toMatch(/corrupt input packet/);
  });

  it('fails on an empty file and on a file with no video stream', async () => {
    const empty = path.join(dir, 'empty.mp4');
    fs.writeFileSync(empty, '');
    await readError(empty);
    const audio = path.join(dir, 'tone.wav');
    const r = await runFfmpeg(['-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.1', audio]);
    expect(r.code).toBe(0);
    expect(await readError(audio)).toBe(`cannot decode video ${audio}: no video stream`);
  });

  it('fails on a folder', async () => {
    expect(await readError(dir)).toMatch(/not a regular file/);
  });
});

describe('probeVideo and a stated shape', () => {
  it('reads the stored size and our tag from the header alone', async () => {
    expect(await probeVideo(goodMp4)).toEqual({ width: 64, height: 64, fps: 10, tag: { scale: 2, width: 32, height: 32 } });
  });

  it('accepts the stored size or the tagged clip size, and returns the clip', async () => {
    for (const size of [32, 64]) {
      const back = await readVideo(goodMp4, { numFrames: 16, height: size, width: size });
      expect([back.numFrames, back.height, back.width]).toEqual([16, 32, 32]);
    }
  });

  it('refuses, before decoding, a file far larger than its row says', async () => {
    // 0.7 MB of 4096² frames listed as 32×32 drove decoding past 5 GB.
    const big = path.join(dir, 'big.mp4');
    const r = await runFfmpeg(['-y', '-f', 'lavfi', '-i', 'color=c=red:s=4096x4096:r=10:d=0.3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-threads', '1', big]);
    expect(r.code).toBe(0);
    const rss = process.memoryUsage().rss;
    const err = await readVideo(big, { numFrames: 16, height: 32, width: 32 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(`cannot decode video ${big}: its frames are 4096x4096, the row says 32x32; not decoded`);
    expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 2 ** 20); // three decoded frames alone are 150 MB
  });

  it('stops decoding a little past the stated number of frames', async () => {
    const long = path.join(dir, 'long.mp4');
    const r = await runFfmpeg(['-y', '-f', 'lavfi', '-i', 'testsrc=s=256x256:r=25:d=20', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-threads', '1', long]);
    expect(r.code).toBe(0);
    const cap = 10 + Math.floor(DECODE_SLACK_BYTES / (256 * 256 * 3)); // 351 of its 500 frames
    await expect(readVideo(long, { numFrames: 10, height: 256, width: 256 })).rejects.toThrow(`has more than ${cap - 1} frames, the row says 10`);
    expect((await readVideo(long, { numFrames: 500, height: 256, width: 256 })).numFrames).toBe(500);
  });
});

describe('parseInputSize', () => {
  it('reads WxH from the video stream line, not codec tags', () => {
    expect(parseInputSize("Input #0, mov:\n    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709), 64x48 [SAR 1:1 DAR 4:3], 12 kb/s, 10 fps\n")).toEqual({ width: 64, height: 48 });
    expect(parseInputSize("Input #0, wav:\n    Stream #0:0: Audio: pcm_s16le, 44100 Hz\n")).toBeUndefined();
  });
});

describe('parsePpmStream', () => {
  it('splits concatenated P6 frames', () => {
    const frame = (v: number) => Buffer.concat([Buffer.from('P6\n2 1\n255\n'), Buffer.from([v, v, v, v, v, v])]);
    const parsed = parsePpmStream(Buffer.concat([frame(1), frame(2), frame(3)]));
    expect([parsed.count, parsed.height, parsed.width]).toEqual([3, 1, 2]);
    expect([...parsed.data]).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3]);
    expect(() => parsePpmStream(frame(1).subarray(0, 14))).toThrow(/truncated/);
  });
});

describe('parseInputFps', () => {
  it('reads fps, then tbr, from the input section only', () => {
    expect(parseInputFps("Input #0, mov, from 'a.mp4':\n    Stream #0:0(und): Video: h264 (High), yuv420p, 64x64, 8 kb/s, 29.97 fps, 29.97 tbr, 30k tbn\n")).toBe(29.97);
    expect(parseInputFps("Input #0, png_pipe, from 'a.png':\n    Stream #0:0: Video: png, rgb24(pc), 7x5, 25 tbr, 25 tbn, 25 tbc\n")).toBe(25);
    expect(parseInputFps("Input #0, x:\n    Stream #0:0: Video: h264, 1k fps, 1k tbr\n")).toBe(1000);
    expect(parseInputFps("Input #0, wav:\n    Stream #0:0: Audio: pcm_s16le, 44100 Hz\n")).toBeUndefined();
  });
});
