/**
 * `parabola`: a ball thrown up and sideways, in free flight under gravity for the whole
 * clip (no floor). The split's speed range is the horizontal speed; the upward launch
 * speed is chosen so the arc stays inside the world.
 */
import { GRAVITY, clampInto, startCoord, type FamilySampler } from './context.js';
import { speedClassOf } from '../spec.js';

/** Upward launch speed in units/s. */
const LAUNCH_VY: readonly [number, number] = [5.5, 7.5];

export const parabola: FamilySampler = (ctx) => {
  const { rng, duration: T } = ctx;
  const r = ctx.size();
  const speed = ctx.speed(ctx.worldWidth - 2 * r);
  const direction = rng.pick(['left', 'right'] as const);
  const vx = direction === 'left' ? -speed : speed;
  const vy = rng.uniform(...LAUNCH_VY);
  const x = startCoord(rng, vx * T, r, ctx.worldWidth);
  // Lowest point over the clip is the start or the end (the arc is concave); highest is the apex.
  const drop = Math.max(0, (GRAVITY * T * T) / 2 - vy * T);
  const rise = vy < GRAVITY * T ? (vy * vy) / (2 * GRAVITY) : vy * T - (GRAVITY * T * T) / 2;
  // When the arc cannot stay in view (a clip longer than ~2.5 s), the ball starts in view with
  // its apex at the top and falls out of the bottom late in the clip.
  const [lo, hi] = [r + drop, ctx.worldHeight - r - rise];
  const drawn = rng.uniform(lo, hi);
  const y = lo > hi ? Math.max(r, hi) : clampInto(drawn, lo, hi);
  const ball = ctx.object('ball', r, { x, y, vx, vy });
  return {
    objects: [ball],
    motions: [{ object: ball.id, direction, speed, speedClass: speedClassOf(speed) }],
    relations: [],
    variant: 'thrown',
    physics: { gravity: GRAVITY, restitution: 0, friction: 0, floor: false },
  };
};
