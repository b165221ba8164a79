/**
 * Metrics against ground truth, as PhyWorld defines them (eval/METRICS.md): velocity error
 * v_t = Δx·fps compared per ball and frame after the condition frames where the ball is
 * fully visible (for collisions only after the collision: the first frame where the true
 * |Δv| > 0.1); position error (ADE over frames where the object is at least half visible,
 * FDE at the last of them).
 *
 * With `givenFrames` K (the video's first K frames are the truth's own, given to the model:
 * PhyWorld's protocol), both measure what the model generated: velocity between frames that
 * are both K or later, positions from frame K on. Without it the condition frames are
 * PhyWorld's 3 for velocity and positions count from frame 0 (as before the field existed).
 */
import type { StateFile, StateObject } from '../../datasets/interchange.js';
import type { ParsedTrack } from '../parse/tracks.js';
import { COLLISION_DV, CONDITION_FRAMES } from '../thresholds.js';
import { pointAt } from './kinematics.js';

/** Truth visibility at or above which a ball counts as fully visible (velocity error). */
const FULLY_VISIBLE = 0.999;
/** ... and as visible enough for position error (its completed position is reliable). */
const MOSTLY_VISIBLE = 0.5;

export interface TruthMetrics {
  velocityError: number | null;
  positionAde: number | null;
  positionFde: number | null;
  /** Why a metric is null. */
  reasons: Record<string, string>;
}

/** The generated track for a truth object: the longest of its colour. */
export function matchTrack(tracks: ParsedTrack[], o: StateObject): ParsedTrack | null {
  let best: ParsedTrack | null = null;
  for (const t of tracks) if (t.color === o.color && (!best || t.points.length > best.points.length)) best = t;
  return best;
}

/** First frame where the true velocity changes by more than COLLISION_DV (0 when it never does). */
function collisionFrame(truth: StateFile): number {
  let first = Infinity;
  for (const o of truth.objects) {
    for (let t = 1; t < o.track.length; t++) {
      const a = o.track[t - 1];
      const b = o.track[t];
      if (Math.hypot(b.vx - a.vx, b.vy - a.vy) > COLLISION_DV) {
        first = Math.min(first, t);
        break;
      }
    }
  }
  return Number.isFinite(first) ? first : 0;
}

export function truthMetrics(tracks: ParsedTrack[], truth: StateFile, givenFrames?: number): TruthMetrics {
  const fps = truth.fps;
  const start = Math.max(givenFrames ?? CONDITION_FRAMES, truth.spec.family === 'collision' ? collisionFrame(truth) : 0);
  const firstGenerated = givenFrames ?? 0;
  const velocityErrors: number[] = [];
  const positionErrors: number[] = [];
  let fde: number | null = null;
  let lastFrame = -1;
  let missing = 0;
  for (const o of truth.objects) {
    if (o.shape === 'bar') continue;
    const track = matchTrack(tracks, o);
    if (!track) {
      missing++;
      continue;
    }
    const ok = (t: number) => o.track[t].visible >= FULLY_VISIBLE && pointAt(track, t) !== undefined && !pointAt(track, t)!.cut;
    for (let t = firstGenerated; t < o.track.length; t++) {
      // Position error also counts partly hidden frames (their positions are completed);
      // velocity error keeps PhyWorld's fully-visible rule.
      const p = pointAt(track, t);
      if (!p || o.track[t].visible < MOSTLY_VISIBLE) continue;
      const err = Math.hypot(p.x - o.track[t].x, p.y - o.track[t].y);
      positionErrors.push(err);
      if (t >= lastFrame) {
        if (t > lastFrame) fde = 0;
        fde = Math.max(fde ?? 0, err);
        lastFrame = t;
      }
      if (ok(t) && t - 1 >= start && ok(t - 1)) {
        const q = pointAt(track, t - 1)!;
        const g0 = o.track[t - 1];
        const g1 = o.track[t];
        const vx = (p.x - q.x) * fps, vy = (p.y - q.y) * fps;
        const tx = (g1.x - g0.x) * fps, ty = (g1.y - g0.y) * fps;
        velocityErrors.push(Math.hypot(vx - tx, vy - ty));
      }
    }
  }
  const reasons: Record<string, string> = {};
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const why = missing > 0 ? `${missing} true object(s) not found in the video` : `no fully visible frames to compare${givenFrames ? ` after the ${givenFrames} given` : ''}`;
  if (velocityErrors.length === 0) reasons.velocity_error = why;
  if (positionErrors.length === 0) reasons.position_ade = reasons.position_fde = why;
  return {
    velocityError: velocityErrors.length ? mean(velocityErrors) : null,
    positionAde: positionErrors.length ? mean(positionErrors) : null,
    positionFde: positionErrors.length ? fde : null,
    reasons,
  };
}
