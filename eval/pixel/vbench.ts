/**
 * VBench's pixel-only metrics (eval/METRICS.md), needing no network:
 * - temporal flickering = (255 − mean_t MAE(F_t, F_{t+1})) / 255. VBench scores only static
 *   clips; ours move, so this mixes flicker with motion (compare like with like).
 * - motion smoothness = (255 − MAE(odd frames, the mean of their neighbours)) / 255: linear
 *   interpolation stands in for VBench's learned interpolator (an honest proxy).
 * - dynamic degree from our tracks: the share of frame pairs in which some object moves at
 *   least DYNAMIC_STEP_PX pixels (VBench thresholds optical-flow magnitude, scaled by size).
 * Frozen frames (stutter) are judged from tracked motion instead: eval/physics/stutter.ts.
 */
import type { Video } from '../../base/video/video.js';
import type { ParsedVideo } from '../parse/tracks.js';
import { DYNAMIC_STEP_PX } from '../thresholds.js';

/** Mean absolute difference (levels) between frames a and b. */
export function frameMae(video: Video, a: number, b: number): number {
  const n = video.height * video.width * 3;
  const f = video.frames;
  let s = 0;
  for (let i = 0, oa = a * n, ob = b * n; i < n; i++) s += Math.abs(f[oa + i] - f[ob + i]);
  return s / n;
}

/** MAE between each frame and the next: [T − 1]. */
export function stepDifferences(video: Video): number[] {
  const out: number[] = [];
  for (let t = 0; t + 1 < video.numFrames; t++) out.push(frameMae(video, t, t + 1));
  return out;
}

export function temporalFlickering(steps: number[]): number {
  return (255 - steps.reduce((s, d) => s + d, 0) / steps.length) / 255;
}

export function motionSmoothness(video: Video): number {
  const n = video.height * video.width * 3;
  const f = video.frames;
  let total = 0, count = 0;
  for (let t = 1; t + 1 < video.numFrames; t += 2) {
    let s = 0;
    for (let i = 0, o = t * n; i < n; i++) s += Math.abs(f[o + i] - (f[o - n + i] + f[o + n + i]) / 2);
    total += s / n;
    count++;
  }
  return (255 - total / Math.max(1, count)) / 255;
}

export function dynamicDegree(parsed: ParsedVideo): number {
  const moved = new Array<boolean>(parsed.numFrames - 1).fill(false);
  for (const tr of parsed.tracks) {
    for (let i = 1; i < tr.points.length; i++) {
      const [a, b] = [tr.points[i - 1], tr.points[i]];
      if (b.frame !== a.frame + 1) continue;
      if (Math.hypot(b.x - a.x, b.y - a.y) * parsed.scale >= DYNAMIC_STEP_PX) moved[a.frame] = true;
    }
  }
  return moved.filter(Boolean).length / moved.length;
}
