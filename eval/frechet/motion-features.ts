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

/** Direction bins (of 360°/8) and magnitude bins (edges in world units per second or per second²). */
const DIRECTION_BINS = 8;
const SPEED_EDGES = [0.25, 1, 2.5, 5, 10];
const ACCELERATION_EDGES = [1, 4, 12, 30, 80];

export const MOTION_FEATURE_DIM = 2 * (DIRECTION_BINS + SPEED_EDGES.length + 1);

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

/**
 * Direction histogram weighted by magnitude (as HOG/FVMD), then a magnitude histogram,
 * both normalised by the number of vectors, so videos of any length compare.
 */
function histogram(vectors: [number, number][], edges: readonly number[]): number[] {
  const dirs = new Array(DIRECTION_BINS).fill(0);
  const mags = new Array(edges.length + 1).fill(0);
  for (const [x, y] of vectors) {
    const m = Math.hypot(x, y);
    const angle = (Math.atan2(y, x) + 2 * Math.PI) % (2 * Math.PI);
    dirs[Math.min(DIRECTION_BINS - 1, Math.floor((angle / (2 * Math.PI)) * DIRECTION_BINS))] += Math.log1p(m);
    let k = 0;
    while (k < edges.length && m >= edges[k]) k++;
    mags[k] += 1;
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
  return [...histogram(v, SPEED_EDGES), ...histogram(a, ACCELERATION_EDGES)];
}
