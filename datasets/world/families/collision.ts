/**
 * `collision`: two balls moving towards each other in empty space, meeting head-on
 * (centres on one horizontal line) or glancing (offset by a fraction of r1 + r2).
 * Elastic, frictionless, equal density (mass ∝ r²), as in PhyWorld.
 */
import { startCoord, type FamilySampler } from './context.js';
import { speedClassOf } from '../spec.js';

/** Contact happens at this fraction of the clip, so there are frames before and after. */
const CONTACT_AT: readonly [number, number] = [0.3, 0.6];
/** Glancing offset as a fraction of r1 + r2. */
const GLANCING_OFFSET: readonly [number, number] = [0.3, 0.7];

export const collision: FamilySampler = (ctx) => {
  const { rng, duration: T } = ctx;
  // Both balls and their approach fit across the world (0.4·W ≥ 2r + the slowest approach).
  const rA = ctx.size(ctx.worldWidth / 6);
  const rB = ctx.size(ctx.worldWidth / 6);
  // Each ball crosses at most half the world in the clip (before and after contact).
  const sA = ctx.speed(ctx.worldWidth / 2);
  const sB = ctx.speed(ctx.worldWidth / 2);
  const glancing = rng.chance(0.5);
  const dy = glancing ? rng.uniform(...GLANCING_OFFSET) * (rA + rB) * (rng.chance(0.5) ? 1 : -1) : 0;
  const dx = Math.sqrt((rA + rB) ** 2 - dy * dy);
  // Object 0 starts on the left or on the right; the left ball moves right, the right ball left.
  const aOnLeft = rng.chance(0.5);
  const [rL, rR, sL, sR] = aOnLeft ? [rA, rB, sA, sB] : [rB, rA, sB, sA];
  const xc = rng.uniform(0.4, 0.6) * ctx.worldWidth;
  const xL1 = xc - dx / 2; // left centre at contact
  const xR1 = xc + dx / 2;
  let tc = rng.uniform(...CONTACT_AT) * T;
  // Start both balls inside the world where the speeds allow it.
  if (sL > 0) tc = Math.min(tc, Math.max(0.15 * T, (xL1 - rL) / sL));
  if (sR > 0) tc = Math.min(tc, Math.max(0.15 * T, (ctx.worldWidth - rR - xR1) / sR));
  const yMid = startCoord(rng, 0, Math.max(rL, rR) + Math.abs(dy) / 2, ctx.worldHeight);
  const yL = yMid - dy / 2;
  const yR = yMid + dy / 2;
  const left = { x: xL1 - sL * tc, y: yL, vx: sL, vy: 0 };
  const right = { x: xR1 + sR * tc, y: yR, vx: -sR, vy: 0 };
  const a = ctx.object('ball', rA, aOnLeft ? left : right);
  const b = ctx.object('ball', rB, aOnLeft ? right : left);
  const motion = (o: typeof a, s: number) => ({
    object: o.id,
    direction: o.initial.vx < 0 ? ('left' as const) : ('right' as const),
    speed: s,
    speedClass: speedClassOf(s),
  });
  return {
    objects: [a, b],
    motions: [motion(a, sA), motion(b, sB)],
    relations: [],
    variant: glancing ? 'glancing' : 'head-on',
    physics: { gravity: 0, restitution: 1, friction: 0, floor: false },
  };
};
