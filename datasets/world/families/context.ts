/**
 * What every family sampler draws from: the split's ranges, the colour rules of the
 * split, the world's size and the clip's duration. Keeps the per-family files about
 * physics set-up only.
 */
import { COLOR_NAMES, PALETTE, type ColorName } from '../palette.js';
import type { Rng } from '../../../base/rng.js';
import {
  sizeClassOf,
  speedClassOf,
  type Direction,
  type Family,
  type MotionSpec,
  type ObjectSpec,
  type RelationSpec,
  type Shape,
  type Split,
  type WorldConstants,
} from '../spec.js';
import { SPLIT_RANGES, heldOutFor, isHeldOut, type Range, type SplitRanges } from '../splits.js';

/** What a family sampler returns: the initial scene, before simulation. */
export interface SceneSetup {
  objects: ObjectSpec[];
  motions: MotionSpec[];
  relations: RelationSpec[];
  variant: string;
  physics: Pick<WorldConstants, 'gravity' | 'restitution' | 'friction' | 'floor'>;
}

export type FamilySampler = (ctx: FamilyContext) => SceneSetup;

/** Standard gravity in units/s² (one unit is a metre, as in Box2D). */
export const GRAVITY = 9.8;
/**
 * Seconds from the first to the last frame of the world's standard clip (16 frames at 10 fps).
 * Its 10×10-unit world is what the split's speed ranges were set for; see FamilyContext.speed.
 */
export const STANDARD_DURATION = 1.5;

export class FamilyContext {
  readonly ranges: SplitRanges;
  private readonly used = new Set<ColorName>();
  private nextId = 0;

  constructor(
    readonly rng: Rng,
    readonly family: Family,
    readonly split: Split,
    readonly worldWidth: number,
    readonly worldHeight: number,
    /** Seconds from the first to the last frame. */
    readonly duration: number,
  ) {
    this.ranges = SPLIT_RANGES[split];
  }

  /**
   * A radius / half-side drawn from the split's size ranges; in a clip with less room than the
   * standard one (see `speed`), cut at `most` units where the family needs it to fit.
   */
  size(most = Infinity): number {
    return this.rng.fromRanges(this.cut(this.ranges.size, 0, most));
  }

  /**
   * An initial speed drawn from the split's speed ranges. In a clip with less room than the
   * standard one (longer than 1.5 s, or a world narrower than it is high), the ranges are cut
   * at `room / duration` so a path of `room` units (the family's free space along the motion)
   * stays in view for the whole clip, and at `least` (units/s) from below where the family
   * needs a minimum; a split with no speed left in between (ood's fast range only) keeps its
   * ranges, and its objects may leave the view, as fast ood objects do in the standard clip.
   * Same single draw either way, and the standard clip (and any wider or higher-resolution
   * one of 1.5 s) is untouched: its samples stay byte-identical.
   */
  speed(room = Infinity, least = 0): number {
    return this.rng.fromRanges(this.cut(this.ranges.speed, least, Math.max(0, room) / this.duration));
  }

  /** Whether some speed of the split keeps a path of `room` units in view (always, in a clip with the standard room). */
  roomFor(room: number): boolean {
    return !this.tight() || within(this.ranges.speed, 0, Math.max(0, room) / this.duration).length > 0;
  }

  /** A clip with less room than the standard one: longer than 1.5 s, or a world narrower than it is high. */
  private tight(): boolean {
    return this.duration > STANDARD_DURATION || this.worldWidth < this.worldHeight;
  }

  /** `ranges` cut to [least, most] in a tight clip; the ranges themselves when nothing is left or the clip has room. */
  private cut(ranges: readonly Range[], least: number, most: number): readonly Range[] {
    const cut = this.tight() ? within(ranges, least, most) : [];
    return cut.length > 0 ? cut : ranges;
  }

  /**
   * A colour for a new object of `shape`, distinct within the scene. In `combo` the
   * first object takes one of the family's held-out combinations; every other choice
   * avoids them, so `id` and `ood` never show a held-out combination.
   */
  color(shape: Exclude<Shape, 'bar'>): ColorName {
    if (this.split === 'combo' && this.nextId === 0) {
      const options = heldOutFor(this.family).filter((c) => c.shape === shape);
      if (options.length > 0) return this.take(this.rng.pick(options).color);
    }
    const allowed = COLOR_NAMES.filter((c) => !this.used.has(c) && !isHeldOut(this.family, c, shape));
    return this.take(this.rng.pick(allowed));
  }

  /** The shape the first object must have in `combo` (held-out combos fix it). */
  comboShape(fallback: Exclude<Shape, 'bar'>): Exclude<Shape, 'bar'> {
    if (this.split !== 'combo' || this.nextId !== 0) return fallback;
    const options = heldOutFor(this.family);
    return options.length > 0 ? this.rng.pick(options).shape : fallback;
  }

  private take(color: ColorName): ColorName {
    this.used.add(color);
    return color;
  }

  /** A ball or square with the given initial state. */
  object(
    shape: Exclude<Shape, 'bar'>,
    size: number,
    initial: ObjectSpec['initial'],
    color: ColorName = this.color(shape),
  ): ObjectSpec {
    return {
      id: this.nextId++,
      shape,
      color,
      rgb: PALETTE[color],
      size,
      sizeClass: sizeClassOf(size),
      halfWidth: size,
      halfHeight: size,
      static: false,
      initial,
    };
  }

  /** A static bar (the occluder); `rgb` is not a palette colour. */
  bar(halfWidth: number, halfHeight: number, x: number, y: number, rgb: readonly [number, number, number]): ObjectSpec {
    return {
      id: this.nextId++,
      shape: 'bar',
      color: 'gray',
      rgb,
      size: halfWidth,
      sizeClass: sizeClassOf(halfWidth),
      halfWidth,
      halfHeight,
      static: true,
      initial: { x, y, vx: 0, vy: 0 },
    };
  }
}

/** The parts of a union of intervals inside [least, most]. */
function within(ranges: readonly Range[], least: number, most: number): Range[] {
  return ranges.map(([lo, hi]) => [Math.max(lo, least), Math.min(hi, most)] as const).filter(([lo, hi]) => lo < hi);
}

/** Velocity components for a speed along a direction. */
export function velocityAlong(direction: Direction, speed: number): { vx: number; vy: number } {
  switch (direction) {
    case 'left':
      return { vx: -speed, vy: 0 };
    case 'right':
      return { vx: speed, vy: 0 };
    case 'up':
      return { vx: 0, vy: speed };
    case 'down':
      return { vx: 0, vy: -speed };
  }
}

/** The motion entry of an object from its initial velocity (dominant axis, signed). */
export function motionOf(object: ObjectSpec, speedForClass = Math.hypot(object.initial.vx, object.initial.vy)): MotionSpec {
  const { vx, vy } = object.initial;
  const direction: Direction = Math.abs(vx) >= Math.abs(vy) ? (vx < 0 ? 'left' : 'right') : vy < 0 ? 'down' : 'up';
  return { object: object.id, direction, speed: speedForClass, speedClass: speedClassOf(speedForClass) };
}

/** Clamp `value` into [lo, hi]; when the interval is empty, its midpoint. */
export function clampInto(value: number, lo: number, hi: number): number {
  if (lo > hi) return (lo + hi) / 2;
  return Math.min(hi, Math.max(lo, value));
}

/**
 * A start coordinate on one axis such that an object of half-extent `half`, moved by
 * `displacement` over the clip, stays inside [0, extent] throughout; when the path
 * cannot fit, the object starts at the edge it moves away from.
 */
export function startCoord(rng: Rng, displacement: number, half: number, extent: number): number {
  const lo = half - Math.min(0, displacement);
  const hi = extent - half - Math.max(0, displacement);
  if (lo <= hi) return rng.uniform(lo, hi);
  return displacement >= 0 ? half : extent - half;
}
