/**
 * Prompt adherence: compare the parsed prompt with the parsed video, per attribute
 * (presence, colour, shape, size class, count, motion direction, speed class, events,
 * spatial relation), plus T2V-CompBench-style continuous scores:
 * - count score: per frame 1 when the detected count equals the prompted count, mean over frames;
 * - relation score: per frame, both objects missing 0, one missing 0.2, wrong relation (sign
 *   of the centre offset on the dominant axis) 0.4, correct 0.4 + 0.6·(1 − IoU of the boxes);
 * - direction score: signed speed (units/s) along each stated direction, mean over motions.
 * An attribute is null when the prompt does not state it (or, for shape, the object is too
 * small for the parser to tell a disc from a square).
 */
import { SIZE_CLASS_BOUNDS, SPEED_CLASS_BOUNDS, type Direction, type Relation, type SizeClass, type SpeedClass } from '../../datasets/world/spec.js';
import type { PhysicsContext } from '../physics/context.js';
import { contactFrames, fitWithAcceleration, pointAt, shapeOf, sizeOf } from '../physics/kinematics.js';
import type { ParsedPoint, ParsedTrack, ParsedVideo } from '../parse/tracks.js';
import { CLASS_TOLERANCE, DIRECTION_SLACK, FLOOR_CONTACT_GAP, SHAPE_MIN_SIZE, STOP_STEP } from '../thresholds.js';
import type { ParsedPrompt } from './grammar.js';

export interface Adherence {
  attributes: Record<string, boolean | null>;
  countScore: number;
  relationScore: number | null;
  directionScore: number | null;
}

/** Tracks that last at least two frames (a one-frame blob is not an object). */
function objectTracks(parsed: ParsedVideo): ParsedTrack[] {
  return parsed.tracks.filter((t) => t.points.length >= 2);
}

/** The longest track of a colour. */
function trackOf(tracks: ParsedTrack[], color: string): ParsedTrack | null {
  let best: ParsedTrack | null = null;
  for (const t of tracks) if (t.color === color && (!best || t.points.length > best.points.length)) best = t;
  return best;
}

const all = (xs: (boolean | null)[]): boolean | null => {
  const known = xs.filter((x): x is boolean => x !== null);
  return known.length === 0 ? null : known.every(Boolean);
};

export function adherence(prompt: ParsedPrompt, parsed: ParsedVideo, ctx: PhysicsContext): Adherence {
  const tracks = objectTracks(parsed);
  const matched = prompt.objects.map((o) => trackOf(tracks, o.color));
  const contacts = contactFrames(parsed, ctx);
  const indexOf = (t: ParsedTrack) => parsed.tracks.indexOf(t);

  const attributes: Record<string, boolean | null> = {
    presence: tracks.length >= prompt.objects.length,
    color: matched.every((t) => t !== null),
    shape: all(prompt.objects.map((o, k) => (matched[k] && sizeOf(matched[k]!) >= SHAPE_MIN_SIZE ? shapeOf(matched[k]!) === o.shape : null))),
    size: all(prompt.objects.map((o, k) => (o.sizeClass === null ? null : matched[k] ? inSizeClass(sizeOf(matched[k]!), o.sizeClass) : false))),
    count: tracks.length === prompt.objects.length,
    direction: null,
    speed: null,
    events: null,
    relation: null,
  };

  // Motion: signed speed along the stated direction before the object first touches another.
  const signed: number[] = [];
  const speedOk: (boolean | null)[] = [];
  for (const m of prompt.motions) {
    const t = matched[m.object];
    if (!t) {
      signed.push(0);
      speedOk.push(m.speedClass ? false : null);
      continue;
    }
    // In a collision the stated direction is the one before impact; partly hidden points count
    // (their positions are completed from the visible share).
    const firstContact = prompt.family === 'collision' ? Math.min(...contacts.objects[indexOf(t)], Infinity) : Infinity;
    const pts = t.points.filter((p) => p.frame < firstContact);
    const v = initialVelocity(pts, ctx);
    signed.push(v ? along(v, m.direction) : 0);
    speedOk.push(m.speedClass === null ? null : v ? inSpeedClass(Math.hypot(v[0], v[1]), m.speedClass) : false);
  }
  if (prompt.motions.length > 0) {
    attributes.direction = signed.every((s) => s >= -DIRECTION_SLACK);
    attributes.speed = all(speedOk);
  }

  if (prompt.events.length > 0) attributes.events = prompt.events.every((e) => eventSeen(e, parsed, matched, contacts, ctx));

  let relationScore: number | null = null;
  if (prompt.relations.length > 0) {
    const perRelation = prompt.relations.map((r) => relationFrames(r.relation, matched[r.subject], matched[r.object], parsed.numFrames));
    relationScore = perRelation.reduce((s, r) => s + r.score, 0) / perRelation.length;
    attributes.relation = perRelation.every((r) => r.correctShare >= 0.5);
  }

  const wanted = prompt.objects.length;
  const countScore = parsed.counts.filter((c) => c === wanted).length / parsed.counts.length;
  return { attributes, countScore, relationScore, directionScore: signed.length ? signed.reduce((s, x) => s + x, 0) / signed.length : null };
}

function inSizeClass(size: number, cls: SizeClass): boolean {
  const lo = cls === 'small' ? 0 : cls === 'medium' ? SIZE_CLASS_BOUNDS.smallBelow : SIZE_CLASS_BOUNDS.largeFrom;
  const hi = cls === 'small' ? SIZE_CLASS_BOUNDS.smallBelow : cls === 'medium' ? SIZE_CLASS_BOUNDS.largeFrom : Infinity;
  return size >= lo * (1 - CLASS_TOLERANCE) && size < hi * (1 + CLASS_TOLERANCE);
}

function inSpeedClass(speed: number, cls: SpeedClass): boolean {
  const lo = cls === 'slow' ? 0 : cls === 'medium' ? SPEED_CLASS_BOUNDS.slowBelow : SPEED_CLASS_BOUNDS.fastFrom;
  const hi = cls === 'slow' ? SPEED_CLASS_BOUNDS.slowBelow : cls === 'medium' ? SPEED_CLASS_BOUNDS.fastFrom : Infinity;
  return speed >= lo * (1 - CLASS_TOLERANCE) && speed < hi * (1 + CLASS_TOLERANCE);
}

/** Velocity at the first point: horizontal from a line, vertical from a parabola with the world's g. */
function initialVelocity(pts: ParsedPoint[], ctx: PhysicsContext): [number, number] | null {
  if (pts.length < 2) return null;
  const dt = 1 / ctx.fps;
  const ts = pts.map((p) => (p.frame - pts[0].frame) * dt);
  // Friction decelerates a slide: fit its first frames only, where the deceleration matters least.
  const head = ctx.family === 'slide' ? Math.min(pts.length, 3) : pts.length;
  const vx = fitWithAcceleration(ts.slice(0, head), pts.slice(0, head).map((p) => p.x), 0).v0;
  const vy = fitWithAcceleration(ts, pts.map((p) => p.y), -(ctx.gravity ?? 0)).v0;
  return [vx, vy];
}

function along([vx, vy]: [number, number], d: Direction): number {
  return d === 'left' ? -vx : d === 'right' ? vx : d === 'up' ? vy : -vy;
}

function eventSeen(
  e: string,
  parsed: ParsedVideo,
  matched: (ParsedTrack | null)[],
  contacts: { floor: Set<number>[]; objects: Set<number>[] },
  ctx: PhysicsContext,
): boolean {
  const t0 = matched[0];
  switch (e) {
    case 'bounce':
      return t0 !== null && hasBounce(t0);
    case 'collision':
      return matched.length >= 2 && matched.every((t) => t !== null && contacts.objects[parsed.tracks.indexOf(t)].size > 0);
    case 'occluded':
      return t0 !== null && parsed.occluders.length > 0 && hidden(t0, parsed.numFrames).some(Boolean);
    case 'reappeared': {
      if (!t0) return false;
      const h = hidden(t0, parsed.numFrames);
      const firstHidden = h.indexOf(true);
      return firstHidden >= 0 && t0.points.some((p) => p.frame > firstHidden && !p.cut);
    }
    case 'stopped': {
      if (!t0) return false;
      const pts = t0.points;
      const n = pts.length;
      // At rest at the end (a square pushed too gently to move far has stopped too).
      return n >= 2 && pts[n - 1].frame === pts[n - 2].frame + 1 && Math.hypot(pts[n - 1].x - pts[n - 2].x, pts[n - 1].y - pts[n - 2].y) < STOP_STEP;
    }
    default:
      void ctx;
      return false;
  }
}

/** A local minimum of height near the floor with the object rising after it. */
function hasBounce(t: ParsedTrack): boolean {
  const r = sizeOf(t);
  const p = t.points;
  for (let i = 1; i + 1 < p.length; i++) {
    if (p[i].frame !== p[i - 1].frame + 1 || p[i + 1].frame !== p[i].frame + 1) continue;
    const step = Math.max(Math.abs(p[i].y - p[i - 1].y), Math.abs(p[i + 1].y - p[i].y));
    if (p[i].y <= p[i - 1].y && p[i + 1].y > p[i].y && p[i].y - r <= FLOOR_CONTACT_GAP + step) return true;
  }
  return false;
}

/** Per frame: whether the object is missing or cut (behind the occluder or at the edge). */
function hidden(t: ParsedTrack, numFrames: number): boolean[] {
  const out = new Array<boolean>(numFrames).fill(true);
  for (const p of t.points) out[p.frame] = p.cut;
  return out;
}

/** T2V-CompBench's signed rule per frame, and the share of frames where the relation holds. */
function relationFrames(relation: Relation, subject: ParsedTrack | null, object: ParsedTrack | null, numFrames: number): { score: number; correctShare: number } {
  let score = 0, correct = 0;
  const boxOf = (t: ParsedTrack, p: ParsedPoint) => {
    const r = shapeOf(t) === 'square' ? p.halfSide : p.radius;
    return [p.x - r, p.y - r, p.x + r, p.y + r];
  };
  for (let f = 0; f < numFrames; f++) {
    const a = subject ? pointAt(subject, f) : undefined;
    const b = object ? pointAt(object, f) : undefined;
    if (!a && !b) continue;
    if (!a || !b) {
      score += 0.2;
      continue;
    }
    const dx = a.x - b.x;
    const dy = a.y - b.y;
    const horizontal = Math.abs(dx) >= Math.abs(dy);
    const ok =
      relation === 'left of' ? horizontal && dx < 0 : relation === 'right of' ? horizontal && dx > 0 : relation === 'above' ? !horizontal && dy > 0 : !horizontal && dy < 0;
    if (!ok) {
      score += 0.4;
      continue;
    }
    correct++;
    score += 0.4 + 0.6 * (1 - iou(boxOf(subject!, a), boxOf(object!, b)));
  }
  return { score: score / numFrames, correctShare: correct / numFrames };
}

function iou(a: number[], b: number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}
