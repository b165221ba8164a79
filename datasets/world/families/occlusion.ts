/**
 * `occlusion`: a ball moving sideways passes behind a static grey bar (drawn in front of
 * it, not a physical body) wide enough to hide it completely, and re-emerges when its
 * speed lets it cross within the clip (variant `reemerges`; otherwise `hidden`).
 * The ball must travel at least its own diameter to get behind the bar at all, so
 * speeds too slow for that are redrawn: `ood` occlusion scenes are fast, never slow.
 */
import { OCCLUDER_COLOR } from '../palette.js';
import { clampInto, type FamilySampler } from './context.js';
import { speedClassOf } from '../spec.js';

/** Bar half-width as a multiple of the ball's radius (≥ 1 hides the ball fully). */
const BAR_HALF_WIDTH: readonly [number, number] = [1.0, 1.3];
/** How far the bar reaches above and below the ball's path, in units. */
const BAR_OVERHANG: readonly [number, number] = [0.5, 2.0];
const MAX_TRIES = 50;

export const occlusion: FamilySampler = (ctx) => {
  const { rng, duration: T } = ctx;
  const W = ctx.worldWidth;
  const r = ctx.size(W / 6); // a re-emerging path spans ≥ 2w + 4r ≥ 6r
  // The path [x0 - r, x0 + travel + r] fits the world when travel ≤ W − 2r (see ctx.speed).
  let speed = ctx.speed(W - 2 * r, (2 * r) / T);
  for (let tries = 0; speed * T < 2 * r && tries < MAX_TRIES; tries++) speed = Math.max(speed, ctx.speed(W - 2 * r, (2 * r) / T));
  const direction = rng.pick(['left', 'right'] as const);
  const w = r * rng.uniform(...BAR_HALF_WIDTH);
  // Set the scene up moving right; mirror at the end for `left`.
  const travel = speed * T;
  const slack = travel - (2 * w + 2 * r); // spare distance once the ball has fully crossed
  const before = slack > 0 ? rng.uniform(0, slack) : 0; // gap between ball and bar at the start
  // Bar centre so the whole path [x0 - r, x0 + travel + r] stays inside the world.
  const lo = w + 2 * r + before;
  const hi = W - travel + w + before;
  const xb = clampInto(rng.uniform(lo, hi), lo, hi);
  const x0 = xb - w - r - before;
  const y = rng.uniform(r + 0.5, ctx.worldHeight - r - 0.5);
  const overhangTop = Math.min(rng.uniform(...BAR_OVERHANG), ctx.worldHeight - y - r);
  const overhangBottom = Math.min(rng.uniform(...BAR_OVERHANG), y - r);
  const barTop = y + r + overhangTop;
  const barBottom = y - r - overhangBottom;
  const mirror = (x: number) => (direction === 'left' ? W - x : x);
  const vx = direction === 'left' ? -speed : speed;
  const ball = ctx.object('ball', r, { x: mirror(x0), y, vx, vy: 0 });
  const bar = ctx.bar(w, (barTop - barBottom) / 2, mirror(xb), (barTop + barBottom) / 2, OCCLUDER_COLOR);
  return {
    objects: [ball, bar],
    motions: [{ object: ball.id, direction, speed, speedClass: speedClassOf(speed) }],
    relations: [],
    variant: slack >= 0 ? 'reemerges' : 'hidden',
    physics: { gravity: 0, restitution: 1, friction: 0, floor: false },
  };
};
