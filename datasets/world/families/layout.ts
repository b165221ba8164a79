/**
 * `layout`: two or three balls and squares in a spatial relation (left of, right of,
 * above, below), static or drifting together (so every relation holds in every frame).
 * Offsets along the relation's axis always dominate the other axis, so the relation is
 * unambiguous under T2V-CompBench's signed dominant-axis rule.
 */
import { clampInto, startCoord, velocityAlong, type FamilySampler } from './context.js';
import { speedClassOf, type Direction, type ObjectSpec, type Relation, type RelationSpec } from '../spec.js';
import type { Rng } from '../../../base/rng.js';

const RELATIONS: readonly Relation[] = ['left of', 'right of', 'above', 'below'];
const DIRECTIONS: readonly Direction[] = ['left', 'right', 'up', 'down'];
/** Clear space between two related objects along the relation's axis, in units. */
const GAP: readonly [number, number] = [0.3, 1.5];
const MAX_TRIES = 200;

interface Placed {
  shape: 'ball' | 'square';
  size: number;
  x: number;
  y: number;
}

/** Offset of the subject from the object for `relation` (world y up). */
function offsetFor(rng: Rng, relation: Relation, subject: Placed, object: Placed): [number, number] {
  const along = subject.size + object.size + rng.uniform(...GAP);
  const across = rng.uniform(-0.35, 0.35) * along; // |across| < along: the axis stays dominant
  switch (relation) {
    case 'left of':
      return [-along, across];
    case 'right of':
      return [along, across];
    case 'above':
      return [across, along];
    case 'below':
      return [across, -along];
  }
}

/** Closer than a clear 0.2 units on both axes (axis-aligned boxes: exact for squares, safe for balls). */
function overlaps(a: Placed, b: Placed): boolean {
  const clear = a.size + b.size + 0.2;
  return Math.abs(a.x - b.x) < clear && Math.abs(a.y - b.y) < clear;
}

export const layout: FamilySampler = (ctx) => {
  const { rng } = ctx;
  const shape0 = ctx.comboShape(rng.pick(['ball', 'square'] as const));
  const placed: Placed[] = [{ shape: shape0, size: ctx.size(), x: 0, y: 0 }];
  const relations: RelationSpec[] = [];
  const wanted = rng.chance(0.5) ? 3 : 2;
  for (let tries = 0; placed.length < wanted && tries < MAX_TRIES; tries++) {
    // Object k is related to an earlier object (k = 1 always to object 0).
    const anchor = placed.length === 1 ? 0 : rng.int(0, placed.length - 1);
    const candidate: Placed = { shape: rng.pick(['ball', 'square'] as const), size: ctx.size(), x: 0, y: 0 };
    const relation = rng.pick(RELATIONS);
    const [dx, dy] = offsetFor(rng, relation, candidate, placed[anchor]);
    candidate.x = placed[anchor].x + dx;
    candidate.y = placed[anchor].y + dy;
    if (placed.some((p) => overlaps(p, candidate))) continue;
    const xs = [...placed, candidate];
    const width = Math.max(...xs.map((p) => p.x + p.size)) - Math.min(...xs.map((p) => p.x - p.size));
    const height = Math.max(...xs.map((p) => p.y + p.size)) - Math.min(...xs.map((p) => p.y - p.size));
    if (width > ctx.worldWidth - 0.4 || height > ctx.worldHeight - 0.4) continue;
    relations.push({ subject: placed.length, relation, object: anchor });
    placed.push(candidate);
  }

  // A relation needs two objects; two always fit (sizes ≤ 2, a world at least 10 units high), so not
  // placing one is a bug, never a scene to caption.
  if (placed.length < 2) throw new Error(`layout: could not place a second object in ${MAX_TRIES} tries`);

  // Move the group into the world, leaving room for the drift.
  const minX = Math.min(...placed.map((p) => p.x - p.size));
  const maxX = Math.max(...placed.map((p) => p.x + p.size));
  const minY = Math.min(...placed.map((p) => p.y - p.size));
  const maxY = Math.max(...placed.map((p) => p.y + p.size));
  const halfW = (maxX - minX) / 2;
  const halfH = (maxY - minY) / 2;
  const moving = rng.chance(0.5);
  // A group too wide for a split's speeds across a narrow or long clip drifts along the other axis.
  const roomAlong = (d: Direction) => (d === 'left' || d === 'right' ? ctx.worldWidth - 2 * halfW : ctx.worldHeight - 2 * halfH);
  const roomy = DIRECTIONS.filter((d) => ctx.roomFor(roomAlong(d)));
  const direction = rng.pick(roomy.length > 0 ? roomy : DIRECTIONS);
  const speed = moving ? ctx.speed(roomAlong(direction)) : 0;
  const { vx, vy } = velocityAlong(direction, speed);
  const cx = clampInto(startCoord(rng, vx * ctx.duration, halfW, ctx.worldWidth), halfW, ctx.worldWidth - halfW);
  const cy = clampInto(startCoord(rng, vy * ctx.duration, halfH, ctx.worldHeight), halfH, ctx.worldHeight - halfH);
  const shiftX = cx - (minX + maxX) / 2;
  const shiftY = cy - (minY + maxY) / 2;

  const objects: ObjectSpec[] = placed.map((p) => ctx.object(p.shape, p.size, { x: p.x + shiftX, y: p.y + shiftY, vx, vy }));
  return {
    objects,
    motions: moving ? objects.map((o) => ({ object: o.id, direction, speed, speedClass: speedClassOf(speed) })) : [],
    relations,
    variant: moving ? 'moving' : 'static',
    physics: { gravity: 0, restitution: 0, friction: 0, floor: false },
  };
};
