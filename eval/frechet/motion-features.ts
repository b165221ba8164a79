/**
 * Motion features for a Fréchet motion distance in the spirit of FVMD (Liu et al. 2024):
 * per video, histograms of the velocities and accelerations of its object tracks. FVMD
 * tracks points with a learned tracker; here the tracks are the harness's object tracks
 * (world units), which the world makes exact, so the features see exactly the motion
 * errors (wrong gravity, teleports, a missing bounce) that pixel features barely notice.
 *
 *   const f = motionFeatures(score.tracks, 10);   // one vector of MOTION_FEATURE_DIM numbers
 */
import type { Track } from '../types.js';

/**
 * Direction bins are centred on 0°, 45°, 90°, … so the world's axis-aligned motions (drops,
 * slides, horizontal throws) sit at bin centres, not on edges where parser noise would flip
 * them. Magnitude bins are centred on these values (units/s, units/s²). Both are soft (each
 * vector splits between its two nearest bins linearly), so the features move continuously
 * with the motion and a small tracking error is a small feature change.
 */
const DIRECTION_BINS = 8;
const SPEED_CENTRES = [0, 0.5, 1.5, 3, 6, 12];
const ACCELERATION_CENTRES = [0, 2, 6, 15, 40, 100];

export const MOTION_FEATURE_DIM = 2 * (DIRECTION_BINS + SPEED_CENTRES.length);

/** Velocity and acceleration vectors of one track, from frames seen consecutively. */
function derivatives(track: Track, fps: number): { v: [number, number][]; a: [number, number][] } {
  const v: [number, number][] = [];
  const a: [number, number][] = [];
  const pts = [...track.points].sort((p, q) => p.frame - q.frame);
  let previous: { frame: number; vx: number; vy: number } | null = null;
  for (let i = 1; i < pts.length; i++) {
    const [p, q] = [pts[i - 1], pts[i]];
    if (q.frame - p.frame !== 1) {
      previous = null;
      continue;
    }
    const vel = { frame: q.frame, vx: (q.x - p.x) * fps, vy: (q.y - p.y) * fps };
    v.push([vel.vx, vel.vy]);
    if (previous && previous.frame === vel.frame - 1) a.push([(vel.vx - previous.vx) * fps, (vel.vy - previous.vy) * fps]);
    previous = vel;
  }
  return { v, a };
}

/** Split `weight` between the two centres around `value` (clamped to the end bins). */
function softBin(bins: number[], centres: readonly number[], value: number, weight = 1): void {
  if (value <= centres[0]) return void (bins[0] += weight);
  const last = centres.length - 1;
  if (value >= centres[last]) return void (bins[last] += weight);
  let k = 0;
  while (value > centres[k + 1]) k++;
  const f = (value - centres[k]) / (centres[k + 1] - centres[k]);
  bins[k] += weight * (1 - f);
  bins[k + 1] += weight * f;
}

/**
 * Direction histogram weighted by log(1 + magnitude) (as HOG/FVMD weight by magnitude; the
 * log keeps one fast frame from swamping the rest), then a magnitude histogram, both divided
 * by the number of vectors so videos of any length compare.
 */
function histogram(vectors: [number, number][], centres: readonly number[]): number[] {
  const dirs = new Array(DIRECTION_BINS).fill(0);
  const mags = new Array(centres.length).fill(0);
  for (const [x, y] of vectors) {
    const m = Math.hypot(x, y);
    softBin(mags, centres, m);
    if (m === 0) continue;
    const position = ((Math.atan2(y, x) / (2 * Math.PI)) * DIRECTION_BINS + DIRECTION_BINS) % DIRECTION_BINS; // bin k centred at k
    const k = Math.floor(position);
    const f = position - k;
    dirs[k] += Math.log1p(m) * (1 - f);
    dirs[(k + 1) % DIRECTION_BINS] += Math.log1p(m) * f;
  }
  const n = Math.max(vectors.length, 1);
  return [...dirs, ...mags].map((c) => c / n);
}

/** One motion feature vector (length MOTION_FEATURE_DIM) for a video's tracks. */
export function motionFeatures(tracks: readonly Track[], fps: number): number[] {
  const v: [number, number][] = [];
  const a: [number, number][] = [];
  for (const track of tracks) {
    const d = derivatives(track, fps);
    v.push(...d.v);
    a.push(...d.a);
  }
  return [...histogram(v, SPEED_CENTRES), ...histogram(a, ACCELERATION_CENTRES)];
}
