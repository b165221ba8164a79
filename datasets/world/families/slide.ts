/**
 * `slide`: a square pushed along the floor, decelerating by Coulomb friction
 * (a = μ·g) until it stops. μ is chosen per scene so the stop falls inside the clip.
 */
import { GRAVITY, startCoord, type FamilySampler } from './context.js';
import { speedClassOf } from '../spec.js';

/** The square stops at this fraction of the clip (before friction limits apply). */
const STOP_AT: readonly [number, number] = [0.35, 0.75];
/** Friction coefficient bounds. */
export const SLIDE_FRICTION: readonly [number, number] = [0.05, 1.5];

export const slide: FamilySampler = (ctx) => {
  const { rng, duration: T } = ctx;
  const s = ctx.size();
  // It slides v·t_stop/2 ≤ v·0.75·T/2 units: room for that on the floor.
  const speed = ctx.speed(((ctx.worldWidth - 2 * s) * 2) / STOP_AT[1]);
  const direction = rng.pick(['left', 'right'] as const);
  const vx = direction === 'left' ? -speed : speed;
  const stopTime = rng.uniform(...STOP_AT) * T;
  const mu = Math.min(SLIDE_FRICTION[1], Math.max(SLIDE_FRICTION[0], speed / (GRAVITY * stopTime)));
  const distance = (speed * speed) / (2 * mu * GRAVITY);
  const x = startCoord(rng, Math.sign(vx) * distance, s, ctx.worldWidth);
  const square = ctx.object(ctx.comboShape('square'), s, { x, y: s, vx, vy: 0 });
  return {
    objects: [square],
    motions: [{ object: square.id, direction, speed, speedClass: speedClassOf(speed) }],
    relations: [],
    variant: 'friction-stop',
    physics: { gravity: GRAVITY, restitution: 0, friction: mu, floor: true },
  };
};
