/**
 * Helpers for the world's tests: measure objects in rendered frames the way a
 * palette-aware parser would (coverage from the colour mix), to check the renderer
 * against the ground truth.
 */
import { BACKGROUND, type Rgb } from './palette.js';

/** Colour distance from the background→object line beyond which a pixel belongs to another object. */
const MAX_OFF_LINE = 6;

/**
 * Per-pixel coverage of colour `rgb` in one frame, inside a pixel window: the share of
 * the pixel's colour that is `rgb` rather than the background, by projection onto the
 * background→rgb line (exact for a pixel blended from just these two).
 */
export function coverageOf(
  frame: Uint8Array,
  width: number,
  rgb: Rgb,
  window: { x0: number; x1: number; y0: number; y1: number },
): { sum: number; cx: number; cy: number } {
  const d = [rgb[0] - BACKGROUND[0], rgb[1] - BACKGROUND[1], rgb[2] - BACKGROUND[2]];
  const dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
  let sum = 0;
  let sx = 0;
  let sy = 0;
  for (let j = window.y0; j <= window.y1; j++) {
    for (let i = window.x0; i <= window.x1; i++) {
      const p = 3 * (j * width + i);
      const a =
        ((frame[p] - BACKGROUND[0]) * d[0] + (frame[p + 1] - BACKGROUND[1]) * d[1] + (frame[p + 2] - BACKGROUND[2]) * d[2]) / dd;
      // Off the background→rgb line by more than a few levels: another object's pixel.
      const off = Math.hypot(
        frame[p] - BACKGROUND[0] - a * d[0],
        frame[p + 1] - BACKGROUND[1] - a * d[1],
        frame[p + 2] - BACKGROUND[2] - a * d[2],
      );
      const w = off > MAX_OFF_LINE ? 0 : Math.max(0, Math.min(1, a));
      sum += w;
      sx += w * (i + 0.5);
      sy += w * (j + 0.5);
    }
  }
  return { sum, cx: sx / sum, cy: sy / sum };
}

/** Least-squares fit y = c0 + c1·t + c2·t²; returns [c0, c1, c2] and the RMS residual. */
export function fitQuadratic(t: number[], y: number[]): { c: [number, number, number]; rms: number } {
  // Normal equations, 3×3, solved by Cramer's rule.
  const S = (k: number) => t.reduce((s, ti) => s + ti ** k, 0);
  const Sy = (k: number) => t.reduce((s, ti, i) => s + ti ** k * y[i], 0);
  const A = [
    [S(0), S(1), S(2)],
    [S(1), S(2), S(3)],
    [S(2), S(3), S(4)],
  ];
  const b = [Sy(0), Sy(1), Sy(2)];
  const det = (m: number[][]) =>
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const D = det(A);
  const c = [0, 1, 2].map((k) => det(A.map((row, r) => row.map((v, col) => (col === k ? b[r] : v)))) / D) as [number, number, number];
  const rms = Math.sqrt(t.reduce((s, ti, i) => s + (c[0] + c[1] * ti + c[2] * ti * ti - y[i]) ** 2, 0) / t.length);
  return { c, rms };
}
