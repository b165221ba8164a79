import { describe, expect, it } from 'vitest';
import { toStateFile } from '../../datasets/interchange.js';
import { makeSample } from '../../datasets/world/sample.js';
import type { Video } from '../../base/video/video.js';
import { motionMasks } from './masks.js';
import { physiqMetrics, physiqReference, physiqScore, type PhysiqMetrics } from './metrics.js';
import { randomVideo } from './test-videos.js';
import { renderTruth, secondTake } from './takes.js';

/** OpenCV-style bilinear resize of one channel plane, written out per output pixel (float32 out). */
function resize(src: ArrayLike<number>, W: number, H: number, w: number, h: number, stride = 1, offset = 0): Float32Array {
  const out = new Float32Array(w * h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const fy = Math.min(H - 1, Math.max(0, (j + 0.5) * (H / h) - 0.5));
      const fx = Math.min(W - 1, Math.max(0, (i + 0.5) * (W / w) - 0.5));
      const y0 = Math.floor(fy), y1 = Math.min(H - 1, y0 + 1), wy = fy - y0;
      const x0 = Math.floor(fx), x1 = Math.min(W - 1, x0 + 1), wx = fx - x0;
      const at = (x: number, y: number) => src[(y * W + x) * stride + offset];
      out[j * w + i] = (1 - wy) * ((1 - wx) * at(x0, y0) + wx * at(x1, y0)) + wy * ((1 - wx) * at(x0, y1) + wx * at(x1, y1));
    }
  }
  return out;
}

/** The four metrics as defined: whole masks shrunk, frames shrunk per channel, then per-frame sums. */
function referenceMetrics(generated: Video, reference: Video): PhysiqMetrics {
  const w = Math.max(1, Math.floor(reference.width / 4)), h = Math.max(1, Math.floor(reference.height / 4));
  const prep = (v: Video) => ({
    masks: motionMasks(v).map((m) => Array.from(resize(m, v.width, v.height, w, h), (x) => (x >= 0.5 ? 1 : 0))),
    frames: Array.from({ length: v.numFrames }, (_, t) => {
      const plane = v.frames.subarray(t * v.width * v.height * 3, (t + 1) * v.width * v.height * 3);
      const f = new Float32Array(w * h * 3);
      for (let c = 0; c < 3; c++) resize(plane, v.width, v.height, w, h, 3, c).forEach((x, p) => (f[3 * p + c] = x / 255));
      return f;
    }),
  });
  const iou = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let inter = 0, union = 0;
    for (let p = 0; p < a.length; p++) {
      inter += Math.min(a[p], b[p]);
      union += Math.max(a[p], b[p]);
    }
    return union === 0 ? 1 : inter / union;
  };
  const g = prep(generated), r = prep(reference);
  const T = Math.min(generated.numFrames, reference.numFrames);
  let st = 0, mse = 0;
  const maxG = new Uint8Array(w * h), maxR = new Uint8Array(w * h), sumG = new Float32Array(w * h), sumR = new Float32Array(w * h);
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

function sample(family: 'bounce' | 'collision' | 'occlusion', index: number) {
  const { frames, meta } = makeSample({ family, split: 'id', seed: 2, index });
  return { video: { frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps }, truth: toStateFile(meta) };
}

describe('Physics-IQ metrics', () => {
  it('equal the metrics written out per definition, exactly, on random videos of several sizes', () => {
    for (const [W, H] of [[32, 32], [30, 22], [9, 5], [70, 11]]) {
      for (let r = 0; r < 3; r++) {
        const a = randomVideo(W * 1000 + H * 10 + r, W, H, 8), b = randomVideo(W * 1000 + H * 10 + r + 5, W, H, 8);
        expect(physiqMetrics(a, b), `${W}×${H} #${r}`).toEqual(referenceMetrics(a, b));
        expect(physiqMetrics(a, physiqReference(b))).toEqual(referenceMetrics(a, b));
      }
    }
  });

  it('on world clips: the truth against itself is perfect, the second take close, both as defined', () => {
    for (const [family, index] of [['bounce', 0], ['collision', 1], ['occlusion', 2]] as const) {
      const { video, truth } = sample(family, index);
      const reference = physiqReference(renderTruth(truth));
      const take = secondTake(truth);
      const variance = physiqMetrics(take, reference);
      expect(variance).toEqual(referenceMetrics(take, reference.video));
      expect(physiqMetrics(video, reference)).toEqual(referenceMetrics(video, reference.video));
      expect(physiqMetrics(reference.video, reference)).toEqual({ spatialIou: 1, spatiotemporalIou: 1, weightedSpatialIou: 1, mse: 0 });
      expect(physiqScore(variance, variance)).toBe(100);
      expect(variance.mse).toBeLessThan(1e-3);
    }
  });
});
