/**
 * Reference-free conservation and force laws on parsed tracks:
 * - gravity: per free-flight segment, fit y = y0 + v0·t + ½·a·t²; error |a − (−g)| / 9.8
 *   (for zero-gravity families the expected a is 0), and the fit's residual;
 * - energy drift: specific energy ½v² + g·y along each segment (central differences), and
 *   total kinetic energy across an elastic collision;
 * - momentum drift: Σ m·v before vs after a collision (mass ∝ area, equal density);
 * - restitution at each floor bounce: −v_out / v_in from the two segments on either side,
 *   each fitted with the known g, evaluated where the first reaches the floor.
 */
import type { ParsedPoint, ParsedTrack, ParsedVideo } from '../parse/tracks.js';
import { ENERGY_FLOOR, MIN_SEGMENT_FRAMES, MOMENTUM_FLOOR, STANDARD_GRAVITY } from '../thresholds.js';
import type { PhysicsContext } from './context.js';
import { contactFrames, fitQuadratic, fitWithAcceleration, freeFlightSegments, massOf, sizeOf } from './kinematics.js';

export interface LawMetrics {
  /** Largest |a − (−g)| / 9.8 over free-flight segments; null when no segment is long enough. */
  gravityError: number | null;
  /** Largest RMS residual of those fits, units. */
  gravityResidual: number | null;
  energyDrift: number | null;
  momentumDrift: number | null;
  /** Restitution estimates, one per measurable floor bounce. */
  restitutions: number[];
}

export function lawMetrics(parsed: ParsedVideo, ctx: PhysicsContext): LawMetrics {
  const out: LawMetrics = { gravityError: null, gravityResidual: null, energyDrift: null, momentumDrift: null, restitutions: [] };
  if (ctx.gravity === null) return out;
  const g = ctx.gravity;
  const dt = 1 / ctx.fps;
  const { floor, objects } = contactFrames(parsed, ctx);
  parsed.tracks.forEach((track, k) => {
    const contacts = new Set([...floor[k], ...objects[k]]);
    const segments = freeFlightSegments(track, contacts);
    for (const seg of segments) {
      if (seg.length >= MIN_SEGMENT_FRAMES) {
        const fit = fitQuadratic(seg.map((p) => p.frame * dt), seg.map((p) => p.y));
        out.gravityError = Math.max(out.gravityError ?? 0, Math.abs(fit.a + g) / STANDARD_GRAVITY);
        out.gravityResidual = Math.max(out.gravityResidual ?? 0, fit.rms);
      }
      const drift = segmentEnergyDrift(seg, g, dt);
      if (drift !== null) out.energyDrift = Math.max(out.energyDrift ?? 0, drift);
    }
    if (g > 0 && ctx.floor) out.restitutions.push(...bounceRestitutions(track, floor[k], segments, g, dt));
  });
  const collision = collisionDrift(parsed, objects, dt);
  if (collision) {
    out.energyDrift = Math.max(out.energyDrift ?? 0, collision.energy);
    out.momentumDrift = collision.momentum;
  }
  return out;
}

/** (max − min) of ½v² + g·y over a segment's interior, relative to its kinetic energy (floored). */
function segmentEnergyDrift(seg: ParsedPoint[], g: number, dt: number): number | null {
  if (seg.length < 3) return null;
  let lo = Infinity, hi = -Infinity, kinetic = 0;
  for (let i = 1; i < seg.length - 1; i++) {
    const vx = (seg[i + 1].x - seg[i - 1].x) / (2 * dt);
    const vy = (seg[i + 1].y - seg[i - 1].y) / (2 * dt);
    const ke = 0.5 * (vx * vx + vy * vy);
    const e = ke + g * seg[i].y;
    lo = Math.min(lo, e);
    hi = Math.max(hi, e);
    kinetic += ke;
  }
  return (hi - lo) / Math.max(kinetic / (seg.length - 2), ENERGY_FLOOR);
}

/**
 * Frames between the segments on either side of one bounce: the contact margin (FLOOR_CONTACT_GAP
 * plus a frame's travel) can take two or three frames each side of a fast bounce.
 */
const MAX_BOUNCE_GAP = 6;

/** Restitution −v_out/v_in at each floor contact with a segment before and after it. */
function bounceRestitutions(track: ParsedTrack, floorFrames: Set<number>, segments: ParsedPoint[][], g: number, dt: number): number[] {
  const r = sizeOf(track);
  const out: number[] = [];
  for (let s = 0; s + 1 < segments.length; s++) {
    const before = segments[s];
    const after = segments[s + 1];
    const lastBefore = before[before.length - 1].frame;
    const firstAfter = after[0].frame;
    // Only a floor contact separates them (not a gap, the occluder or another object).
    let floorOnly = true;
    for (let f = lastBefore + 1; f < firstAfter; f++) if (!floorFrames.has(f)) floorOnly = false;
    if (!floorOnly || firstAfter - lastBefore > MAX_BOUNCE_GAP || before.length < 2 || after.length < 2) continue;
    const A = fitWithAcceleration(before.map((p) => p.frame * dt), before.map((p) => p.y), -g);
    const B = fitWithAcceleration(after.map((p) => p.frame * dt), after.map((p) => p.y), -g);
    // When does segment A's parabola bring the bottom to the floor (y = r), after its last frame?
    const tc = floorTime(A.y0 - r, A.v0, g, lastBefore * dt);
    if (tc === null) continue;
    const vIn = A.v0 - g * tc;
    const vOut = B.v0 - g * tc;
    if (vIn < -0.2) out.push(-vOut / vIn);
  }
  return out;
}

/** First t ≥ tMin with h0 + v0·t − ½·g·t² = 0, or null. */
function floorTime(h0: number, v0: number, g: number, tMin: number): number | null {
  const disc = v0 * v0 + 2 * g * h0;
  if (disc < 0) return null;
  const t = (v0 + Math.sqrt(disc)) / g;
  return t >= tMin - 1e-9 ? t : null;
}

/**
 * Energy and momentum change across the first contact between two tracks, from their
 * constant velocities on the segments just before and just after it (zero-gravity scenes).
 */
function collisionDrift(parsed: ParsedVideo, objects: Set<number>[], dt: number): { energy: number; momentum: number } | null {
  const moving = parsed.tracks.map((t, k) => ({ t, k })).filter(({ k }) => objects[k].size > 0);
  if (moving.length !== 2) return null;
  const first = Math.min(...moving.flatMap(({ k }) => [...objects[k]]));
  const last = Math.max(...moving.flatMap(({ k }) => [...objects[k]]));
  const velocities = moving.map(({ t }) => {
    const pre = t.points.filter((p) => !p.cut && p.frame < first);
    const post = t.points.filter((p) => !p.cut && p.frame > last);
    return { pre: velocityOf(pre, dt), post: velocityOf(post, dt), m: massOf(t) };
  });
  if (velocities.some((v) => !v.pre || !v.post)) return null;
  let px0 = 0, py0 = 0, px1 = 0, py1 = 0, e0 = 0, e1 = 0, scale = 0, mass = 0;
  for (const v of velocities) {
    const [a, b] = [v.pre!, v.post!];
    px0 += v.m * a[0]; py0 += v.m * a[1]; px1 += v.m * b[0]; py1 += v.m * b[1];
    e0 += 0.5 * v.m * (a[0] ** 2 + a[1] ** 2);
    e1 += 0.5 * v.m * (b[0] ** 2 + b[1] ** 2);
    scale += v.m * Math.hypot(a[0], a[1]);
    mass += v.m;
  }
  return {
    energy: Math.abs(e1 - e0) / Math.max(e0, ENERGY_FLOOR * mass),
    momentum: Math.hypot(px1 - px0, py1 - py0) / Math.max(scale, MOMENTUM_FLOOR * mass),
  };
}

/** Constant velocity (least squares) over at least 2 consecutive-ish points. */
function velocityOf(pts: ParsedPoint[], dt: number): [number, number] | null {
  if (pts.length < 2) return null;
  const ts = pts.map((p) => p.frame * dt);
  return [fitWithAcceleration(ts, pts.map((p) => p.x), 0).v0, fitWithAcceleration(ts, pts.map((p) => p.y), 0).v0];
}
