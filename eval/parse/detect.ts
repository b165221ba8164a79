/**
 * Per-frame detection from pixels alone, robust to lossy codecs (4:2:0 chroma, VP9, ringing).
 *
 * Once per video (`VideoDetector`, from background.ts): the background colour and its noise are
 * measured from the pixels, and the static occluder is found as a rectangle of the occluder's
 * colour that stays put (in the per-pixel median of three frames spread over the clip); its
 * pixels then count as background, so nothing passing behind it is mistaken for a colour.
 *
 * Per frame: a pixel is foreground when it differs from the background by more than the noise
 * allows; 8-connected foreground pixels form components. A component with confidently coloured
 * pixels of several colours (two objects touching) is split by growing from those pixels. Each
 * blob's colour is the ray that best explains its *summed* difference from the background (its
 * mean chroma: 4:2:0 shares chroma per 2×2 pixels, so single edge pixels are unreliable, sums
 * are not), and each pixel's coverage α comes from its brightness, (luma − background luma) ÷
 * (colour luma − background luma), exact for anti-aliased renders (a linear blend in RGB is
 * linear in luma) and at full resolution in 4:2:0. From α: area Σα, centroid, radius √(A/π),
 * circularity 4πA/P² (P = total variation of α), box fill (discs vs squares), box, peak.
 *
 * Allocation-light: one set of typed buffers per detector, reused for every frame.
 */
import {
  BACKGROUND_NOISE_SIGMAS,
  BLEND_BLOB_AREA,
  CORE_DISTANCE_SHARE,
  CUT_MARGIN_PX,
  EDGE_COVERAGE,
  FAINT_REACH_PX,
  INTERIOR_COVERAGE,
  LUMA_COVERAGE_MIN,
  MIN_COMPONENT_AREA,
  MIN_PEAK_COVERAGE,
  RESIDUAL_ABSOLUTE,
  RESIDUAL_RELATIVE,
  SEED_COVERAGE,
  SPLIT_MIN_AREA,
} from '../thresholds.js';
import type { ColorSet } from './colors.js';
import { backgroundModel, type NoiseEstimate, type Occluder } from './background.js';
import { luma } from './luma.js';

export type { NoiseEstimate, Occluder } from './background.js';

/** One connected blob of one colour in one frame, in pixel units (y down). */
export interface Detection {
  frame: number;
  /** Blob id within the frame (index into the detector's blob map while it holds this frame). */
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
  /** Pixel box [x0, y0, x1, y1] (inclusive) of its pixels of real coverage (as for `edges`). */
  box: [number, number, number, number];
  /** Largest coverage of any of its pixels. */
  peak: number;
  /** Mean RGB of interior pixels (or of all pixels when none is interior). */
  meanRgb: [number, number, number];
  /** Within CUT_MARGIN_PX of an occluder: that occluder's sub-pixel extent [x0, y0, x1, y1] in px, else null. */
  nearOccluder: [number, number, number, number] | null;
  /** Which frame edges the blob touches (left, top, right, bottom). */
  edges: [boolean, boolean, boolean, boolean];
  /** Largest row and column coverage sums, px (width and height of the blob). */
  widest: number;
  tallest: number;
  /**
   * Split from a component shared with another colour (objects touching): the pixels on the
   * seam blend both colours, so its outline, and the shape read from it, are unreliable.
   */
  touching: boolean;
}

export class VideoDetector {
  readonly width: number;
  readonly height: number;
  readonly occluders: Occluder[];
  readonly noise: NoiseEstimate;
  /** Per-pixel background model, RGB [H·W·3] (the background colour, or the occluder where it stands). */
  private readonly model: Float32Array;
  private readonly label: Int8Array;
  private readonly alpha: Float32Array;
  private readonly comp: Int32Array;
  private readonly fg: Uint8Array;
  private readonly stack: Int32Array;
  private readonly pixels: Int32Array;
  private readonly rowSum: Float64Array;
  private readonly colSum: Float64Array;
  /** Object rays (occluder rays left out): u (colour − background), |u|², luma of u; flat, 5 per ray. */
  private readonly rayData: Float64Array;
  /** Colour-set index of each object ray. */
  private readonly rayIndex: number[];
  /** Squared RGB distance from the background model at or above which a pixel is core (see splitByCores). */
  private readonly core2: number;
  /** Scratch per pixel: which core a component's pixel belongs to (−1: none yet), and how many steps from it. */
  private readonly owner: Int32Array;
  private readonly depth: Int32Array;

  constructor(
    private readonly frames: Uint8Array,
    readonly numFrames: number,
    height: number,
    width: number,
    readonly colors: ColorSet,
  ) {
    this.width = width;
    this.height = height;
    const n = width * height;
    this.label = new Int8Array(n);
    this.alpha = new Float32Array(n);
    this.comp = new Int32Array(n);
    this.fg = new Uint8Array(n);
    this.stack = new Int32Array(n);
    this.pixels = new Int32Array(n);
    this.rowSum = new Float64Array(height);
    this.colSum = new Float64Array(width);
    ({ noise: this.noise, occluders: this.occluders, model: this.model } = backgroundModel({ frames, numFrames, height, width }, colors));
    const [bR, bG, bB] = this.noise.background;
    this.rayIndex = [];
    const data: number[] = [];
    colors.rays.forEach((r, k) => {
      if (r.occluder) return;
      const u = [r.rgb[0] - bR, r.rgb[1] - bG, r.rgb[2] - bB];
      data.push(u[0], u[1], u[2], u[0] * u[0] + u[1] * u[1] + u[2] * u[2], luma(u[0], u[1], u[2]));
      this.rayIndex.push(k);
    });
    this.rayData = Float64Array.from(data);
    let nearest = Infinity;
    for (let k = 0; k < this.rayIndex.length; k++) nearest = Math.min(nearest, Math.sqrt(this.rayData[5 * k + 3]));
    this.core2 = (CORE_DISTANCE_SHARE * nearest) ** 2;
    this.owner = new Int32Array(n);
    this.depth = new Int32Array(n);
  }
  /** Object detections in frame `t`. */
  detect(t: number): Detection[] {
    const { width: W, height: H, comp, fg, label, stack, pixels, model, rayData } = this;
    const n = W * H;
    const base = t * n * 3;
    const frames = this.frames;
    const rays = rayData.length / 5;
    const fg2 = this.noise.foreground ** 2;
    const core2 = this.core2;
    const slack = RESIDUAL_ABSOLUTE + BACKGROUND_NOISE_SIGMAS * this.noise.spread;
    const residualRelative = RESIDUAL_RELATIVE, seedCoverage = SEED_COVERAGE;
    // Foreground and confident seed colours.
    for (let p = 0; p < n; p++) {
      const o = base + 3 * p;
      const dr = frames[o] - model[3 * p], dg = frames[o + 1] - model[3 * p + 1], db = frames[o + 2] - model[3 * p + 2];
      const d2 = dr * dr + dg * dg + db * db;
      label[p] = -1;
      if (d2 <= fg2) {
        fg[p] = 0;
        continue;
      }
      fg[p] = d2 >= core2 ? 2 : 1; // 2: a core pixel (splitByCores)
      let best = -1, bestRes = Infinity;
      for (let k = 0; k < rays; k++) {
        const u0 = rayData[5 * k], u1 = rayData[5 * k + 1], u2 = rayData[5 * k + 2];
        const dot = dr * u0 + dg * u1 + db * u2;
        if (dot <= 0) continue;
        const a = dot / rayData[5 * k + 3];
        if (a < seedCoverage) continue;
        const res = a <= 1 ? d2 - dot * a : (dr - u0) ** 2 + (dg - u1) ** 2 + (db - u2) ** 2;
        if (res < bestRes) {
          bestRes = res;
          best = k;
        }
      }
      const limit = slack + residualRelative * Math.sqrt(d2);
      if (best >= 0 && bestRes <= limit * limit) label[p] = best;
    }
    comp.fill(-1);
    const out: Detection[] = [];
    let id = 0;
    for (let seed = 0; seed < n; seed++) {
      if (!fg[seed] || comp[seed] !== -1) continue;
      // Flood the 8-connected foreground component, listing its pixels.
      let top = 0, count = 0;
      stack[top++] = seed;
      comp[seed] = -2;
      while (top > 0) {
        const p = stack[--top];
        pixels[count++] = p;
        const i = p % W, j = (p - i) / W;
        for (let dj = -1; dj <= 1; dj++) {
          const jj = j + dj;
          if (jj < 0 || jj >= H) continue;
          for (let di = -1; di <= 1; di++) {
            const ii = i + di;
            if (ii < 0 || ii >= W) continue;
            const q = jj * W + ii;
            if (fg[q] && comp[q] === -1) {
              comp[q] = -2;
              stack[top++] = q;
            }
          }
        }
      }
      for (const piece of this.splitByCores(count)) {
        pixels.set(piece);
        const groups = this.splitByColor(piece.length, t);
        for (const { group, byProjection } of groups) {
          const det = this.measure(group, id, t, byProjection, groups.length > 1);
          if (det) out.push(det);
          id++;
        }
      }
    }
    return this.annotate(out);
  }

  /**
   * The component in `pixels[0..count)` as one pixel list per core: its cores are the
   * 8-connected sets of pixels at least CORE_DISTANCE_SHARE of the nearest object colour away
   * from the background, and every other pixel within FAINT_REACH_PX steps joins the core it is
   * fewest steps from (farther faint pixels are dropped). Objects apart but bridged by faint
   * pixels (a codec's ringing, 4:2:0 chroma bleeding a level or two past an edge) come apart;
   * one object, or two touching (their seam is strong), stays whole. A component with no core
   * (a faint sliver) is kept as it is.
   */
  private splitByCores(count: number): Int32Array[] {
    const { width: W, height: H, pixels, owner, stack, comp, fg } = this;
    for (let k = 0; k < count; k++) owner[pixels[k]] = -1;
    const strong = (p: number) => fg[p] === 2;
    // Label cores, collecting their pixels (in `stack`) as the seeds of the growth below.
    let cores = 0, seeds = 0;
    for (let k = 0; k < count; k++) {
      const seed = pixels[k];
      if (owner[seed] !== -1 || !strong(seed)) continue;
      const from = seeds;
      owner[seed] = cores;
      stack[seeds++] = seed;
      for (let r = from; r < seeds; r++) {
        const p = stack[r];
        const i = p % W, j = (p - i) / W;
        for (let jj = Math.max(0, j - 1); jj <= Math.min(H - 1, j + 1); jj++) {
          for (let ii = Math.max(0, i - 1); ii <= Math.min(W - 1, i + 1); ii++) {
            const q = jj * W + ii;
            if (comp[q] === -2 && owner[q] === -1 && strong(q)) {
              owner[q] = cores;
              stack[seeds++] = q;
            }
          }
        }
      }
      cores++;
    }
    if (cores === 0) return [pixels.slice(0, count)];
    // Breadth-first from all cores at once, FAINT_REACH_PX steps out: each faint pixel joins
    // the nearest core; fainter ones farther out are a codec's ringing, not part of any object.
    const { depth } = this;
    for (let r = 0; r < seeds; r++) depth[stack[r]] = 0;
    let end = seeds;
    for (let r = 0; r < end; r++) {
      const p = stack[r];
      if (depth[p] >= FAINT_REACH_PX) continue;
      const i = p % W, j = (p - i) / W;
      for (let jj = Math.max(0, j - 1); jj <= Math.min(H - 1, j + 1); jj++) {
        for (let ii = Math.max(0, i - 1); ii <= Math.min(W - 1, i + 1); ii++) {
          const q = jj * W + ii;
          if (comp[q] === -2 && owner[q] === -1) {
            owner[q] = owner[p];
            depth[q] = depth[p] + 1;
            stack[end++] = q;
          }
        }
      }
    }
    if (cores === 1) return [stack.slice(0, end)];
    const members: number[][] = Array.from({ length: cores }, () => []);
    for (let k = 0; k < count; k++) if (owner[pixels[k]] >= 0) members[owner[pixels[k]]].push(pixels[k]);
    return members.map((m) => Int32Array.from(m));
  }

  /**
   * The component in `pixels[0..count)` as one pixel list per colour. When confident pixels of
   * several colours are present (objects touching), every pixel joins the colour, among those,
   * whose ray explains it best (a pixel on the seam blends the two colours, not the background,
   * so its coverage is then taken by projection: `byProjection`). Colours with fewer than
   * SPLIT_MIN_AREA seed pixels join the rest.
   */
  private splitByColor(count: number, t: number): { group: Int32Array; byProjection: boolean }[] {
    const { pixels, label } = this;
    const seedCount = new Map<number, number>();
    for (let k = 0; k < count; k++) {
      const c = label[pixels[k]];
      if (c >= 0) seedCount.set(c, (seedCount.get(c) ?? 0) + 1);
    }
    const colours = [...seedCount].filter(([, m]) => m >= SPLIT_MIN_AREA).map(([c]) => c);
    if (colours.length <= 1) return [{ group: pixels.slice(0, count), byProjection: false }];
    const { rayData, model, frames } = this;
    const base = t * this.width * this.height * 3;
    const members: number[][] = colours.map(() => []);
    for (let k = 0; k < count; k++) {
      const p = pixels[k];
      const o = base + 3 * p;
      const dr = frames[o] - model[3 * p], dg = frames[o + 1] - model[3 * p + 1], db = frames[o + 2] - model[3 * p + 2];
      let best = 0, bestRes = Infinity;
      colours.forEach((c, m) => {
        const u0 = rayData[5 * c], u1 = rayData[5 * c + 1], u2 = rayData[5 * c + 2];
        const a = Math.min(1, Math.max(0, (dr * u0 + dg * u1 + db * u2) / rayData[5 * c + 3]));
        const res = (dr - a * u0) ** 2 + (dg - a * u1) ** 2 + (db - a * u2) ** 2;
        if (res < bestRes) {
          bestRes = res;
          best = m;
        }
      });
      members[best].push(p);
    }
    return members.filter((m) => m.length > 0).map((m) => ({ group: Int32Array.from(m), byProjection: true }));
  }

  /** Colour, coverage and shape of one blob; null when it is noise. */
  private measure(group: Int32Array, id: number, t: number, byProjection: boolean, touching: boolean): Detection | null {
    const { width: W, height: H, alpha, comp, rowSum, colSum, model, frames, rayData } = this;
    const base = t * W * H * 3;
    // Colour: the ray closest in direction to the summed difference (mean chroma).
    let sR = 0, sG = 0, sB = 0;
    for (const p of group) {
      const o = base + 3 * p;
      sR += frames[o] - model[3 * p];
      sG += frames[o + 1] - model[3 * p + 1];
      sB += frames[o + 2] - model[3 * p + 2];
    }
    let ray = -1, bestRes = Infinity;
    const s2 = sR * sR + sG * sG + sB * sB;
    for (let k = 0; k < rayData.length / 5; k++) {
      const dot = sR * rayData[5 * k] + sG * rayData[5 * k + 1] + sB * rayData[5 * k + 2];
      if (dot <= 0) continue;
      const res = s2 - (dot * dot) / rayData[5 * k + 3];
      if (res < bestRes) {
        bestRes = res;
        ray = k;
      }
    }
    if (ray < 0) return null;
    const u0 = rayData[5 * ray], u1 = rayData[5 * ray + 1], u2 = rayData[5 * ray + 2], uu = rayData[5 * ray + 3], uY = rayData[5 * ray + 4];
    // Coverage from brightness (full resolution in 4:2:0); by projection for a colour too close to the background's luma.
    const byLuma = !byProjection && Math.abs(uY) >= LUMA_COVERAGE_MIN;
    let area = 0, sx = 0, sy = 0, peak = 0;
    let x0 = W, y0 = H, x1 = -1, y1 = -1;
    // Frame edges touched by pixels of real coverage: above EDGE_COVERAGE and above what the
    // video's noise reaches in this colour's coverage (codec ringing at the edge does not cut a blob).
    let eL = false, eT = false, eR = false, eB = false;
    const edgeCoverage = Math.max(EDGE_COVERAGE, (BACKGROUND_NOISE_SIGMAS * this.noise.spread) / (byLuma ? Math.abs(uY) : Math.sqrt(uu)));
    let iR = 0, iG = 0, iB = 0, iN = 0, aR = 0, aG = 0, aB = 0;
    // Box of the pixels of real coverage (the same test): faint ringing around a small ball can
    // stretch the connected pixels 10 px wide, into the occluder's margin.
    let q0 = W, q1 = H, q2 = -1, q3 = -1;
    for (const p of group) {
      const o = base + 3 * p;
      const dr = frames[o] - model[3 * p], dg = frames[o + 1] - model[3 * p + 1], db = frames[o + 2] - model[3 * p + 2];
      const raw = byLuma ? luma(dr, dg, db) / uY : (dr * u0 + dg * u1 + db * u2) / uu;
      const a = raw < 0 ? 0 : raw > 1 ? 1 : raw;
      alpha[p] = a;
      comp[p] = id;
      const i = p % W, j = (p - i) / W;
      area += a;
      if (a > peak) peak = a;
      sx += a * (i + 0.5);
      sy += a * (j + 0.5);
      if (i < x0) x0 = i;
      if (i > x1) x1 = i;
      if (j < y0) y0 = j;
      if (j > y1) y1 = j;
      if (a >= edgeCoverage) {
        if (i < q0) q0 = i;
        if (i > q2) q2 = i;
        if (j < q1) q1 = j;
        if (j > q3) q3 = j;
        if (i === 0) eL = true;
        if (j === 0) eT = true;
        if (i === W - 1) eR = true;
        if (j === H - 1) eB = true;
      }
      aR += frames[o]; aG += frames[o + 1]; aB += frames[o + 2];
      if (a >= INTERIOR_COVERAGE) {
        iR += frames[o]; iG += frames[o + 1]; iB += frames[o + 2];
        iN++;
      }
    }
    if (area < MIN_COMPONENT_AREA || peak < MIN_PEAK_COVERAGE) return null;
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
    const nPix = group.length;
    return {
      frame: t,
      component: id,
      color: this.rayIndex[ray],
      area,
      cx: sx / area,
      cy: sy / area,
      radius: Math.sqrt(area / Math.PI),
      circularity: perimeter > 0 ? (4 * Math.PI * area) / (perimeter * perimeter) : 0,
      fill: widest > 0 && tallest > 0 ? area / (widest * tallest) : 0,
      box: q2 >= 0 ? [q0, q1, q2, q3] : [x0, y0, x1, y1],
      meanRgb: iN > 0 ? [iR / iN, iG / iN, iB / iN] : [aR / nPix, aG / nPix, aB / nPix],
      peak,
      nearOccluder: null,
      edges: [eL, eT, eR, eB],
      widest,
      tallest,
      touching,
    };
  }

  /** Coverage of blob `id` at pixel (i, j); 0 outside it or the image. */
  private coverageOf(i: number, j: number, id: number): number {
    const { width: W, height: H } = this;
    if (i < 0 || j < 0 || i >= W || j >= H) return 0;
    const p = j * W + i;
    return this.comp[p] === id ? this.alpha[p] : 0;
  }

  /**
   * Note which detections lie next to an occluder, and drop blend artefacts: small blobs with
   * no interior pixel hugging a bigger blob of another colour are mixed edge pixels, not objects.
   */
  private annotate(dets: Detection[]): Detection[] {
    const gap = (a: [number, number, number, number], b: [number, number, number, number]) => {
      const gx = Math.max(b[0] - a[2], a[0] - b[2]) - 1;
      const gy = Math.max(b[1] - a[3], a[1] - b[3]) - 1;
      return Math.max(gx, gy);
    };
    const artefact = (d: Detection) => d.area < BLEND_BLOB_AREA || d.peak < INTERIOR_COVERAGE;
    const kept = dets.filter((d) => !(artefact(d) && dets.some((o) => o !== d && o.color !== d.color && o.area > d.area && gap(d.box, o.box) <= CUT_MARGIN_PX)));
    for (const d of kept) {
      const near = this.occluders.find((o) => gap(d.box, o.box) <= CUT_MARGIN_PX);
      d.nearOccluder = near ? near.extent : null;
    }
    return kept;
  }
}
