/**
 * `bounce`: a ball dropped onto the floor, bouncing with restitution e. In the `drift`
 * variant it also moves sideways at the split's speed; in `drop` it falls straight down.
 */
import { GRAVITY, startCoord, type FamilySampler } from './context.js';
import { speedClassOf } from '../spec.js';

/** Restitution range of the floor contact. */
export const BOUNCE_RESTITUTION: readonly [number, number] = [0.5, 0.9];
/** Height of the ball's bottom above the floor at release, in units. */
const DROP_HEIGHT: readonly [number, number] = [1.5, 6.0];

export const bounce: FamilySampler = (ctx) => {
  const { rng } = ctx;
  const r = ctx.size();
  const drift = rng.chance(0.6);
  const speed = drift ? ctx.speed(ctx.worldWidth - 2 * r) : 0;
  const direction = rng.pick(['left', 'right'] as const);
  const vx = drift ? (direction === 'left' ? -speed : speed) : 0;
  const x = startCoord(rng, vx * ctx.duration, r, ctx.worldWidth);
  const height = rng.uniform(DROP_HEIGHT[0], Math.min(DROP_HEIGHT[1], ctx.worldHeight - 2 * r));
  const ball = ctx.object('ball', r, { x, y: r + height, vx, vy: 0 });
  const motion = drift
    ? { object: ball.id, direction, speed, speedClass: speedClassOf(speed) }
    : { object: ball.id, direction: 'down' as const, speed: 0, speedClass: speedClassOf(0) };
  return {
    objects: [ball],
    motions: [motion],
    relations: [],
    variant: drift ? 'drift' : 'drop',
    physics: { gravity: GRAVITY, restitution: rng.uniform(...BOUNCE_RESTITUTION), friction: 0, floor: true },
  };
};
