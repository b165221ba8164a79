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
  BLEND_BLOB_AREA,
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
  /** Component id within the frame (index into the detector's component map while it holds this frame). */
  component: number;
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
  /** Largest coverage of any of its pixels. */
  peak: number;
  /** Mean RGB of interior pixels (or of all pixels when none is interior). */
  meanRgb: [number, number, number];
  /** Within CUT_MARGIN_PX of an occluder blob: that occluder's sub-pixel extent [x0, y0, x1, y1] in px (centroid ± half its widest row / tallest column), else null. */
  nearOccluder: [number, number, number, number] | null;
  /** For an occluder blob: its sub-pixel extent [x0, y0, x1, y1] in px. */
  extent?: [number, number, number, number];
  /** Which frame edges the blob touches (left, top, right, bottom). */
  edges: [boolean, boolean, boolean, boolean];
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
  /** Per colour ray: u (colour − background) and |u|², flat. */
  private readonly rayData: Float64Array;

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
    this.rayData = Float64Array.from(colors.rays.flatMap((r) => [...r.u, r.norm2]));
  }

  /** Detections in frame `t` of `frames` ([T][H][W][3] bytes); the occluder's come with the rest. */
  detect(frames: Uint8Array, t: number): Detection[] {
    const { width: W, height: H } = this;
    const n = W * H;
    const base = t * n * 3;
    this.classify(frames, base);
    const { comp, label, alpha } = this;
    comp.fill(-1);
    const out: Detection[] = [];
    const connect = CONNECT_COVERAGE;
    let id = 0;
    for (let p = 0; p < n; p++) {
      if (comp[p] !== -1 || label[p] < 0 || alpha[p] < connect) continue;
      const det = this.grow(frames, base, p, id, t);
      if (det) out.push(det);
      id++;
    }
    return this.annotate(out);
  }

  /** Label every pixel with its best colour ray (−1: background or unexplained) and coverage. */
  private classify(frames: Uint8Array, base: number): void {
    const { rayData, label, alpha } = this;
    const rays = rayData.length / 4;
    const [bR, bG, bB] = this.colors.background;
    const n = this.width * this.height;
    const bg2 = BACKGROUND_NOISE * BACKGROUND_NOISE;
    // Imported bindings are read once, not per pixel.
    const residualAbsolute = RESIDUAL_ABSOLUTE, residualRelative = RESIDUAL_RELATIVE;
    for (let p = 0; p < n; p++) {
      const o = base + 3 * p;
      const dr = frames[o] - bR;
      const dg = frames[o + 1] - bG;
      const db = frames[o + 2] - bB;
      const d2 = dr * dr + dg * dg + db * db;
      if (d2 <= bg2) {
        label[p] = -1;
        continue;
      }
      let best = -1;
      let bestRes = Infinity;
      let bestAlpha = 0;
      for (let k = 0; k < rays; k++) {
        const u0 = rayData[4 * k], u1 = rayData[4 * k + 1], u2 = rayData[4 * k + 2];
        const dot = dr * u0 + dg * u1 + db * u2;
        if (dot <= 0) continue;
        const a = dot / rayData[4 * k + 3];
        // Distance to the segment bg→colour (past the colour end, distance to the colour).
        const res = a <= 1 ? d2 - dot * a : (dr - u0) ** 2 + (dg - u1) ** 2 + (db - u2) ** 2;
        if (res < bestRes) {
          bestRes = res;
          best = k;
          bestAlpha = a;
        }
      }
      const limit = residualAbsolute + residualRelative * Math.sqrt(d2);
      if (best >= 0 && bestRes <= limit * limit) {
        label[p] = best;
        alpha[p] = bestAlpha > 1 ? 1 : bestAlpha;
      } else {
        label[p] = -1;
      }
    }
  }

  /** Flood-fill one component from `seed` and measure it; null when it is noise. */
  private grow(frames: Uint8Array, base: number, seed: number, id: number, t: number): Detection | null {
    const { width: W, height: H, label, alpha, comp, stack, rowSum, colSum } = this;
    const color = label[seed];
    const connect = CONNECT_COVERAGE, interior = INTERIOR_COVERAGE;
    let top = 0;
    stack[top++] = seed;
    comp[seed] = id;
    let area = 0, sx = 0, sy = 0;
    let x0 = W, y0 = H, x1 = -1, y1 = -1;
    let iR = 0, iG = 0, iB = 0, iN = 0;
    let aR = 0, aG = 0, aB = 0, nPix = 0, peak = 0;
    while (top > 0) {
      const p = stack[--top];
      const i = p % W;
      const j = (p - i) / W;
      const a = alpha[p];
      area += a;
      if (a > peak) peak = a;
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
      if (a >= interior) {
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
          if (comp[q] === -1 && label[q] === color && alpha[q] >= connect) {
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
    for (let j = y0 - 1; j <= y1; j++) {
      for (let i = x0 - 1; i <= x1; i++) {
        const a = this.coverageOf(i, j, id);
        if (a > 0) {
          rowSum[j] += a;
          colSum[i] += a;
        }
        const gx = this.coverageOf(i + 1, j, id) - a;
        const gy = this.coverageOf(i, j + 1, id) - a;
        perimeter += Math.sqrt(gx * gx + gy * gy);
      }
    }
    let widest = 0, tallest = 0;
    for (let j = y0; j <= y1; j++) if (rowSum[j] > widest) widest = rowSum[j];
    for (let i = x0; i <= x1; i++) if (colSum[i] > tallest) tallest = colSum[i];
    const meanRgb: [number, number, number] = iN > 0 ? [iR / iN, iG / iN, iB / iN] : [aR / nPix, aG / nPix, aB / nPix];
    return {
      frame: t,
      component: id,
      color,
      area,
      cx: sx / area,
      cy: sy / area,
      radius: Math.sqrt(area / Math.PI),
      circularity: perimeter > 0 ? (4 * Math.PI * area) / (perimeter * perimeter) : 0,
      fill: widest > 0 && tallest > 0 ? area / (widest * tallest) : 0,
      box: [x0, y0, x1, y1],
      meanRgb,
      peak,
      nearOccluder: null,
      edges: [x0 <= 0, y0 <= 0, x1 >= W - 1, y1 >= H - 1],
      widest,
      tallest,
    };
  }

  /**
   * Sub-pixel extent [x0, y0, x1, y1] (px) of a rectangular blob (the occluder): per row, the
   * left edge is the first pixel's left side plus its missing coverage (and likewise on the
   * right), taken over rows so that rows where an object behind it blurs the edge do not count.
   */
  private rectangleExtent(d: Detection): [number, number, number, number] {
    const { width: W } = this;
    const lefts: number[] = [];
    const rights: number[] = [];
    const [x0, y0, x1, y1] = d.box;
    for (let j = y0; j <= y1; j++) {
      let first = -1, last = -1;
      for (let i = x0; i <= x1; i++) {
        if (this.comp[j * W + i] !== d.component) continue;
        if (first < 0) first = i;
        last = i;
      }
      if (first < 0) continue;
      lefts.push(first + 1 - this.alpha[j * W + first]);
      rights.push(last + this.alpha[j * W + last]);
    }
    // Rows with an object behind the edge read short, never long: take the outer decile.
    const quantile = (xs: number[], q: number) => xs.sort((a, b) => a - b)[Math.round(q * (xs.length - 1))];
    const top = d.cy - d.tallest / 2;
    return [quantile(lefts, 0.1), top, quantile(rights, 0.9), top + d.tallest];
  }

  /** Coverage of component `id` at pixel (i, j); 0 outside it or the image. */
  private coverageOf(i: number, j: number, id: number): number {
    const { width: W, height: H } = this;
    if (i < 0 || j < 0 || i >= W || j >= H) return 0;
    const p = j * W + i;
    return this.comp[p] === id ? this.alpha[p] : 0;
  }

  /**
   * Note which detections lie next to an occluder, and drop blend artefacts: small blobs
   * hugging a bigger blob of another colour are the mixed pixels along its edge (a ball's rim
   * over the grey bar reads as a sliver of a third colour), not objects.
   */
  private annotate(dets: Detection[]): Detection[] {
    const gap = (a: Detection, b: Detection) => {
      const gx = Math.max(b.box[0] - a.box[2], a.box[0] - b.box[2]) - 1;
      const gy = Math.max(b.box[1] - a.box[3], a.box[1] - b.box[3]) - 1;
      return Math.max(gx, gy);
    };
    // A blob with no interior pixel is all edge: next to another colour, it is their blend
    // (grey ≈ white at 42% coverage, so a ball's rim on the grey bar reads as a white sliver).
    const artefact = (d: Detection) => d.area < BLEND_BLOB_AREA || d.peak < INTERIOR_COVERAGE;
    const kept = dets.filter((d) => !(artefact(d) && dets.some((o) => o !== d && o.color !== d.color && o.area > d.area && gap(d, o) <= CUT_MARGIN_PX)));
    const occluders = kept.filter((d) => this.colors.rays[d.color].occluder);
    for (const o of occluders) o.extent = this.rectangleExtent(o);
    for (const d of kept) {
      if (this.colors.rays[d.color].occluder) continue;
      const near = occluders.find((o) => gap(d, o) <= CUT_MARGIN_PX);
      d.nearOccluder = near ? near.extent! : null;
    }
    return kept;
  }
}
