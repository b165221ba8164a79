/** `uniform`: one ball at constant velocity in empty space (no gravity, no floor). */
import { startCoord, velocityAlong, motionOf, type FamilySampler } from './context.js';
import type { Direction } from '../spec.js';

const DIRECTIONS: readonly Direction[] = ['left', 'right', 'up', 'down'];

export const uniform: FamilySampler = (ctx) => {
  const r = ctx.size();
  const speed = ctx.speed(Math.min(ctx.worldWidth, ctx.worldHeight) - 2 * r); // any direction
  const direction = ctx.rng.pick(DIRECTIONS);
  const { vx, vy } = velocityAlong(direction, speed);
  const x = startCoord(ctx.rng, vx * ctx.duration, r, ctx.worldWidth);
  const y = startCoord(ctx.rng, vy * ctx.duration, r, ctx.worldHeight);
  const ball = ctx.object('ball', r, { x, y, vx, vy });
  return {
    objects: [ball],
    motions: [{ ...motionOf(ball), direction, speed }],
    relations: [],
    variant: 'constant-velocity',
    physics: { gravity: 0, restitution: 1, friction: 0, floor: false },
  };
};
