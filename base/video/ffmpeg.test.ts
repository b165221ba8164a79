import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { FFMPEG_ENV, ffmpegPath, ffmpegReason, runFfmpeg } from './ffmpeg.js';

const saved = process.env[FFMPEG_ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[FFMPEG_ENV];
  else process.env[FFMPEG_ENV] = saved;
});

describe('ffmpegPath / runFfmpeg', () => {
  it('uses the bundled static ffmpeg, with libx264, libvpx and GIF', async () => {
    delete process.env[FFMPEG_ENV];
    expect(path.basename(ffmpegPath())).toMatch(/^ffmpeg/);
    const { code, stdout } = await runFfmpeg(['-encoders']);
    expect(code).toBe(0);
    for (const encoder of ['libx264', 'libvpx-vp9', ' gif ']) expect(stdout.toString()).toContain(encoder);
  });

  it('pipes input on stdin and returns stdout', async () => {
    const input = Uint8Array.from([10, 20, 30, 40, 50, 60]); // a 2×1 rgb24 frame
    const r = await runFfmpeg(['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '2x1', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'bgr24', '-'], { input });
    expect(r.code).toBe(0);
    expect([...r.stdout]).toEqual([30, 20, 10, 60, 50, 40]);
  });

  it('honours SPACETIME_FFMPEG and names the path when it cannot start', async () => {
    process.env[FFMPEG_ENV] = '/nonexistent/bin/ffmpeg';
    expect(ffmpegPath()).toBe('/nonexistent/bin/ffmpeg');
    const err = await runFfmpeg(['-version']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      'cannot run ffmpeg at /nonexistent/bin/ffmpeg (ENOENT); set SPACETIME_FFMPEG to a working ffmpeg binary',
    );
  });

  it('returns a non-zero code instead of throwing when ffmpeg fails', async () => {
    const r = await runFfmpeg(['-i', '/nonexistent/clip.mp4']);
    expect(r.code).not.toBe(0);
    expect(ffmpegReason(r.stderr, '/nonexistent/clip.mp4')).toBe('No such file or directory');
  });
});

describe('ffmpegReason', () => {
  it('prefers the line about the file, then truncation, then the last error; skips generic closers', () => {
    expect(ffmpegReason('Input #0\nfoo.mp4: Invalid data found when processing input\nConversion failed!\n', 'foo.mp4'))
      .toBe('Invalid data found when processing input');
    expect(ffmpegReason('[mov,mp4 @ 0x1f2e] STSZ atom truncated\nCannot determine format of input stream 0:0 after EOF\nError marking filters as finished\nConversion failed!\n', 'x.mp4'))
      .toBe('STSZ atom truncated');
    expect(ffmpegReason('[libx264 @ 0xabc] width not divisible by 2 (33x32)\nError initializing output stream 0:0 -- Error while opening encoder\n'))
      .toBe('Error initializing output stream 0:0 -- Error while opening encoder');
    expect(ffmpegReason('')).toBe('ffmpeg failed without a message');
  });
});
