/**
 * What a detector knows about a video before it looks at any frame (eval/parse/detect.ts): the
 * background colour and its noise, measured from the pixels, and the static occluder, found as a
 * rectangle of the occluder's colour that stays put in the per-pixel median of three frames
 * spread over the clip. The per-pixel background model takes the occluder (and its blended rim)
 * where it stands, so nothing passing behind it is mistaken for a colour.
 *
 *   const { noise, occluders, model } = backgroundModel({ frames, numFrames, height, width }, colors);
 */
import {
  BACKGROUND_NOISE,
  BACKGROUND_NOISE_SIGMAS,
  MIN_OCCLUDER_PIXELS,
  OCCLUDER_FILL,
  OCCLUDER_RIM_MAX,
  OCCLUDER_RING_PX,
  RESIDUAL_ABSOLUTE,
  RESIDUAL_RELATIVE,
} from '../thresholds.js';
import type { ColorSet } from './colors.js';
import { luma } from './luma.js';

/** The static occluder: its pixel box (inclusive) and sub-pixel extent [x0, y0, x1, y1], px. */
export interface Occluder {
  box: [number, number, number, number];
  extent: [number, number, number, number];
}

/** What the detector measured about a video's noise (8-bit levels). */
export interface NoiseEstimate {
  /** Background colour (per-channel median of the median frame). */
  background: [number, number, number];
  /** RMS RGB distance of background pixels from the background colour. */
  spread: number;
  /** RGB distance above which a pixel is foreground. */
  foreground: number;
}

/** A video's frames, RGB [T·H·W·3]. */
export interface Clip {
  frames: Uint8Array;
  numFrames: number;
  height: number;
  width: number;
}

export interface BackgroundModel {
  noise: NoiseEstimate;
  occluders: Occluder[];
  /** Per-pixel background, RGB [H·W·3]: the background colour, or the occluder where it stands. */
  model: Float32Array;
}

/** Measure the background, its noise and the occluders of a clip. */
export function backgroundModel(clip: Clip, colors: ColorSet): BackgroundModel {
  const n = clip.width * clip.height;
  const median = medianFrame(clip);
  const noise = measureNoise(clip, median);
  const model = new Float32Array(n * 3);
  const [bR, bG, bB] = noise.background;
  for (let p = 0; p < n; p++) {
    model[3 * p] = bR;
    model[3 * p + 1] = bG;
    model[3 * p + 2] = bB;
  }
  const occluders = findOccluders(clip, colors, noise, median, model);
  return { noise, occluders, model };
}

/** Per-pixel median of the first, middle and last frames: moving things drop out, static ones stay. */
function medianFrame(clip: Clip): Uint8Array {
  const { numFrames: T, frames } = clip;
  const size = clip.width * clip.height * 3;
  const [a, b, c] = [0, (T - 1) >> 1, T - 1].map((t) => t * size);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const x = frames[a + i], y = frames[b + i], z = frames[c + i];
    out[i] = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
  }
  return out;
}

/** Whether pixel `p` differs by no more than the foreground threshold between the first, middle and last frames. */
function holdsStill(clip: Clip, noise: NoiseEstimate, p: number): boolean {
  const { numFrames: T, frames } = clip;
  const size = clip.width * clip.height * 3;
  const [a, b, c] = [0, (T - 1) >> 1, T - 1].map((t) => t * size + 3 * p);
  const d2 = (x: number, y: number) => (frames[x] - frames[y]) ** 2 + (frames[x + 1] - frames[y + 1]) ** 2 + (frames[x + 2] - frames[y + 2]) ** 2;
  const limit = noise.foreground ** 2;
  return d2(a, b) <= limit && d2(b, c) <= limit && d2(a, c) <= limit;
}

/**
 * Background colour (per-channel median of the median frame: most of every frame is
 * background) and its spread: the RMS distance from it of pixels within BACKGROUND_NOISE
 * levels of it in every frame (codec noise and ringing; 0 for a lossless render).
 */
function measureNoise(clip: Clip, median: Uint8Array): NoiseEstimate {
  const n = clip.width * clip.height;
  const hist = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) hist[c][median[3 * p + c]]++;
  const med = (h: Uint32Array) => {
    let acc = 0;
    for (let v = 0; v < 256; v++) if ((acc += h[v]) * 2 >= n) return v;
    return 255;
  };
  const bg: [number, number, number] = [med(hist[0]), med(hist[1]), med(hist[2])];
  const near2 = (2 * BACKGROUND_NOISE) ** 2;
  let sum = 0, count = 0;
  const { frames } = clip;
  for (let o = 0; o < frames.length; o += 3) {
    const d2 = (frames[o] - bg[0]) ** 2 + (frames[o + 1] - bg[1]) ** 2 + (frames[o + 2] - bg[2]) ** 2;
    if (d2 > near2) continue;
    sum += d2;
    count++;
  }
  const spread = count > 0 ? Math.sqrt(sum / count) : 0;
  return { background: bg, spread, foreground: Math.max(BACKGROUND_NOISE, BACKGROUND_NOISE_SIGMAS * spread) };
}

/**
 * The occluder: pixels of the median frame within the residual of an occluder colour form
 * 4-connected cores; a core of MIN_OCCLUDER_PIXELS or more that fills OCCLUDER_FILL of its box
 * is a static rectangle. Its extent adds the partial coverage (by brightness) of the rows and
 * columns just outside the core; the background model takes the median frame over its box and
 * OCCLUDER_RING_PX around, so its edges (and a codec's ringing there) blend into the
 * background instead of becoming objects.
 */
function findOccluders(clip: Clip, colors: ColorSet, noise: NoiseEstimate, median: Uint8Array, model: Float32Array): Occluder[] {
  const { width: W, height: H } = clip;
  const n = W * H;
  const [bR, bG, bB] = noise.background;
  // Scratch, per pixel: occluder-colour cores, a flood fill's stack and pixels, one core's mark.
  const [core, stack, pixels, mark] = [new Uint8Array(n), new Int32Array(n), new Int32Array(n), new Int8Array(n)];
  const out: Occluder[] = [];
  for (const ray of colors.rays) {
    if (!ray.occluder) continue;
    const [oR, oG, oB] = ray.rgb;
    const limit = RESIDUAL_ABSOLUTE + noise.spread * BACKGROUND_NOISE_SIGMAS;
    for (let p = 0; p < n; p++) {
      const d2 = (median[3 * p] - oR) ** 2 + (median[3 * p + 1] - oG) ** 2 + (median[3 * p + 2] - oB) ** 2;
      core[p] = d2 <= limit * limit ? 1 : 0;
    }
    const ySpan = luma(oR - bR, oG - bG, oB - bB);
    const coverage = (p: number) => Math.min(1, Math.max(0, luma(median[3 * p] - bR, median[3 * p + 1] - bG, median[3 * p + 2] - bB) / ySpan));
    for (let seed = 0; seed < n; seed++) {
      if (!core[seed]) continue;
      let top = 0, size = 0;
      let x0 = W, y0 = H, x1 = -1, y1 = -1;
      stack[top++] = seed;
      core[seed] = 0;
      while (top > 0) {
        const p = stack[--top];
        const i = p % W, j = (p - i) / W;
        pixels[size++] = p;
        x0 = Math.min(x0, i); x1 = Math.max(x1, i); y0 = Math.min(y0, j); y1 = Math.max(y1, j);
        for (const q of [i > 0 ? p - 1 : -1, i < W - 1 ? p + 1 : -1, j > 0 ? p - W : -1, j < H - 1 ? p + W : -1]) {
          if (q >= 0 && core[q]) {
            core[q] = 0;
            stack[top++] = q;
          }
        }
      }
      // Trim edge rows / columns under half full: an object passing behind blurs the bar's
      // edge in the median frame (4:2:0 chroma, ringing), leaving that column ragged.
      mark.fill(0);
      for (let k = 0; k < size; k++) mark[pixels[k]] = 1;
      const inCore = (i: number, j: number) => mark[j * W + i] === 1;
      const lineFill = (fixed: number, horizontal: boolean) => {
        let m = 0;
        const [from, to] = horizontal ? [x0, x1] : [y0, y1];
        for (let k = from; k <= to; k++) if (horizontal ? inCore(k, fixed) : inCore(fixed, k)) m++;
        return m / (to - from + 1);
      };
      while (x1 > x0 && lineFill(x0, false) < 0.5) x0++;
      while (x1 > x0 && lineFill(x1, false) < 0.5) x1--;
      while (y1 > y0 && lineFill(y0, true) < 0.5) y0++;
      while (y1 > y0 && lineFill(y1, true) < 0.5) y1--;
      let count = 0;
      for (let k = 0; k < size; k++) {
        const i = pixels[k] % W, j = (pixels[k] - i) / W;
        if (i >= x0 && i <= x1 && j >= y0 && j <= y1) count++;
      }
      if (count < MIN_OCCLUDER_PIXELS || count < OCCLUDER_FILL * (x1 - x0 + 1) * (y1 - y0 + 1)) continue;
      // The bar's rim blends into the background only; grey pixels beside brighter ones of the
      // same hue (farther along the grey's ray) in the median frame and in every frame are the
      // anti-aliased edge of a white object at rest, not a bar. (A slow white ball passing
      // behind a bar sits beside it in the three median frames, but not while it is hidden.)
      const gray = [oR - bR, oG - bG, oB - bB];
      const gray2 = gray[0] ** 2 + gray[1] ** 2 + gray[2] ** 2;
      const brighterRim = (frame: Uint8Array, at: number) => {
        for (let j = Math.max(0, y0 - 1); j <= Math.min(H - 1, y1 + 1); j++) {
          for (let i = Math.max(0, x0 - 1); i <= Math.min(W - 1, x1 + 1); i++) {
            const p = at + 3 * (j * W + i);
            const d = [frame[p] - bR, frame[p + 1] - bG, frame[p + 2] - bB];
            const a = (d[0] * gray[0] + d[1] * gray[1] + d[2] * gray[2]) / gray2;
            const off = Math.hypot(d[0] - a * gray[0], d[1] - a * gray[1], d[2] - a * gray[2]);
            if (a > OCCLUDER_RIM_MAX && off <= limit + RESIDUAL_RELATIVE * Math.hypot(d[0], d[1], d[2])) return true;
          }
        }
        return false;
      };
      let atRest = brighterRim(median, 0);
      for (let t = 0; t < clip.numFrames && atRest; t++) atRest = brighterRim(clip.frames, 3 * n * t);
      if (atRest) continue;
      const sideCoverage = (fixed: number, horizontal: boolean) => {
        if (fixed < 0 || fixed >= (horizontal ? H : W)) return 0;
        let s = 0, m = 0;
        for (let k = horizontal ? x0 : y0; k <= (horizontal ? x1 : y1); k++, m++) s += coverage(horizontal ? fixed * W + k : k * W + fixed);
        return s / m;
      };
      const extent: Occluder['extent'] = [
        x0 - sideCoverage(x0 - 1, false),
        y0 - sideCoverage(y0 - 1, true),
        x1 + 1 + sideCoverage(x1 + 1, false),
        y1 + 1 + sideCoverage(y1 + 1, true),
      ];
      // The box and its blended edge (1 px) always; farther out only pixels that hold still in
      // the three sampled frames (a codec's ringing does; an object passing by does not).
      const ring = OCCLUDER_RING_PX;
      for (let j = Math.max(0, y0 - ring); j <= Math.min(H - 1, y1 + ring); j++) {
        for (let i = Math.max(0, x0 - ring); i <= Math.min(W - 1, x1 + ring); i++) {
          const p = j * W + i;
          const edge = i >= x0 - 1 && i <= x1 + 1 && j >= y0 - 1 && j <= y1 + 1;
          if (edge || holdsStill(clip, noise, p)) for (let c = 0; c < 3; c++) model[3 * p + c] = median[3 * p + c];
        }
      }
      out.push({ box: [Math.max(0, x0 - 1), Math.max(0, y0 - 1), Math.min(W - 1, x1 + 1), Math.min(H - 1, y1 + 1)], extent });
    }
  }
  return out;
}
