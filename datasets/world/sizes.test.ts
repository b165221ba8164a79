// The world at other sizes and lengths (issue 19): the width follows the aspect, paths stay in
// view where the clip has room for them, and the standard clip is untouched.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeSample } from './sample.js';
import { FAMILIES, SPLITS, type Family, type WorldSampleMeta } from './spec.js';

const SHAPES = [
  { width: 48, height: 32, numFrames: 16 },
  { width: 32, height: 48, numFrames: 16 },
  { width: 64, height: 64, numFrames: 16 },
  { width: 32, height: 32, numFrames: 32 },
  { width: 32, height: 48, numFrames: 32 },
];

/** Whether object k lies wholly inside the world at track point p. */
function inView(m: WorldSampleMeta, k: number, p: { x: number; y: number }): boolean {
  const o = m.spec.objects[k];
  const eps = 1e-6;
  return p.x - o.halfWidth >= -eps && p.x + o.halfWidth <= m.constants.worldWidth + eps && p.y - o.halfHeight >= -eps && p.y + o.halfHeight <= 10 + eps;
}

describe('the world at other sizes', () => {
  it('keeps the standard clip (and wider or sharper clips of 1.5 s) byte-identical: the room rule does not touch them', () => {
    for (const [shape, pinned] of [
      // Pinned from the world before the room rule (commit 812a68a).
      [{}, '97fb9999ec472948'],
      [{ width: 48, height: 32 }, '4c39d22717a4f198'],
    ] as const) {
      const h = createHash('sha256');
      for (const family of FAMILIES) for (const split of SPLITS) for (let index = 0; index < 3; index++) {
        const { meta } = makeSample({ family, split, seed: 3, index, ...shape });
        h.update(JSON.stringify(meta.spec));
      }
      expect(h.digest('hex').slice(0, 16), JSON.stringify(shape)).toBe(pinned);
    }
  });

  it('sets the world width by the aspect (10 units high) and renders the asked size', () => {
    for (const s of SHAPES) {
      const { frames, meta } = makeSample({ family: 'uniform', split: 'id', seed: 1, index: 0, ...s });
      expect(meta.constants.worldWidth).toBeCloseTo((10 * s.width) / s.height, 9);
      expect(meta.constants.scale).toBeCloseTo(s.height / 10, 9);
      expect(frames.length).toBe(s.numFrames * s.width * s.height * 3);
      expect(meta.tracks[0]).toHaveLength(s.numFrames);
    }
  });

  it('keeps in-distribution objects in view for the whole clip at every size and length', () => {
    // Collisions may start or end partly outside (they do in the standard clip too); a thrown
    // ball cannot stay in a 10-unit world for 3.1 s, so at 32 frames it only starts in view.
    // No more often than in the standard clip (a drifting layout group may graze an edge there).
    const whole: Family[] = ['uniform', 'bounce', 'occlusion', 'layout', 'slide'];
    const leaving = (family: Family, shape: object) => {
      let out = 0;
      for (let index = 0; index < 20; index++) {
        const { meta } = makeSample({ family, split: 'id', seed: 5, index, ...shape });
        if (meta.tracks.some((tr, k) => !meta.spec.objects[k].static && tr.some((p) => !inView(meta, k, p)))) out++;
      }
      return out;
    };
    const standard = Object.fromEntries(whole.map((f) => [f, leaving(f, {})]));
    for (const s of SHAPES) {
      for (const family of whole) {
        expect(leaving(family, s), `${family} at ${s.width}×${s.height}×${s.numFrames}`).toBeLessThanOrEqual(Math.max(1, standard[family]));
      }
      for (const family of ['parabola', 'collision'] as const) {
        for (let index = 0; index < 20; index++) {
          const { meta } = makeSample({ family, split: 'id', seed: 5, index, ...s });
          meta.tracks.forEach((tr, k) => expect(inView(meta, k, tr[0]), `${meta.name} starts in view`).toBe(true));
        }
      }
    }
  });
});
