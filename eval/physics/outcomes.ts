/**
 * Counterfactual outcomes: for each cause a counterfactual pair changes (eval/suites/
 * counterfactual.ts), the one number of a clip that the cause moves, measured from tracks —
 * a video's parsed tracks, or the truth's own (`truthTracks`), so the same function gives the
 * true and the generated outcome. The truth's state file says which track is which object
 * (by colour) and where its frames are whole (fully inside the picture), so an object half
 * out of the frame never biases a fit.
 *
 *   const v = measureOutcome('speed', score.tracks, truth, 0);           // units/s
 *   const t = measureOutcome('speed', truthTracks(truth), truth, 0);
 *
 * Each measure uses frames `from` and later only: with K true frames given to the model,
 * the first K come back exactly, so only what it generated is judged.
 */
import type { StateFile } from '../../datasets/interchange.js';
import type { Track } from '../types.js';

export const CAUSES = ['speed', 'direction', 'mass', 'restitution', 'floor', 'gravity'] as const;
export type Cause = (typeof CAUSES)[number];

/** A frame is whole when the truth shows at least this share of the object. */
const WHOLE = 0.99;
/** Fewest frames a velocity (line) or acceleration (parabola) is fitted to. */
const MIN_LINE_FRAMES = 3;
const MIN_PARABOLA_FRAMES = 4;
/** A ball has gone through the floor when it was last seen with its centre this low (units): the bottom fifth. */
const FLOOR_BAND = 2;

/** What each cause moves, in words (FORMAT.md, the report). */
export const OUTCOME_TEXT: Readonly<Record<Cause, string>> = {
  speed: "the ball's horizontal velocity (units/s, a line fitted to x)",
  direction: "the ball's horizontal velocity (units/s, a line fitted to x)",
  mass: "the other ball's horizontal velocity after the collision (units/s)",
  restitution: 'the highest the ball rises after its first bounce (units)',
  floor: 'whether the ball goes through the floor line: 1 if last seen at the bottom and gone by the last frame, else 0',
  gravity: "the ball's vertical acceleration (units/s², a parabola fitted to y)",
};

/** Binary outcomes must change exactly as the truth's; the others within a factor (`changedRightWay`). */
export const BINARY_OUTCOMES: ReadonlySet<Cause> = new Set(['floor']);

/**
 * How far a measured change may be from the true one and still count: same sign, and a size
 * between RATIO_LOW and RATIO_HIGH times the truth's. Rough on purpose — the question is
 * whether the outcome moves the right way by about the right amount, not its exact value.
 */
export const CHANGE_TOLERANCE = { low: 0.5, high: 2 } as const;

/** Whether a measured change of outcome (changed − base) matches the truth's. */
export function changedRightWay(cause: Cause, truthDelta: number, measuredDelta: number | null): boolean {
  if (measuredDelta === null || !Number.isFinite(measuredDelta)) return false;
  if (BINARY_OUTCOMES.has(cause)) return measuredDelta === truthDelta;
  const ratio = measuredDelta / truthDelta;
  return ratio >= CHANGE_TOLERANCE.low && ratio <= CHANGE_TOLERANCE.high;
}

/** The outcome `cause` moves, from `tracks` of a clip whose truth is `truth`, frames `from` on; null when not measurable. */
export function measureOutcome(cause: Cause, tracks: readonly Track[], truth: StateFile, from: number): number | null {
  switch (cause) {
    case 'speed':
    case 'direction':
      return slope(wholePoints(tracks, truth, 0, from), 'x', truth.fps);
    case 'mass': {
      const contact = truth.spec.events.find((e) => e.type === 'collision');
      return contact ? slope(wholePoints(tracks, truth, 1, Math.max(from, contact.frame + 1)), 'x', truth.fps) : null;
    }
    case 'restitution': {
      const bounce = truth.spec.events.find((e) => e.type === 'bounce');
      const after = bounce ? wholePoints(tracks, truth, 0, Math.max(from, bounce.frame + 1)) : [];
      return after.length >= MIN_LINE_FRAMES ? Math.max(...after.map((p) => p.y)) : null;
    }
    case 'floor':
      return throughFloor(tracks, truth);
    case 'gravity':
      return acceleration(wholePoints(tracks, truth, 0, from), truth.fps);
  }
}

type Point = Track['points'][number];

/** The track of the truth's object `k` (matched by colour), at the frames from `from` on where the truth shows it whole. */
function wholePoints(tracks: readonly Track[], truth: StateFile, k: number, from: number): Point[] {
  const object = truth.objects[k];
  const track = tracks.find((t) => t.color === object.color);
  if (!track) return [];
  return track.points.filter((p) => p.frame >= from && (object.track[p.frame]?.visible ?? 0) >= WHOLE);
}

/** Least-squares slope of x or y against time (units/s); null under MIN_LINE_FRAMES points. */
function slope(points: readonly Point[], axis: 'x' | 'y', fps: number): number | null {
  if (points.length < MIN_LINE_FRAMES) return null;
  const n = points.length;
  const ts = points.map((p) => p.frame / fps);
  const vs = points.map((p) => p[axis]);
  const tm = ts.reduce((a, b) => a + b, 0) / n;
  const vm = vs.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (ts[i] - tm) * (vs[i] - vm);
    den += (ts[i] - tm) ** 2;
  }
  return num / den;
}

/** Twice the t² coefficient of a least-squares parabola through y(t) (units/s²); null under MIN_PARABOLA_FRAMES points. */
function acceleration(points: readonly Point[], fps: number): number | null {
  if (points.length < MIN_PARABOLA_FRAMES) return null;
  // Normal equations of y = a + b·t + c·t², t centred for conditioning.
  const ts0 = points.map((p) => p.frame / fps);
  const tm = ts0.reduce((a, b) => a + b, 0) / ts0.length;
  const ts = ts0.map((t) => t - tm);
  const s = [0, 0, 0, 0, 0];
  const r = [0, 0, 0];
  points.forEach((p, i) => {
    for (let k = 0; k <= 4; k++) s[k] += ts[i] ** k;
    for (let k = 0; k <= 2; k++) r[k] += p.y * ts[i] ** k;
  });
  const m = [
    [s[0], s[1], s[2]],
    [s[1], s[2], s[3]],
    [s[2], s[3], s[4]],
  ];
  const det = (a: number[][]) =>
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  const d = det(m);
  if (Math.abs(d) < 1e-12) return null;
  const withColumn = m.map((row, i) => [row[0], row[1], r[i]]); // Cramer's rule for c
  return (2 * det(withColumn)) / d;
}

/**
 * 1 when the ball went through the floor line (y = 0): not seen in the clip's last frame and
 * last seen in the bottom FLOOR_BAND units; else 0 (still there, or gone somewhere else).
 * Null when it is never seen. Every frame counts, given ones too: a ball that fell through in
 * the given frames must stay gone (a model that brings it back scores 0).
 */
function throughFloor(tracks: readonly Track[], truth: StateFile): number | null {
  const object = truth.objects[0];
  const seen = tracks.find((t) => t.color === object.color)?.points.filter((p) => p.area > 0) ?? [];
  if (seen.length === 0) return null;
  const last = seen[seen.length - 1];
  const lastFrame = object.track.length - 1;
  return last.frame < lastFrame && last.y < FLOOR_BAND ? 1 : 0;
}
