/**
 * Physics-IQ's four metrics between a generated video and a reference, and its score
 * normalised by physical variance (the same metrics between two takes of the real event):
 *   Score = 100·clip((ST/ST_var + S/S_var + WS/WS_var)/3 − (MSE − MSE_var), 0, 1).
 * As in their scoring code, frames and masks are shrunk to a quarter of the reference's width
 * and height (linear resize; masks re-binarised at 0.5) and RGB is divided by 255.
 */
import type { Video } from '../../base/video/video.js';
import { MotionMasker, type PhysiqConventions } from './masks.js';
import { OFFICIAL_SECONDS, officialMetrics, prepareOfficial, type OfficialPrepared } from './official.js';

export interface PhysiqMetrics {
  spatialIou: number;
  spatiotemporalIou: number;
  weightedSpatialIou: number;
  mse: number;
}

/**
 * OpenCV-style bilinear resize (pixel centres aligned) from n to m samples along one axis: for
 * each output position, the two source indices and the weight of the second.
 */
interface Taps {
  lo: Int32Array;
  hi: Int32Array;
  weight: Float64Array;
}

function resizeTaps(n: number, m: number): Taps {
  const lo = new Int32Array(m), hi = new Int32Array(m), weight = new Float64Array(m);
  const scale = n / m;
  for (let i = 0; i < m; i++) {
    const f = Math.min(n - 1, Math.max(0, (i + 0.5) * scale - 0.5));
    lo[i] = Math.floor(f);
    hi[i] = Math.min(n - 1, lo[i] + 1);
    weight[i] = f - lo[i];
  }
  return { lo, hi, weight };
}

/** Bilinear blend of the four corners a (x0, y0), b (x1, y0), c (x0, y1), d (x1, y1), as OpenCV's resize (then stored as float32). */
function bilinear(a: number, b: number, c: number, d: number, wx: number, wy: number): number {
  return Math.fround((1 - wy) * ((1 - wx) * a + wx * b) + wy * ((1 - wx) * c + wx * d));
}

interface Prepared {
  numFrames: number;
  /** Motion masks shrunk to w×h, 0/1, [T·h·w] */
  masks: Uint8Array;
  /** RGB in [0, 1], [T·h·w·3] */
  frames: Float32Array;
}

/** One masker per frame size, reused (scoring is synchronous, so one at a time is in use). */
let masker: MotionMasker | null = null;

function maskerFor(width: number, height: number): MotionMasker {
  if (!masker || masker.width !== width || masker.height !== height) masker = new MotionMasker(width, height);
  masker.reset();
  return masker;
}

/**
 * A video's masks and frames shrunk to w×h. Masks are computed at full size (MotionMasker) and
 * only the pixels the resize reads are looked at.
 */
function prepare(video: Video, w: number, h: number): Prepared {
  const { width: W, height: H, numFrames: T, frames: bytes } = video;
  const xs = resizeTaps(W, w), ys = resizeTaps(H, h);
  const mk = maskerFor(W, H);
  const n = w * h;
  const masks = new Uint8Array(T * n);
  const frames = new Float32Array(T * n * 3);
  for (let t = 0; t < T; t++) {
    const m = mk.next(bytes, t);
    const o = t * W * H * 3;
    for (let j = 0; j < h; j++) {
      const y0 = ys.lo[j], y1 = ys.hi[j], wy = ys.weight[j];
      for (let i = 0; i < w; i++) {
        const x0 = xs.lo[i], x1 = xs.hi[i], wx = xs.weight[i];
        const p = t * n + j * w + i;
        masks[p] = bilinear(mk.get(m, x0, y0), mk.get(m, x1, y0), mk.get(m, x0, y1), mk.get(m, x1, y1), wx, wy) >= 0.5 ? 1 : 0;
        const a = o + (y0 * W + x0) * 3, b = o + (y0 * W + x1) * 3, c = o + (y1 * W + x0) * 3, d = o + (y1 * W + x1) * 3;
        for (let ch = 0; ch < 3; ch++) frames[3 * p + ch] = bilinear(bytes[a + ch], bytes[b + ch], bytes[c + ch], bytes[d + ch], wx, wy) / 255;
      }
    }
  }
  return { numFrames: T, masks, frames };
}

/** Σ min ÷ Σ max over n values from offsets oa, ob (1 when both are all zero). */
function iou(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length, oa = 0, ob = 0): number {
  let inter = 0, union = 0;
  for (let p = 0; p < n; p++) {
    inter += Math.min(a[oa + p], b[ob + p]);
    union += Math.max(a[oa + p], b[ob + p]);
  }
  return union === 0 ? 1 : inter / union;
}

/**
 * A reference video prepared once for several comparisons (the generated video, the second
 * take), under one set of conventions (exact by default; `official`: official.ts).
 */
export type PhysiqReference = { video: Video; w: number; h: number } & (
  | { conventions: 'exact'; prepared: Prepared }
  | { conventions: 'official'; prepared: OfficialPrepared; maxFrames: number }
);

export function physiqReference(reference: Video, conventions: PhysiqConventions = 'exact'): PhysiqReference {
  const w = Math.max(1, Math.floor(reference.width / 4));
  const h = Math.max(1, Math.floor(reference.height / 4));
  if (conventions === 'official') {
    const maxFrames = Math.round(reference.fps) * OFFICIAL_SECONDS;
    return { video: reference, conventions, prepared: prepareOfficial(reference, w, h, maxFrames), maxFrames, w, h };
  }
  return { video: reference, conventions, prepared: prepare(reference, w, h), w, h };
}

/**
 * The four Physics-IQ metrics of `generated` against `reference` (exact: over their common
 * frames; official: the first 5 s, equal lengths). `variance`: this is the physical-variance
 * comparison (a second take), which the official code computes slightly differently.
 */
export function physiqMetrics(generated: Video, reference: Video | PhysiqReference, variance = false): PhysiqMetrics {
  const ref = 'prepared' in reference ? reference : physiqReference(reference);
  const { w, h } = ref;
  if (ref.conventions === 'official') return officialMetrics(prepareOfficial(generated, w, h, ref.maxFrames), ref.prepared, w * h, variance);
  const n = w * h;
  const T = Math.min(generated.numFrames, ref.video.numFrames);
  const g = prepare(generated, w, h);
  const r = ref.prepared;
  let st = 0, mse = 0;
  const maxG = new Uint8Array(n), maxR = new Uint8Array(n);
  const sumG = new Float32Array(n), sumR = new Float32Array(n);
  for (let t = 0; t < T; t++) {
    const o = t * n;
    st += iou(g.masks, r.masks, n, o, o);
    for (let p = 0; p < n; p++) {
      maxG[p] |= g.masks[o + p];
      maxR[p] |= r.masks[o + p];
      sumG[p] += g.masks[o + p] / T;
      sumR[p] += r.masks[o + p] / T;
    }
    let s = 0;
    for (let i = 3 * o; i < 3 * (o + n); i++) s += (g.frames[i] - r.frames[i]) ** 2;
    mse += s / (n * 3);
  }
  return { spatialIou: iou(maxG, maxR), spatiotemporalIou: st / T, weightedSpatialIou: iou(sumG, sumR), mse: mse / T };
}

/**
 * Physics-IQ score of `m` given the physical variance `v` (the metrics between two real takes).
 * Exact guards each division with a floor of 1e-6; the official code divides as is (a zero
 * variance gives a non-finite score, which scoring reports as skipped).
 */
export function physiqScore(m: PhysiqMetrics, v: PhysiqMetrics, conventions: PhysiqConventions = 'exact'): number {
  const eps = conventions === 'official' ? 0 : 1e-6;
  const div = (a: number, b: number) => (eps ? a / Math.max(b, eps) : a / b);
  const ratio = (div(m.spatiotemporalIou, v.spatiotemporalIou) + div(m.spatialIou, v.spatialIou) + div(m.weightedSpatialIou, v.weightedSpatialIou)) / 3;
  if (!Number.isFinite(ratio)) return NaN;
  return 100 * Math.min(1, Math.max(0, ratio - (m.mse - v.mse)));
}
