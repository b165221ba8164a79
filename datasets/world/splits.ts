/**
 * The three splits, as in PhyWorld: `id` draws radius and speed from the training
 * ranges, `ood` from outside them, and `combo` uses in-range values but colour×shape×family
 * combinations that `id` never shows (listed below, the split definition).
 */
import type { ColorName } from './palette.js';
import type { Family, Shape, Split } from './spec.js';

export type Range = readonly [number, number];

export interface SplitRanges {
  /** Radius (ball) or half-side (square) in world units, a union of intervals. */
  size: readonly Range[];
  /** Initial speed in world units per second, a union of intervals. */
  speed: readonly Range[];
}

export const SPLIT_RANGES: Readonly<Record<Split, SplitRanges>> = {
  id: { size: [[0.7, 1.5]], speed: [[1.0, 4.0]] },
  ood: {
    size: [
      [0.3, 0.6],
      [1.5, 2.0],
    ],
    speed: [
      [0.0, 0.8],
      [4.5, 6.0],
    ],
  },
  combo: { size: [[0.7, 1.5]], speed: [[1.0, 4.0]] },
};

export interface Combo {
  family: Family;
  color: ColorName;
  shape: Exclude<Shape, 'bar'>;
}

/**
 * Combinations held out of `id` (and `ood`) and shown only in `combo`. In a `combo`
 * sample the first object has one of its family's held-out combinations.
 */
export const HELD_OUT_COMBOS: readonly Combo[] = [
  { family: 'uniform', color: 'purple', shape: 'ball' },
  { family: 'parabola', color: 'green', shape: 'ball' },
  { family: 'bounce', color: 'blue', shape: 'ball' },
  { family: 'collision', color: 'yellow', shape: 'ball' },
  { family: 'occlusion', color: 'red', shape: 'ball' },
  { family: 'layout', color: 'orange', shape: 'square' },
  { family: 'layout', color: 'cyan', shape: 'ball' },
  { family: 'slide', color: 'white', shape: 'square' },
];

export function isHeldOut(family: Family, color: string, shape: Shape): boolean {
  return HELD_OUT_COMBOS.some((c) => c.family === family && c.color === color && c.shape === shape);
}

export function heldOutFor(family: Family): Combo[] {
  return HELD_OUT_COMBOS.filter((c) => c.family === family);
}
