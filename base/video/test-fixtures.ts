/**
 * Synthetic clips for the video tests: anti-aliased discs of saturated colours moving
 * over a plain light background. Saturated edges on a light ground are the worst case
 * for yuv420p chroma subsampling, which is why the MP4 quality bar is measured on them.
 *
 *   const clip = movingDiscs();            // 16 frames, 32×32, 10 fps
 *   const odd = movingDiscs({ width: 33 }); // odd width, to exercise padding
 */
import { makeVideo, type Video } from './video.js';

/** Light, slightly warm background (not pure white, so clipping cannot hide errors). */
export const BACKGROUND: readonly [number, number, number] = [236, 232, 222];

interface Disc {
  colour: [number, number, number];
  radius: number;
  /** Centre at t = 0 and velocity, in pixels and pixels per frame. */
  x0: number;
  y0: number;
  vx: number;
  vy: number;
}

const DISCS: Disc[] = [
  { colour: [220, 30, 40], radius: 6, x0: 6, y0: 8, vx: 1.1, vy: 0.6 },
  { colour: [30, 170, 60], radius: 5, x0: 26, y0: 6, vx: -0.9, vy: 1.0 },
  { colour: [40, 60, 220], radius: 4.5, x0: 14, y0: 26, vx: 0.7, vy: -0.8 },
];

/** Sub-pixel samples per axis for the coverage estimate (4×4 = 16 per pixel). */
const SUPERSAMPLE = 4;

/**
 * A deterministic test clip; discs are painted in order with 16-sample coverage
 * anti-aliasing. Positions scale with the frame size so any size shows all discs.
 */
export function movingDiscs(opts: { numFrames?: number; height?: number; width?: number; fps?: number } = {}): Video {
  const { numFrames = 16, height = 32, width = 32, fps = 10 } = opts;
  const video = makeVideo(numFrames, height, width, fps);
  const sx = width / 32;
  const sy = height / 32;
  const f = video.frames;
  for (let t = 0; t < numFrames; t++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let [r, g, b] = BACKGROUND;
        for (const d of DISCS) {
          const cx = (d.x0 + d.vx * t) * sx;
          const cy = (d.y0 + d.vy * t) * sy;
          const rad = d.radius * Math.min(sx, sy);
          let inside = 0;
          for (let j = 0; j < SUPERSAMPLE; j++) {
            for (let i = 0; i < SUPERSAMPLE; i++) {
              const px = x + (i + 0.5) / SUPERSAMPLE;
              const py = y + (j + 0.5) / SUPERSAMPLE;
              if ((px - cx) ** 2 + (py - cy) ** 2 <= rad * rad) inside++;
            }
          }
          const a = inside / (SUPERSAMPLE * SUPERSAMPLE);
          r = r * (1 - a) + d.colour[0] * a;
          g = g * (1 - a) + d.colour[1] * a;
          b = b * (1 - a) + d.colour[2] * a;
        }
        const o = ((t * height + y) * width + x) * 3;
        f[o] = Math.round(r);
        f[o + 1] = Math.round(g);
        f[o + 2] = Math.round(b);
      }
    }
  }
  return video;
}
