/**
 * Reference-free conservation and force laws on parsed tracks:
 * - gravity: per free-flight segment, fit y = y0 + v0·t + ½·a·t²; error |a − (−g)| / 9.8
 *   (for zero-gravity families the expected a is 0), and the fit's residual;
 * - energy drift: specific energy ½v² + g·y along each segment (velocities from line fits over
 *   ±ENERGY_WINDOW frames), and
 *   total kinetic energy across an elastic collision;
 * - momentum drift: Σ m·v before vs after a collision (mass ∝ area, equal density);
 * - restitution at each floor bounce: −v_out / v_in from the two segments on either side,
 *   each fitted with the known g, evaluated where the first reaches the floor.
 */
import type { ParsedPoint, ParsedTrack, ParsedVideo } from '../parse/tracks.js';
import { ENERGY_FLOOR, ENERGY_WINDOW, MIN_SEGMENT_FRAMES, MOMENTUM_FLOOR, NOISE_SIGMAS, STANDARD_GRAVITY } from '../thresholds.js';
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
  /**
   * What the abnormal rules judge: gravity error and energy drift beyond what the video's own
   * position noise explains (NOISE_SIGMAS standard errors, from the track-fit residuals; ≈ the
   * raw values on lossless renders). Null where the raw value is null.
   */
  gravityExcess: number | null;
  energyExcess: number | null;
}

export function lawMetrics(parsed: ParsedVideo, ctx: PhysicsContext): LawMetrics {
  const out: LawMetrics = { gravityError: null, gravityResidual: null, energyDrift: null, momentumDrift: null, restitutions: [], gravityExcess: null, energyExcess: null };
  if (ctx.gravity === null) return out;
  const g = ctx.gravity;
  const dt = 1 / ctx.fps;
  const { floor, objects } = contactFrames(parsed, ctx);
  const max = (a: number | null, b: number) => Math.max(a ?? -Infinity, b);
  parsed.tracks.forEach((track, k) => {
    const contacts = new Set([...floor[k], ...objects[k]]);
    const segments = freeFlightSegments(track, contacts);
    const sigma = positionNoise(segments, dt);
    for (const seg of segments) {
      if (seg.length >= MIN_SEGMENT_FRAMES) {
        const fit = fitQuadratic(seg.map((p) => p.frame * dt), seg.map((p) => p.y));
        const err = Math.abs(fit.a + g);
        out.gravityError = max(out.gravityError, err / STANDARD_GRAVITY);
        out.gravityExcess = max(out.gravityExcess, Math.max(0, err - NOISE_SIGMAS * sigma * fit.aPerNoise) / STANDARD_GRAVITY);
        out.gravityResidual = max(out.gravityResidual, fit.rms);
      }
      const drift = segmentEnergyDrift(seg, g, dt, sigma);
      if (drift !== null) {
        out.energyDrift = max(out.energyDrift, drift.drift);
        out.energyExcess = max(out.energyExcess, drift.excess);
      }
    }
    if (g > 0 && ctx.floor) out.restitutions.push(...bounceRestitutions(track, floor[k], segments, g, dt));
  });
  const collision = collisionDrift(parsed, objects, dt);
  if (collision) {
    out.energyDrift = max(out.energyDrift, collision.energy);
    out.energyExcess = max(out.energyExcess, collision.energy);
    out.momentumDrift = collision.momentum;
  }
  return out;
}

/**
 * A track's position noise σ (units): the pooled residual of quadratic fits of x and y over its
 * free-flight segments of MIN_SEGMENT_FRAMES or more (free flight is exactly quadratic, so what
 * is left is the parser's and the codec's noise); 0 when no segment is long enough.
 */
function positionNoise(segments: ParsedPoint[][], dt: number): number {
  let ssr = 0, dof = 0;
  for (const seg of segments) {
    if (seg.length < MIN_SEGMENT_FRAMES) continue;
    const ts = seg.map((p) => p.frame * dt);
    ssr += fitQuadratic(ts, seg.map((p) => p.x)).ssr + fitQuadratic(ts, seg.map((p) => p.y)).ssr;
    dof += 2 * (seg.length - 3);
  }
  return dof > 0 ? Math.sqrt(ssr / dof) : 0;
}

/**
 * (max − min) of ½v² + g·y over a segment, relative to its kinetic energy (floored), with each
 * velocity the slope of a least-squares line over a window of ±ENERGY_WINDOW frames (±1 in
 * segments too short for that): on a parabola the slope of a centred window is the exact
 * velocity, and its noise is σ/(dt·√Σk²) instead of σ/(√2·dt) for a central difference
 * (2.2× less at ±2). `excess` takes off NOISE_SIGMAS standard errors of the difference of two
 * energies, from σ (the track's position noise).
 */
function segmentEnergyDrift(seg: ParsedPoint[], g: number, dt: number, sigma: number): { drift: number; excess: number } | null {
  if (seg.length < 3) return null;
  const h = seg.length >= 2 * ENERGY_WINDOW + 1 ? ENERGY_WINDOW : 1;
  let sumK2 = 0;
  for (let k = 1; k <= h; k++) sumK2 += 2 * k * k;
  const sigmaV = sigma / (dt * Math.sqrt(sumK2));
  let lo = Infinity, hi = -Infinity, kinetic = 0, count = 0, sigmaE = 0;
  for (let i = h; i < seg.length - h; i++) {
    let sx = 0, sy = 0;
    for (let k = -h; k <= h; k++) {
      sx += k * seg[i + k].x;
      sy += k * seg[i + k].y;
    }
    const vx = sx / (sumK2 * dt);
    const vy = sy / (sumK2 * dt);
    const v2 = vx * vx + vy * vy;
    const ke = 0.5 * v2;
    const e = ke + g * seg[i].y;
    lo = Math.min(lo, e);
    hi = Math.max(hi, e);
    kinetic += ke;
    count++;
    sigmaE = Math.max(sigmaE, Math.hypot(Math.sqrt(v2) * sigmaV, g * sigma));
  }
  const scale = Math.max(kinetic / count, ENERGY_FLOOR);
  const drift = (hi - lo) / scale;
  return { drift, excess: Math.max(0, hi - lo - NOISE_SIGMAS * Math.SQRT2 * sigmaE) / scale };
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
