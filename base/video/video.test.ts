import { describe, expect, it } from 'vitest';
import { assertVideoShape, frameView, makeVideo, psnr } from './video.js';

describe('makeVideo / frameView', () => {
  it('allocates a zero-filled [T][H][W][3] buffer', () => {
    const v = makeVideo(4, 3, 5, 12);
    expect(v.frames.length).toBe(4 * 3 * 5 * 3);
    expect(v.frames.every((b) => b === 0)).toBe(true);
    expect([v.numFrames, v.height, v.width, v.fps]).toEqual([4, 3, 5, 12]);
  });

  it('frameView is a live view of one frame at the documented offset', () => {
    const v = makeVideo(3, 2, 2, 10);
    const f = frameView(v, 2);
    expect(f.length).toBe(12);
    f[3 * (1 * 2 + 1) + 2] = 200; // frame 2, y=1, x=1, blue
    expect(v.frames[((2 * 2 + 1) * 2 + 1) * 3 + 2]).toBe(200);
    expect(() => frameView(v, 3)).toThrow(/out of range/);
  });

  it('rejects bad shapes', () => {
    expect(() => makeVideo(1, 2.5, 2, 10)).toThrow(RangeError);
    expect(() => makeVideo(1, 2, 2, 0)).toThrow(RangeError);
    const v = makeVideo(2, 2, 2, 10);
    expect(() => assertVideoShape({ ...v, frames: v.frames.subarray(1) })).toThrow(/expected 24/);
  });
});

describe('psnr', () => {
  it('is Infinity for identical videos', () => {
    const a = makeVideo(2, 4, 4, 10);
    a.frames.fill(77);
    expect(psnr(a, { ...a, frames: a.frames.slice() })).toBe(Infinity);
  });

  it('matches 10·log10(255²/MSE)', () => {
    const a = makeVideo(1, 2, 2, 10); // 12 values
    const b = makeVideo(1, 2, 2, 10);
    b.frames[0] = 10; // squared error 100 over 12 values → MSE 100/12
    b.frames[5] = 2; // + 4 → MSE 104/12
    expect(psnr(a, b)).toBeCloseTo(10 * Math.log10((255 * 255 * 12) / 104), 10);
    // Every value off by 1: MSE 1 → 48.1308 dB.
    const c = makeVideo(1, 2, 2, 10);
    c.frames.fill(1);
    expect(psnr(a, c)).toBeCloseTo(48.1308, 4);
  });

  it('throws when shapes differ', () => {
    expect(() => psnr(makeVideo(2, 4, 4, 10), makeVideo(2, 4, 2, 10))).toThrow(/shapes differ/);
  });
});
