// Split ranges and held-out combinations, and determinism of single samples.
import { describe, expect, it } from 'vitest';
import { makeSample } from './sample.js';
import { FAMILIES, type Family, type Split } from './spec.js';
import { HELD_OUT_COMBOS, SPLIT_RANGES, isHeldOut } from './splits.js';

const inRanges = (v: number, ranges: readonly (readonly [number, number])[]) => ranges.some(([lo, hi]) => v >= lo - 1e-12 && v <= hi + 1e-12);
const N = 30;
const each = (family: Family, split: Split) => Array.from({ length: N }, (_, index) => makeSample({ family, split, seed: 9, index }).meta);

describe('splits', () => {
  it('draws sizes and speeds from the split ranges (PhyWorld id / ood)', () => {
    for (const split of ['id', 'ood', 'combo'] as const) {
      const ranges = SPLIT_RANGES[split];
      for (const family of FAMILIES) {
        for (const m of each(family, split)) {
          for (const o of m.spec.objects.filter((o) => !o.static)) expect(inRanges(o.size, ranges.size), `${m.name} size ${o.size}`).toBe(true);
          // A dropped ball (bounce, variant drop) has no initial speed to draw.
          for (const mo of m.spec.motions) if (m.spec.variant !== 'drop') expect(inRanges(mo.speed, ranges.speed), `${m.name} speed ${mo.speed}`).toBe(true);
        }
      }
    }
    expect(inRanges(0.65, SPLIT_RANGES.ood.size)).toBe(false);
    expect(inRanges(1.0, SPLIT_RANGES.ood.size)).toBe(false);
  });

  it('never shows a held-out colour×shape×family combination in id or ood, and always in combo', () => {
    for (const family of FAMILIES) {
      for (const split of ['id', 'ood'] as const) {
        for (const m of each(family, split)) {
          for (const o of m.spec.objects) expect(isHeldOut(family, o.color, o.shape), `${m.name} ${o.color} ${o.shape}`).toBe(false);
        }
      }
      const combos = new Set<string>();
      for (const m of each(family, 'combo')) {
        const o = m.spec.objects[0];
        expect(isHeldOut(family, o.color, o.shape), `${m.name} ${o.color} ${o.shape}`).toBe(true);
        combos.add(`${o.color} ${o.shape}`);
      }
      expect(combos.size).toBe(HELD_OUT_COMBOS.filter((c) => c.family === family).length);
    }
  });

  it('gives every object of a scene its own colour', () => {
    for (const family of ['collision', 'layout'] as const) {
      for (const m of each(family, 'id')) {
        const colours = m.spec.objects.map((o) => o.color);
        expect(new Set(colours).size).toBe(colours.length);
      }
    }
  });
});

describe('determinism', () => {
  it('the same request gives the same bytes and metadata; another index does not', () => {
    for (const family of FAMILIES) {
      const a = makeSample({ family, split: 'id', seed: 4, index: 7 });
      const b = makeSample({ family, split: 'id', seed: 4, index: 7 });
      const c = makeSample({ family, split: 'id', seed: 4, index: 8 });
      expect(Buffer.from(a.frames).equals(Buffer.from(b.frames))).toBe(true);
      expect(JSON.stringify(a.meta)).toBe(JSON.stringify(b.meta));
      expect(Buffer.from(a.frames).equals(Buffer.from(c.frames))).toBe(false);
    }
  });

  it('renders at any resolution with the stated scale', () => {
    const m = makeSample({ family: 'uniform', split: 'id', seed: 1, index: 0, width: 96, height: 48, numFrames: 5 }).meta;
    expect(m.constants.scale).toBe(4.8);
    expect(m.constants.worldWidth).toBe(20);
    expect(m.tracks[0]).toHaveLength(5);
    expect(m.tracks[0][0].px).toBeCloseTo(m.tracks[0][0].x * 4.8, 12);
    expect(m.tracks[0][0].py).toBeCloseTo(48 - m.tracks[0][0].y * 4.8, 12);
  });
});
