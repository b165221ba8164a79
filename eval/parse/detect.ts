/**
 * Per-frame detection from pixels alone: label each pixel with the colour ray that explains
 * it (and its coverage α), grow 8-connected components per colour, and measure each: area
 * (Σα, exact for anti-aliased renders), α-weighted centroid, equivalent radius √(A/π),
 * circularity 4πA/P² (P = total variation of α, the coarea perimeter), box fill (tells
 * discs from squares), bounding box and mean interior colour.
 *
 * Allocation-light: one set of typed buffers per FrameDetector, reused for every frame.
 */
import {
  BACKGROUND_NOISE,
  CONNECT_COVERAGE,
  CLIP_TOLERANCE_PX,
  CUT_MARGIN_PX,
  INTERIOR_COVERAGE,
  MIN_COMPONENT_AREA,
  RESIDUAL_ABSOLUTE,
  RESIDUAL_RELATIVE,
} from '../thresholds.js';
import type { ColorSet } from './colors.js';

/** One connected blob of one colour in one frame, in pixel units (y down). */
export interface Detection {
  frame: number;
  /** Index into the colour set's rays. */
  color: number;
  /** Σ coverage, px². */
  area: number;
  /** Coverage-weighted centroid, px (pixel centres at +0.5). */
  cx: number;
  cy: number;
  /** √(area/π), px. */
  radius: number;
  /** 4πA/P² with P the total variation of the coverage field. */
  circularity: number;
  /** area ÷ (largest row coverage × largest column coverage): ~0.8 for discs, ~1 for squares. */
  fill: number;
  /** Pixel box [x0, y0, x1, y1] (inclusive) of the connected pixels. */
  box: [number, number, number, number];
  /** Mean RGB of interior pixels (or of all pixels when none is interior). */
  meanRgb: [number, number, number];
  /** Touches the frame edge or the occluder, so it may be cut off. */
  cut: boolean;
  /** Largest row and column coverage sums, px (width and height of the blob). */
  widest: number;
  tallest: number;
}

export class FrameDetector {
  private readonly label: Int8Array;
  private readonly alpha: Float32Array;
  private readonly comp: Int32Array;
  private readonly stack: Int32Array;
  private readonly rowSum: Float64Array;
  private readonly colSum: Float64Array;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly colors: ColorSet,
  ) {
    const n = width * height;
    this.label = new Int8Array(n);
    this.alpha = new Float32Array(n);
    this.comp = new Int32Array(n);
    this.stack = new Int32Array(n);
    this.rowSum = new Float64Array(height);
    this.colSum = new Float64Array(width);
  }

  /** Detections in frame `t` of `frames` ([T][H][W][3] bytes); the occluder's come with the rest. */
  detect(frames: Uint8Array, t: number): Detection[] {
    const { width: W, height: H } = this;
    const n = W * H;
    const base = t * n * 3;
    this.classify(frames, base);
    const comp = this.comp;
    comp.fill(-1);
    const out: Detection[] = [];
    let id = 0;
    for (let p = 0; p < n; p++) {
      if (comp[p] !== -1 || this.label[p] < 0 || this.alpha[p] < CONNECT_COVERAGE) continue;
      const det = this.grow(frames, base, p, id, t);
      if (det) out.push(det);
      id++;
    }
    this.markCut(out);
    return out;
  }

  /** Label every pixel with its best colour ray (−1: background or unexplained) and coverage. */
  private classify(frames: Uint8Array, base: number): void {
    const { rays, background } = this.colors;
    const [bR, bG, bB] = background;
    const n = this.width * this.height;
    const bg2 = BACKGROUND_NOISE * BACKGROUND_NOISE;
    for (let p = 0; p < n; p++) {
      const o = base + 3 * p;
      const dr = frames[o] - bR;
      const dg = frames[o + 1] - bG;
      const db = frames[o + 2] - bB;
      const d2 = dr * dr + dg * dg + db * db;
      if (d2 <= bg2) {
        this.label[p] = -1;
        continue;
      }
      let best = -1;
      let bestRes = Infinity;
      let bestAlpha = 0;
      for (let k = 0; k < rays.length; k++) {
        const u = rays[k].u;
        const dot = dr * u[0] + dg * u[1] + db * u[2];
        if (dot <= 0) continue;
        const a = dot / rays[k].norm2;
        // Distance to the segment bg→colour (past the colour end, distance to the colour).
        const res = a <= 1 ? d2 - dot * a : (dr - u[0]) ** 2 + (dg - u[1]) ** 2 + (db - u[2]) ** 2;
        if (res < bestRes) {
          bestRes = res;
          best = k;
          bestAlpha = a;
        }
      }
      const limit = RESIDUAL_ABSOLUTE + RESIDUAL_RELATIVE * Math.sqrt(d2);
      if (best >= 0 && bestRes <= limit * limit) {
        this.label[p] = best;
        this.alpha[p] = bestAlpha > 1 ? 1 : bestAlpha;
      } else {
        this.label[p] = -1;
      }
    }
  }

  /** Flood-fill one component from `seed` and measure it; null when it is noise. */
  private grow(frames: Uint8Array, base: number, seed: number, id: number, t: number): Detection | null {
    const { width: W, height: H, label, alpha, comp, stack, rowSum, colSum } = this;
    const color = label[seed];
    let top = 0;
    stack[top++] = seed;
    comp[seed] = id;
    let area = 0, sx = 0, sy = 0;
    let x0 = W, y0 = H, x1 = -1, y1 = -1;
    let iR = 0, iG = 0, iB = 0, iN = 0;
    let aR = 0, aG = 0, aB = 0, nPix = 0;
    while (top > 0) {
      const p = stack[--top];
      const i = p % W;
      const j = (p - i) / W;
      const a = alpha[p];
      area += a;
      sx += a * (i + 0.5);
      sy += a * (j + 0.5);
      if (i < x0) x0 = i;
      if (i > x1) x1 = i;
      if (j < y0) y0 = j;
      if (j > y1) y1 = j;
      const o = base + 3 * p;
      nPix++;
      aR += frames[o];
      aG += frames[o + 1];
      aB += frames[o + 2];
      if (a >= INTERIOR_COVERAGE) {
        iR += frames[o];
        iG += frames[o + 1];
        iB += frames[o + 2];
        iN++;
      }
      for (let dj = -1; dj <= 1; dj++) {
        const jj = j + dj;
        if (jj < 0 || jj >= H) continue;
        for (let di = -1; di <= 1; di++) {
          const ii = i + di;
          if (ii < 0 || ii >= W) continue;
          const q = jj * W + ii;
          if (comp[q] === -1 && label[q] === color && alpha[q] >= CONNECT_COVERAGE) {
            comp[q] = id;
            stack[top++] = q;
          }
        }
      }
    }
    if (area < MIN_COMPONENT_AREA) return null;

    // Row / column coverage sums and the total-variation perimeter over the box plus a margin.
    for (let j = y0; j <= y1; j++) rowSum[j] = 0;
    for (let i = x0; i <= x1; i++) colSum[i] = 0;
    let perimeter = 0;
    const at = (i: number, j: number) => (i < 0 || j < 0 || i >= W || j >= H || comp[j * W + i] !== id ? 0 : alpha[j * W + i]);
    for (let j = y0 - 1; j <= y1; j++) {
      for (let i = x0 - 1; i <= x1; i++) {
        const a = at(i, j);
        if (a > 0) {
          rowSum[j] += a;
          colSum[i] += a;
        }
        const gx = at(i + 1, j) - a;
        const gy = at(i, j + 1) - a;
        perimeter += Math.sqrt(gx * gx + gy * gy);
      }
    }
    let widest = 0, tallest = 0;
    for (let j = y0; j <= y1; j++) if (rowSum[j] > widest) widest = rowSum[j];
    for (let i = x0; i <= x1; i++) if (colSum[i] > tallest) tallest = colSum[i];
    const meanRgb: [number, number, number] = iN > 0 ? [iR / iN, iG / iN, iB / iN] : [aR / nPix, aG / nPix, aB / nPix];
    return {
      frame: t,
      color,
      area,
      cx: sx / area,
      cy: sy / area,
      radius: Math.sqrt(area / Math.PI),
      circularity: perimeter > 0 ? (4 * Math.PI * area) / (perimeter * perimeter) : 0,
      fill: widest > 0 && tallest > 0 ? area / (widest * tallest) : 0,
      box: [x0, y0, x1, y1],
      meanRgb,
      cut: false,
      widest,
      tallest,
    };
  }

  /** Mark detections touching the frame edge or within CUT_MARGIN_PX of an occluder blob. */
  private markCut(dets: Detection[]): void {
    const { width: W, height: H } = this;
    const occluders = dets.filter((d) => this.colors.rays[d.color].occluder);
    for (const d of dets) {
      const [x0, y0, x1, y1] = d.box;
      // Touching an edge cuts a blob only when it is flattened against it: objects resting on
      // the floor (the bottom edge) touch it whole.
      let cut =
        ((x0 <= 0 || x1 >= W - 1) && d.widest < d.tallest - CLIP_TOLERANCE_PX) ||
        ((y0 <= 0 || y1 >= H - 1) && d.tallest < d.widest - CLIP_TOLERANCE_PX);
      for (const o of occluders) {
        if (o === d) continue;
        const gapX = Math.max(o.box[0] - x1, x0 - o.box[2]) - 1;
        const gapY = Math.max(o.box[1] - y1, y0 - o.box[3]) - 1;
        if (gapX <= CUT_MARGIN_PX && gapY <= CUT_MARGIN_PX) cut = true;
      }
      d.cut = cut;
    }
  }
}
