import { describe, expect, it } from 'vitest';
import type { Video } from '../../base/video/video.js';
import { blurredGray, MotionMasker, motionMasks } from './masks.js';
import { randomVideo } from './test-videos.js';

/**
 * The motion mask written out as defined (../shared/METRICS.md, OpenCV semantics): float grey
 * rounded, the 5×5 blur as one 2-D weighted sum in floating point with reflect-101 borders,
 * the float32 running background, then opening and closing as four plain 5×5 min/max passes
 * over the pixels inside the image. Slow and obvious; masks.ts must match it bit for bit.
 */
function referenceMasks(video: Video): { gray: number[][]; masks: number[][] } {
  const { width: W, height: H, numFrames: T, frames } = video;
  const k = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16];
  const reflect = (i: number, n: number) => {
    if (n === 1) return 0;
    while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
    return i;
  };
  const window = (m: number[], erode: boolean) =>
    m.map((_, p) => {
      const x = p % W, y = (p - x) / W;
      let v = erode ? 1 : 0;
      for (let yy = y - 2; yy <= y + 2; yy++) {
        for (let xx = x - 2; xx <= x + 2; xx++) {
          if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue; // outside the image: ignored
          v = erode ? Math.min(v, m[yy * W + xx]) : Math.max(v, m[yy * W + xx]);
        }
      }
      return v;
    });
  const gray: number[][] = [];
  const masks: number[][] = [];
  const background = new Float32Array(W * H);
  for (let t = 0; t < T; t++) {
    const g0: number[] = [];
    for (let p = 0; p < W * H; p++) {
      const o = (t * W * H + p) * 3;
      g0.push(Math.round(0.299 * frames[o] + 0.587 * frames[o + 1] + 0.114 * frames[o + 2]));
    }
    const g = g0.map((_, p) => {
      const x = p % W, y = (p - x) / W;
      let s = 0;
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) s += k[dy + 2] * k[dx + 2] * g0[reflect(y + dy, H) * W + reflect(x + dx, W)];
      return Math.round(s);
    });
    gray.push(g);
    if (t === 0) {
      background.set(g);
      masks.push(g.map(() => 0));
      continue;
    }
    const raw = g.map((v, p) => {
      background[p] = 0.7 * background[p] + 0.3 * v;
      return Math.round(Math.abs(v - background[p])) > 10 ? 1 : 0;
    });
    const opened = window(window(raw, true), false);
    masks.push(window(window(opened, false), true));
  }
  return { gray, masks };
}

describe('motion masks', () => {
  it('equal the plain definition bit for bit on random videos of many sizes (word edges included)', () => {
    const sizes = [[1, 1], [2, 3], [5, 5], [7, 13], [31, 9], [32, 32], [33, 17], [64, 6], [70, 11]];
    let ones = 0, total = 0;
    sizes.forEach(([W, H], k) => {
      for (let r = 0; r < 3; r++) {
        const video = randomVideo(100 * k + r + 1, W, H, 6);
        const want = referenceMasks(video);
        const got = motionMasks(video).map((m) => Array.from(m));
        expect(got, `${W}×${H} #${r}`).toEqual(want.masks);
        expect(blurredGray(video).map((g) => Array.from(g)), `${W}×${H} #${r} grey`).toEqual(want.gray);
        for (const m of got) for (const v of m) ones += v;
        total += W * H * 6;
      }
    });
    // The comparison means something only if the masks are neither empty nor full.
    expect(ones).toBeGreaterThan(0.05 * total);
    expect(ones).toBeLessThan(0.6 * total);
  });

  it('masker reuse: reset starts a new video, and frames must come in order', () => {
    const a = randomVideo(7, 40, 20, 5), b = randomVideo(8, 40, 20, 5);
    const masker = new MotionMasker(40, 20);
    for (let t = 0; t < 5; t++) masker.next(a.frames, t);
    masker.reset();
    const want = motionMasks(b);
    for (let t = 0; t < 5; t++) {
      const m = masker.next(b.frames, t);
      for (let p = 0; p < 40 * 20; p++) expect(masker.get(m, p % 40, Math.floor(p / 40))).toBe(want[t][p]);
    }
    expect(() => masker.next(b.frames, 2)).toThrow(RangeError);
  });
});
