/**
 * Anti-aliased rasteriser for the world. Each object's per-pixel coverage is computed
 * (exactly: pixel ∩ rectangle for squares and bars, pixel ∩ disc in closed form for balls),
 * then objects are blended over the plain background in draw order: moving objects by
 * id, static occluders last (in front). Blending is linear in RGB, so a pixel's colour
 * is an exact coverage-weighted mix and colour centroids are unbiased.
 *
 * Pixel coordinates: origin at the image's top-left, y down; pixel (i, j) covers
 * [i, i+1) × [j, j+1), its centre is at (i + 0.5, j + 0.5). World (x, y) maps to
 * (x·scale, height − y·scale).
 */
import { BACKGROUND } from './palette.js';
import type { ObjectSpec } from './spec.js';

/** A pixel whose centre is farther than this from a ball's rim is fully in or out. */
const RIM = Math.SQRT1_2;

export interface Canvas {
  width: number;
  height: number;
  /** Pixels per world unit. */
  scale: number;
}

/** Reusable per-object coverage buffers, so rendering a video allocates once. */
export class Rasterizer {
  private coverage: Float32Array[] = [];
  /** Pixel box [x0, x1, y0, y1] (inclusive) of each object's coverage; empty when x0 > x1. */
  private boxes: [number, number, number, number][] = [];
  private accum: Float32Array;

  constructor(readonly canvas: Canvas) {
    this.accum = new Float32Array(canvas.width * canvas.height * 3);
  }

  private buffer(k: number): Float32Array {
    while (this.coverage.length <= k) {
      this.coverage.push(new Float32Array(this.canvas.width * this.canvas.height));
      this.boxes.push([0, -1, 0, -1]);
    }
    return this.coverage[k];
  }

  /**
   * Draw one frame into `out` (H·W·3 bytes) with each object at `positions[k]` (world
   * units), and return each object's visible fraction: the share of its true area that
   * ends up drawn (not covered by objects in front, not off the frame).
   */
  renderFrame(out: Uint8Array, objects: readonly ObjectSpec[], positions: readonly { x: number; y: number }[]): number[] {
    const { width, height } = this.canvas;
    const order = objects.map((_, k) => k).sort((a, b) => Number(objects[a].static) - Number(objects[b].static) || a - b);
    const areas = objects.map((o, k) => this.rasterize(k, o, positions[k]));

    const acc = this.accum;
    const [bgR, bgG, bgB] = BACKGROUND;
    for (let p = 0; p < width * height; p++) {
      acc[3 * p] = bgR;
      acc[3 * p + 1] = bgG;
      acc[3 * p + 2] = bgB;
    }
    const visible = new Array<number>(objects.length).fill(0);
    for (let rank = 0; rank < order.length; rank++) {
      const k = order[rank];
      const cov = this.coverage[k];
      const [x0, x1, y0, y1] = this.boxes[k];
      const inFront = order.slice(rank + 1).map((j) => this.coverage[j]);
      const [r, g, b] = objects[k].rgb;
      let seen = 0;
      for (let j = y0; j <= y1; j++) {
        for (let i = x0; i <= x1; i++) {
          const p = j * width + i;
          const c = cov[p];
          if (c === 0) continue;
          acc[3 * p] += (r - acc[3 * p]) * c;
          acc[3 * p + 1] += (g - acc[3 * p + 1]) * c;
          acc[3 * p + 2] += (b - acc[3 * p + 2]) * c;
          // What remains of this object once everything drawn after it is blended on top.
          let remaining = c;
          for (const front of inFront) remaining *= 1 - front[p];
          seen += remaining;
        }
      }
      visible[k] = areas[k] > 0 ? Math.min(1, seen / areas[k]) : 0;
    }
    for (let i = 0; i < acc.length; i++) out[i] = Math.round(acc[i]);
    return visible;
  }

  /** Fill object k's coverage buffer and box; return its true area in px². */
  private rasterize(k: number, o: ObjectSpec, at: { x: number; y: number }): number {
    const cov = this.buffer(k);
    const box = this.boxes[k];
    for (let j = box[2]; j <= box[3]; j++) cov.fill(0, j * this.canvas.width + box[0], j * this.canvas.width + box[1] + 1);
    const { width, height, scale } = this.canvas;
    const cx = at.x * scale;
    const cy = height - at.y * scale;
    if (o.shape === 'ball') {
      const R = o.size * scale;
      const x0 = Math.max(0, Math.floor(cx - R));
      const x1 = Math.min(width - 1, Math.ceil(cx + R) - 1);
      const y0 = Math.max(0, Math.floor(cy - R));
      const y1 = Math.min(height - 1, Math.ceil(cy + R) - 1);
      box[0] = x0;
      box[1] = x1;
      box[2] = y0;
      box[3] = y1;
      for (let j = y0; j <= y1; j++) {
        for (let i = x0; i <= x1; i++) {
          const d = Math.hypot(i + 0.5 - cx, j + 0.5 - cy) - R;
          // Interior and exterior pixels are exact without the integral.
          cov[j * width + i] = d <= -RIM ? 1 : d >= RIM ? 0 : discPixelArea(R, i - cx, j - cy);
        }
      }
      return Math.PI * R * R;
    }
    // Axis-aligned rectangle: exact area overlap with each pixel.
    const left = cx - o.halfWidth * scale;
    const right = cx + o.halfWidth * scale;
    const top = cy - o.halfHeight * scale;
    const bottom = cy + o.halfHeight * scale;
    const x0 = Math.max(0, Math.floor(left));
    const x1 = Math.min(width - 1, Math.ceil(right) - 1);
    const y0 = Math.max(0, Math.floor(top));
    const y1 = Math.min(height - 1, Math.ceil(bottom) - 1);
    box[0] = x0;
    box[1] = x1;
    box[2] = y0;
    box[3] = y1;
    for (let j = y0; j <= y1; j++) {
      const oy = Math.min(j + 1, bottom) - Math.max(j, top);
      if (oy <= 0) continue;
      for (let i = x0; i <= x1; i++) {
        const ox = Math.min(i + 1, right) - Math.max(i, left);
        if (ox > 0) cov[j * width + i] = ox * oy;
      }
    }
    return (right - left) * (bottom - top);
  }
}

/** Area of the disc x² + y² ≤ R² inside the unit pixel [x0, x0+1] × [y0, y0+1]. */
export function discPixelArea(R: number, x0: number, y0: number): number {
  return discRectArea(R, x0, x0 + 1, y0, y0 + 1);
}

/**
 * Area of the disc x² + y² ≤ R² inside the rectangle [x0, x1] × [y0, y1], by
 * inclusion–exclusion over quadrant areas.
 */
export function discRectArea(R: number, x0: number, x1: number, y0: number, y1: number): number {
  return quadrantArea(R, x1, y1) - quadrantArea(R, x0, y1) - quadrantArea(R, x1, y0) + quadrantArea(R, x0, y0);
}

/** Area of the disc of radius R (centre 0) with x ≤ a and y ≤ b. */
function quadrantArea(R: number, a: number, b: number): number {
  if (a <= -R || b <= -R) return 0;
  const hi = Math.min(a, R);
  if (b >= R) return 2 * (chordIntegral(R, hi) - chordIntegral(R, -R));
  // Inside |x| < xb the chord is cut at y = b (length b + s); outside it is whole (b ≥ 0) or empty (b < 0).
  const xb = Math.sqrt(R * R - b * b);
  let area = 0;
  const leftEnd = Math.min(-xb, hi);
  if (leftEnd > -R && b >= 0) area += 2 * (chordIntegral(R, leftEnd) - chordIntegral(R, -R));
  const midEnd = Math.min(xb, hi);
  if (midEnd > -xb) area += b * (midEnd + xb) + chordIntegral(R, midEnd) - chordIntegral(R, -xb);
  const rightEnd = Math.min(R, hi);
  if (rightEnd > xb && b >= 0) area += 2 * (chordIntegral(R, rightEnd) - chordIntegral(R, xb));
  return area;
}

/** ∫ sqrt(R² − x²) dx, the antiderivative (half a chord's length, integrated). */
function chordIntegral(R: number, x: number): number {
  const u = Math.max(-1, Math.min(1, x / R));
  return 0.5 * (x * Math.sqrt(Math.max(0, R * R - x * x)) + R * R * Math.asin(u));
}
