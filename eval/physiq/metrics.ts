/**
 * Physics-IQ's four metrics between a generated video and a reference, and its score
 * normalised by physical variance (the same metrics between two takes of the real event):
 *   Score = 100·clip((ST/ST_var + S/S_var + WS/WS_var)/3 − (MSE − MSE_var), 0, 1).
 * As in their scoring code, frames and masks are shrunk to a quarter of the reference's width
 * and height (linear resize; masks re-binarised at 0.5) and RGB is divided by 255.
 */
import type { Video } from '../../src/video/video.js';
import { motionMasks } from './masks.js';

export interface PhysiqMetrics {
  spatialIou: number;
  spatiotemporalIou: number;
  weightedSpatialIou: number;
  mse: number;
}

/** OpenCV-style bilinear resize (pixel centres aligned) of one channel plane (`stride` values per pixel). */
function resize(src: ArrayLike<number>, W: number, H: number, w: number, h: number, stride = 1, offset = 0): Float32Array {
  const out = new Float32Array(w * h);
  const sx = W / w, sy = H / h;
  for (let j = 0; j < h; j++) {
    const fy = Math.min(H - 1, Math.max(0, (j + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(H - 1, y0 + 1), wy = fy - y0;
    for (let i = 0; i < w; i++) {
      const fx = Math.min(W - 1, Math.max(0, (i + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(W - 1, x0 + 1), wx = fx - x0;
      const a = src[(y0 * W + x0) * stride + offset], b = src[(y0 * W + x1) * stride + offset];
      const c = src[(y1 * W + x0) * stride + offset], d = src[(y1 * W + x1) * stride + offset];
      out[j * w + i] = (1 - wy) * ((1 - wx) * a + wx * b) + wy * ((1 - wx) * c + wx * d);
    }
  }
  return out;
}

interface Prepared {
  masks: Uint8Array[];
  /** RGB in [0, 1], [T][h·w·3] */
  frames: Float32Array[];
}

function prepare(video: Video, w: number, h: number): Prepared {
  const { width: W, height: H } = video;
  const masks = motionMasks(video).map((m) => {
    const r = resize(m, W, H, w, h);
    const b = new Uint8Array(w * h);
    for (let p = 0; p < w * h; p++) b[p] = r[p] >= 0.5 ? 1 : 0;
    return b;
  });
  const frames: Float32Array[] = [];
  for (let t = 0; t < video.numFrames; t++) {
    const plane = video.frames.subarray(t * W * H * 3, (t + 1) * W * H * 3);
    const f = new Float32Array(w * h * 3);
    for (let c = 0; c < 3; c++) {
      const r = resize(plane, W, H, w, h, 3, c);
      for (let p = 0; p < w * h; p++) f[3 * p + c] = r[p] / 255;
    }
    frames.push(f);
  }
  return { masks, frames };
}

function iou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let inter = 0, union = 0;
  for (let p = 0; p < a.length; p++) {
    inter += Math.min(a[p], b[p]);
    union += Math.max(a[p], b[p]);
  }
  return union === 0 ? 1 : inter / union;
}

/** A reference video prepared once for several comparisons (the generated video, the second take). */
export interface PhysiqReference {
  video: Video;
  prepared: Prepared;
  w: number;
  h: number;
}

export function physiqReference(reference: Video): PhysiqReference {
  const w = Math.max(1, Math.floor(reference.width / 4));
  const h = Math.max(1, Math.floor(reference.height / 4));
  return { video: reference, prepared: prepare(reference, w, h), w, h };
}

/** The four Physics-IQ metrics of `generated` against `reference` (compared over their common frames). */
export function physiqMetrics(generated: Video, reference: Video | PhysiqReference): PhysiqMetrics {
  const ref = 'prepared' in reference ? reference : physiqReference(reference);
  const { w, h } = ref;
  const T = Math.min(generated.numFrames, ref.video.numFrames);
  const g = prepare(generated, w, h);
  const r = ref.prepared;
  let st = 0, mse = 0;
  const maxG = new Uint8Array(w * h), maxR = new Uint8Array(w * h);
  const sumG = new Float32Array(w * h), sumR = new Float32Array(w * h);
  for (let t = 0; t < T; t++) {
    st += iou(g.masks[t], r.masks[t]);
    for (let p = 0; p < w * h; p++) {
      maxG[p] |= g.masks[t][p];
      maxR[p] |= r.masks[t][p];
      sumG[p] += g.masks[t][p] / T;
      sumR[p] += r.masks[t][p] / T;
    }
    let s = 0;
    for (let i = 0; i < w * h * 3; i++) s += (g.frames[t][i] - r.frames[t][i]) ** 2;
    mse += s / (w * h * 3);
  }
  return { spatialIou: iou(maxG, maxR), spatiotemporalIou: st / T, weightedSpatialIou: iou(sumG, sumR), mse: mse / T };
}

/** Physics-IQ score of `m` given the physical variance `v` (the metrics between two real takes). */
export function physiqScore(m: PhysiqMetrics, v: PhysiqMetrics): number {
  const eps = 1e-6;
  const ratio = (m.spatiotemporalIou / Math.max(v.spatiotemporalIou, eps) + m.spatialIou / Math.max(v.spatialIou, eps) + m.weightedSpatialIou / Math.max(v.weightedSpatialIou, eps)) / 3;
  return 100 * Math.min(1, Math.max(0, ratio - (m.mse - v.mse)));
}
