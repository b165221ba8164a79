import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { readVideo } from './decode.js';
import { encodeMp4, writeGif, writeMp4 } from './encode.js';
import { runFfmpeg } from './ffmpeg.js';
import { movingDiscs } from './test-fixtures.js';
import { psnr } from './video.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-encode-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Every file under `root`, relative, so a stray temp file anywhere shows up. */
function listFiles(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(root, f)).isFile())
    .sort();
}

const clip = movingDiscs(); // 16 frames, 32×32, 10 fps

describe('writeMp4', () => {
  it('round-trips the moving-discs clip at ≥ 35 dB with the same shape and fps', async () => {
    const file = path.join(dir, 'discs.mp4');
    await writeMp4(clip, file);
    const back = await readVideo(file);
    expect([back.numFrames, back.height, back.width, back.fps]).toEqual([16, 32, 32, 10]);
    const db = psnr(clip, back);
    // Measured 42.6 dB at the defaults (crf 14, preset slow, 2× pixel scale).
    expect(db).toBeGreaterThanOrEqual(35);
    expect(db).toBeLessThan(60); // lossy, so a decoder that returned the input would be a bug
  });

  it('writes browser-playable H.264: High profile, yuv420p, BT.709, moov before mdat', async () => {
    const file = path.join(dir, 'browser.mp4');
    await writeMp4(clip, file);
    const bytes = fs.readFileSync(file);
    const moov = bytes.indexOf('moov');
    const mdat = bytes.indexOf('mdat');
    expect(moov).toBeGreaterThan(0);
    expect(moov).toBeLessThan(mdat); // +faststart
    const { stderr } = await runFfmpeg(['-nostdin', '-i', file]);
    expect(stderr).toMatch(/Video: h264 \(High\)/);
    expect(stderr).toMatch(/yuv420p\(tv, bt709/);
    expect(stderr).toMatch(/64x64/); // stored at 2× …
    expect(stderr).toMatch(/comment\s*: spacetime pixel-scale=2 size=32x32/); // … and tagged
  });

  it('is deterministic: the same video gives byte-identical files and bytes', async () => {
    const a = path.join(dir, 'same-a.mp4');
    const b = path.join(dir, 'same-b.mp4');
    await writeMp4(clip, a);
    await writeMp4(clip, b);
    const bytesA = fs.readFileSync(a);
    expect(bytesA.length).toBeGreaterThan(1000);
    expect(bytesA.equals(fs.readFileSync(b))).toBe(true);
    expect(Buffer.from(await encodeMp4(clip)).equals(bytesA)).toBe(true);
    // And a different crf really changes the output (the comparison can fail).
    expect(Buffer.from(await encodeMp4(clip, { crf: 30 })).equals(bytesA)).toBe(false);
  });

  it('pads odd sizes for yuv420p and reads back the original shape', async () => {
    const odd = movingDiscs({ height: 33, width: 31, numFrames: 4 });
    for (const pixelScale of [1, 2] as const) {
      const file = path.join(dir, `odd-${pixelScale}.mp4`);
      await writeMp4(odd, file, { pixelScale });
      const back = await readVideo(file);
      expect([back.numFrames, back.height, back.width]).toEqual([4, 33, 31]);
      // 1× is capped by chroma subsampling (measured 29.7 dB); 2× measured 44 dB.
      expect(psnr(odd, back)).toBeGreaterThan(pixelScale === 1 ? 27 : 38);
    }
  });

  it('handles file names ffmpeg could misread as options or protocols', async () => {
    const file = path.join(dir, '-run:3 take 2.mp4');
    const small = movingDiscs({ numFrames: 2 });
    await writeMp4(small, file);
    expect((await readVideo(file)).numFrames).toBe(2);
  });

  it('keeps fractional frame rates', async () => {
    const file = path.join(dir, 'ntsc.mp4');
    await writeMp4({ ...movingDiscs({ numFrames: 3 }), fps: 29.97 }, file);
    expect((await readVideo(file)).fps).toBeCloseTo(29.97, 2);
  });

  it('rejects crf 0 (lossless is not browser-playable) and bad pixel scales', async () => {
    await expect(writeMp4(clip, path.join(dir, 'x.mp4'), { crf: 0 })).rejects.toThrow(UserError);
    await expect(writeMp4(clip, path.join(dir, 'x.mp4'), { pixelScale: 3 as 2 })).rejects.toThrow(/pixelScale/);
    expect(fs.existsSync(path.join(dir, 'x.mp4'))).toBe(false);
  });
});

describe('writeGif', () => {
  it('round-trips with the right shape and fps at ≥ 40 dB, deterministically', async () => {
    const a = path.join(dir, 'discs.gif');
    const b = path.join(dir, 'discs-again.gif');
    await writeGif(clip, a);
    await writeGif(clip, b);
    expect(fs.readFileSync(a).subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
    const back = await readVideo(a);
    expect([back.numFrames, back.height, back.width, back.fps]).toEqual([16, 32, 32, 10]);
    // A 256-colour palette covers this clip well: measured 63.3 dB.
    expect(psnr(clip, back)).toBeGreaterThanOrEqual(40);
  });
});

describe('atomic writes', () => {
  it('fails with a UserError and leaves nothing when the folder cannot be created', async () => {
    const root = fs.mkdtempSync(path.join(dir, 'blocked-'));
    fs.writeFileSync(path.join(root, 'plain-file'), 'not a folder');
    const target = path.join(root, 'plain-file', 'sub', 'out.mp4');
    const err = await writeMp4(clip, target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain(path.join(root, 'plain-file', 'sub'));
    expect((err as Error).message).not.toContain('\n');
    expect(listFiles(root)).toEqual(['plain-file']);
  });

  it('removes the temp file when ffmpeg fails after starting to write', async () => {
    const root = fs.mkdtempSync(path.join(dir, 'failing-'));
    // A stand-in ffmpeg that writes half a file to its output (last argument), then fails.
    const fake = path.join(dir, `fake-ffmpeg-${path.basename(root)}.sh`);
    fs.writeFileSync(fake, '#!/bin/sh\nfor last; do :; done\nprintf partial > "${last#file:}"\necho "$last: No space left on device" >&2\nexit 1\n', { mode: 0o755 });
    const previous = process.env.SPACETIME_FFMPEG;
    process.env.SPACETIME_FFMPEG = fake;
    try {
      const target = path.join(root, 'out.mp4');
      const err = await writeMp4(clip, target).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toBe(`cannot write video ${target}: No space left on device`);
      await expect(writeGif(clip, path.join(root, 'out.gif'))).rejects.toThrow(UserError);
    } finally {
      if (previous === undefined) delete process.env.SPACETIME_FFMPEG;
      else process.env.SPACETIME_FFMPEG = previous;
    }
    expect(listFiles(root)).toEqual([]);
  });

  it('replaces an existing file only on success', async () => {
    const target = path.join(dir, 'replace.mp4');
    fs.writeFileSync(target, 'old');
    await writeMp4(movingDiscs({ numFrames: 2 }), target);
    expect(fs.readFileSync(target).subarray(4, 8).toString('latin1')).toBe('ftyp');
  });
});

describe('writeMp4 and writeGif targets', () => {
  it('refuses a FIFO target without replacing it (as root, --out /dev/null replaced the device)', async () => {
    const root = fs.mkdtempSync(path.join(dir, 'fifo-'));
    const fifo = path.join(root, 'out.mp4');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    for (const write of [writeMp4, writeGif]) {
      const err = await write(clip, fifo).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/out\.mp4: it exists and is a FIFO, not a regular file/);
    }
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
    expect(fs.readdirSync(root)).toEqual(['out.mp4']);
  });
});
