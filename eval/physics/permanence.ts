/**
 * Object permanence from parsed tracks. An object may only leave the picture by moving out
 * of the frame or behind the occluder, and may only enter the same ways. Otherwise its track
 * ending is a *vanish* and its track starting a *spawn*; a vanish followed next frame by a
 * spawn of another colour at the same place is a *colour change* instead. A ball that goes
 * behind the occluder must come out where and when constant velocity says (within
 * REEMERGE_FRAMES frames), else it vanished; where it does, its position error is measured.
 */
import type { ParsedPoint, ParsedTrack, ParsedVideo } from '../parse/tracks.js';
import { COLOR_CHANGE_DISTANCE, MERGED_AREA_SHARE, REEMERGE_FRAMES } from '../thresholds.js';
import { massOf, pointAt, sizeOf } from './kinematics.js';

export interface PermanenceMetrics {
  vanishCount: number;
  spawnCount: number;
  colorChanges: number;
  /** Largest re-emergence position error after occlusion (units); null when nothing re-emerged. */
  reemergenceError: number | null;
}

interface Ending {
  track: ParsedTrack;
  /** Frame of the last point before the object is gone. */
  frame: number;
  /** Where it should be on the next frame. */
  x: number;
  y: number;
}

/** Constant velocity from the last (or first) two whole points at the given end of a run. */
function velocityAt(points: ParsedPoint[], end: 'last' | 'first'): [number, number] {
  const whole = points.filter((p) => !p.cut);
  const pts = whole.length >= 2 ? whole : points;
  if (pts.length < 2) return [0, 0];
  const [a, b] = end === 'last' ? [pts[pts.length - 2], pts[pts.length - 1]] : [pts[0], pts[1]];
  const df = b.frame - a.frame;
  return [(b.x - a.x) / df, (b.y - a.y) / df];
}

/** Share of a box of half-size r at (x, y) that lies inside the frame and outside every occluder (box approximation). */
function visibleShare(v: ParsedVideo, x: number, y: number, r: number): number {
  const clip = (lo: number, hi: number, a: number, b: number) => Math.max(0, Math.min(hi, b) - Math.max(lo, a));
  const total = 4 * r * r;
  const inFrame = clip(0, v.worldWidth, x - r, x + r) * clip(0, v.height / v.scale, y - r, y + r);
  let hidden = 0;
  for (const [x0, y0, x1, y1] of v.occluders) hidden += clip(x0, x1, x - r, x + r) * clip(y0, y1, y - r, y + r);
  return Math.max(0, inFrame - hidden) / total;
}

/** A predicted object is expected to be detected when this share of it shows. */
const EXPECT_VISIBLE = 0.3;

/**
 * Whether the object of `track`, missing at every frame in [from, to], was inside another
 * object's blob there (two touching objects the detector could not split, as 4:2:0 chroma
 * blends them at 32×32): in each of those frames a track of another colour has a point whose
 * area exceeds that track's own (median) area by at least MERGED_AREA_SHARE of this object's,
 * within reach of where this object should be (`expected` gives the candidate positions:
 * constant velocity forward from before the gap, backward from after it). A vanished object
 * leaves no such swollen blob behind.
 */
function mergedInto(parsed: ParsedVideo, track: ParsedTrack, from: number, to: number, expected: (f: number) => [number, number][], step: number): boolean {
  if (to < from) return false;
  const area = massOf(track);
  const r = sizeOf(track);
  const others = parsed.tracks.filter((o) => o !== track && o.color !== track.color).map((o) => ({ o, area: massOf(o) }));
  for (let f = from; f <= to; f++) {
    const found = others.some(({ o, area: own }) => {
      const q = pointAt(o, f);
      if (!q || q.area - own < MERGED_AREA_SHARE * area) return false;
      const reach = q.radius + r + step;
      return expected(f).some(([x, y]) => Math.hypot(q.x - x, q.y - y) <= reach);
    });
    if (!found) return false;
  }
  return true;
}

/**
 * Whether a track starting at `first` overlaps another object seen the frame before: then it
 * is that object read again in another colour (H.264 at crf 28 leaves a ball's last sliver
 * as a static smudge beside the occluder, its summed colour drifting), not an object appearing
 * from nowhere. An object planted in the open appears where nothing was.
 */
function continues(parsed: ParsedVideo, track: ParsedTrack, first: ParsedPoint): boolean {
  return parsed.tracks.some((o) => {
    if (o === track) return false;
    const q = pointAt(o, first.frame - 1);
    return q !== undefined && Math.hypot(q.x - first.x, q.y - first.y) <= sizeOf(o) + first.radius;
  });
}

export function permanenceMetrics(parsed: ParsedVideo): PermanenceMetrics {
  const T = parsed.numFrames;
  const vanishes: Ending[] = [];
  const spawns: Ending[] = [];
  /** Every track's first appearance after frame 0, explained or not. */
  const starts: Ending[] = [];
  let reemergenceError: number | null = null;
  for (const track of parsed.tracks) {
    const r = sizeOf(track);
    // Split the track into runs of consecutive frames; a gap is an absence to explain.
    const runs: ParsedPoint[][] = [];
    for (const p of track.points) {
      const run = runs[runs.length - 1];
      if (run && p.frame === run[run.length - 1].frame + 1) run.push(p);
      else runs.push([p]);
    }
    runs.forEach((run, k) => {
      const last = run[run.length - 1];
      const first = run[0];
      const next = runs[k + 1];
      const [vx, vy] = velocityAt(run, 'last');
      const [nx, ny] = next ? velocityAt(next, 'first') : [0, 0];
      const expected = (f: number): [number, number][] => [
        [last.x + vx * (f - last.frame), last.y + vy * (f - last.frame)],
        ...(next ? [[next[0].x - nx * (next[0].frame - f), next[0].y - ny * (next[0].frame - f)] as [number, number]] : []),
      ];
      // Inside another object's blob all the while it was missing: neither gone nor re-emerging.
      const merged = last.frame < T - 1 && mergedInto(parsed, track, last.frame + 1, next ? next[0].frame - 1 : T - 1, expected, Math.hypot(vx, vy));
      if (last.frame < T - 1 && !merged) {
        // Gone after `last`: when does constant velocity say it must show again?
        let due: number | null = null;
        for (let f = last.frame + 1; f < T; f++) {
          if (visibleShare(parsed, last.x + vx * (f - last.frame), last.y + vy * (f - last.frame), r) >= EXPECT_VISIBLE) {
            due = f;
            break;
          }
        }
        const explainedUntil = due === null ? T : due + REEMERGE_FRAMES;
        if (due !== null && (!next || next[0].frame > explainedUntil) && explainedUntil < T) {
          vanishes.push({ track, frame: last.frame, x: last.x + vx, y: last.y + vy });
        } else if (due === last.frame + 1 && !next) {
          vanishes.push({ track, frame: last.frame, x: last.x + vx, y: last.y + vy });
        } else if (next && due !== null && next[0].frame - last.frame > 1) {
          // Re-emerged: compare with the constant-velocity prediction at its first whole point.
          const back = next.find((p) => !p.cut) ?? next[0];
          const f = back.frame - last.frame;
          const err = Math.hypot(back.x - (last.x + vx * f), back.y - (last.y + vy * f));
          reemergenceError = Math.max(reemergenceError ?? 0, err);
        }
      }
      if (first.frame > 0 && k === 0) {
        const [vx, vy] = velocityAt(run, 'first');
        const back = (f: number): [number, number][] => [[first.x - vx * (first.frame - f), first.y - vy * (first.frame - f)]];
        // Could it have been out of sight the frame before, or inside another object's blob until now?
        const start = { track, frame: first.frame, x: first.x, y: first.y };
        starts.push(start);
        const explained = mergedInto(parsed, track, 0, first.frame - 1, back, Math.hypot(vx, vy)) || continues(parsed, track, first);
        if (!explained && visibleShare(parsed, first.x - vx, first.y - vy, r) >= EXPECT_VISIBLE && !first.cut) {
          spawns.push(start);
        }
      }
    });
  }
  // A vanish and a track of another colour starting next frame at the same place: a colour
  // change (whether or not that start alone could be explained, e.g. cut by the frame edge).
  let colorChanges = 0;
  for (const v of [...vanishes]) {
    const s = starts.find((s) => s.track.color !== v.track.color && s.frame === v.frame + 1 && Math.hypot(s.x - v.x, s.y - v.y) <= COLOR_CHANGE_DISTANCE);
    if (!s) continue;
    colorChanges++;
    starts.splice(starts.indexOf(s), 1);
    vanishes.splice(vanishes.indexOf(v), 1);
    if (spawns.includes(s)) spawns.splice(spawns.indexOf(s), 1);
  }
  return { vanishCount: vanishes.length, spawnCount: spawns.length, colorChanges, reemergenceError };
}
