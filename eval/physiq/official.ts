/**
 * The four Physics-IQ metrics as DeepMind's code computes them per view
 * (calculate_and_write_metrics_to_csv.py `process_view`, commit e457754), for `--physiq official`:
 * - masks from MotionMasker's `official` conventions (OpenCV's fixed-point grey, float64
 *   background, half-to-even rounding), stored 0/255 and shrunk with cv2.resize's 8-bit
 *   fixed-point bilinear (opencv.ts), then > 127;
 * - frames shrunk the same way (8-bit results, so rounded), ÷ 255 in float64, cast to float32;
 *   per-frame MSE = np.mean((a − b)²) in float32 (pairwise sum over the h·w·3 values in BGR
 *   order); the video's MSE and spatiotemporal IoU are np.mean over the per-frame values;
 * - weighted spatial masks = per-pixel counts ÷ frames (float64); their IoU sums over the
 *   pixels where either is non-zero (over all pixels for the physical variance, as the code
 *   does there), each pixel three times (the masks are read back as 3-channel frames);
 * - only the first 5 s of frames (round(fps)·5) are used, and unequal frame counts are refused
 *   (its MSE raises).
 * What is not reproduced: its lossy `mp4v` storage of the masks (see eval/VALIDITY.md) and the
 * benchmark-level aggregation (per-frame values rounded to 4 decimals, means over scenarios).
 */
import type { Video } from '../../base/video/video.js';
import { MotionMasker } from './masks.js';
import { numpyMean, pairwiseSum, resizeLinearU8 } from './opencv.js';

/** The official runner scores the first 5 seconds of each clip. */
export const OFFICIAL_SECONDS = 5;
/** A shrunk 0/255 mask pixel counts as motion above this (`mask > 127`). */
const MASK_LEVEL = 127;

export interface OfficialPrepared {
  numFrames: number;
  /** Shrunk masks, 0/1, [T·h·w]. */
  masks: Uint8Array;
  /** Shrunk frames, 8-bit RGB, [T·h·w·3]. */
  frames: Uint8Array;
}

/** A video's masks and frames shrunk to w×h the official way, its first `maxFrames` frames. */
export function prepareOfficial(video: Video, w: number, h: number, maxFrames: number): OfficialPrepared {
  const { width: W, height: H, frames: bytes } = video;
  const T = Math.min(video.numFrames, maxFrames);
  const masker = new MotionMasker(W, H, 'official');
  const n = w * h;
  const full = new Uint8Array(W * H);
  const small = new Uint8Array(n);
  const masks = new Uint8Array(T * n);
  const frames = new Uint8Array(T * n * 3);
  for (let t = 0; t < T; t++) {
    const m = masker.next(bytes, t);
    for (let y = 0, p = 0; y < H; y++) for (let x = 0; x < W; x++, p++) full[p] = masker.get(m, x, y) ? 255 : 0;
    resizeLinearU8(full, W, H, 1, w, h, small);
    for (let p = 0; p < n; p++) masks[t * n + p] = small[p] > MASK_LEVEL ? 1 : 0;
    resizeLinearU8(bytes.subarray(t * W * H * 3, (t + 1) * W * H * 3), W, H, 3, w, h, frames.subarray(t * n * 3, (t + 1) * n * 3));
  }
  return { numFrames: T, masks, frames };
}

/** IoU of two 0/1 masks as counts (1 when both are empty). */
function countIou(a: Uint8Array, b: Uint8Array, n: number, oa = 0, ob = 0): number {
  let inter = 0, union = 0;
  for (let p = 0; p < n; p++) {
    inter += a[oa + p] & b[ob + p];
    union += a[oa + p] | b[ob + p];
  }
  return union === 0 ? 1 : inter / union;
}

/**
 * Σ min ÷ Σ max of two weighted spatial masks, NumPy's way: each pixel's value three times
 * (3-channel masks); `allPixels` false sums only where either is non-zero (1 when none is),
 * true sums every pixel (1 when the union is all zero).
 */
function weightedIou(a: Float64Array, b: Float64Array, allPixels: boolean): number {
  const mins: number[] = [], maxs: number[] = [];
  for (let p = 0; p < a.length; p++) {
    const hi = Math.max(a[p], b[p]), lo = Math.min(a[p], b[p]);
    if (!allPixels && !(hi > 0)) continue;
    for (let c = 0; c < 3; c++) mins.push(lo), maxs.push(hi);
  }
  const union = pairwiseSum(maxs);
  if (union === 0) return 1;
  return pairwiseSum(mins) / union;
}

export interface OfficialMetrics {
  spatialIou: number;
  spatiotemporalIou: number;
  weightedSpatialIou: number;
  mse: number;
}

/**
 * The four metrics of `g` against `r` (both prepared at the same w×h). `variance` marks the
 * physical-variance comparison (two takes), whose weighted IoU the official code sums over
 * all pixels.
 */
export function officialMetrics(g: OfficialPrepared, r: OfficialPrepared, n: number, variance = false): OfficialMetrics {
  if (g.numFrames !== r.numFrames) {
    throw new RangeError(`official Physics-IQ compares videos of equal length (its MSE refuses others): ${g.numFrames} frames against ${r.numFrames}`);
  }
  const T = g.numFrames;
  const st: number[] = [], mse: number[] = [];
  const maxG = new Uint8Array(n), maxR = new Uint8Array(n);
  const countG = new Uint16Array(n), countR = new Uint16Array(n);
  const squares = new Float32Array(n * 3);
  for (let t = 0; t < T; t++) {
    const o = t * n;
    st.push(countIou(g.masks, r.masks, n, o, o));
    for (let p = 0; p < n; p++) {
      maxG[p] |= g.masks[o + p];
      maxR[p] |= r.masks[o + p];
      countG[p] += g.masks[o + p];
      countR[p] += r.masks[o + p];
    }
    // OpenCV frames are BGR: the squares go in B, G, R order, as NumPy sums them.
    for (let p = 0; p < n; p++) {
      for (let c = 0; c < 3; c++) {
        const i = 3 * (o + p) + 2 - c;
        const d = Math.fround(Math.fround(g.frames[i] / 255) - Math.fround(r.frames[i] / 255));
        squares[3 * p + c] = Math.fround(d * d);
      }
    }
    mse.push(Math.fround(pairwiseSum(squares, true) / squares.length));
  }
  const weighted = (count: Uint16Array) => Float64Array.from(count, (c) => c / T);
  return {
    spatialIou: countIou(maxG, maxR, n),
    spatiotemporalIou: numpyMean(st),
    weightedSpatialIou: weightedIou(weighted(countG), weighted(countR), variance),
    mse: numpyMean(mse),
  };
}
