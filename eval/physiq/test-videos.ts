/** Test inputs for the Physics-IQ code (masks.test.ts, metrics.test.ts). */
import type { Video } from '../../src/video/video.js';

/** A deterministic random video: a few coloured boxes moving over a plain background, plus speckle noise. */
export function randomVideo(seed: number, W: number, H: number, T: number): Video {
  let s = seed >>> 0 || 1;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const frames = new Uint8Array(T * H * W * 3);
  const bg = [rand() * 256, rand() * 256, rand() * 256].map(Math.floor);
  const boxes = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({
    x: rand() * W, y: rand() * H, w: 1 + rand() * W / 2, h: 1 + rand() * H / 2,
    vx: (rand() - 0.5) * 6, vy: (rand() - 0.5) * 6, rgb: [rand() * 256, rand() * 256, rand() * 256].map(Math.floor),
  }));
  const noise = rand() * 0.2;
  for (let t = 0; t < T; t++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let c = bg;
        for (const b of boxes) if (x >= b.x + b.vx * t && x < b.x + b.vx * t + b.w && y >= b.y + b.vy * t && y < b.y + b.vy * t + b.h) c = b.rgb;
        const o = ((t * H + y) * W + x) * 3;
        for (let ch = 0; ch < 3; ch++) frames[o + ch] = rand() < noise ? Math.floor(rand() * 256) : c[ch];
      }
    }
  }
  return { frames, numFrames: T, height: H, width: W, fps: 10 };
}
