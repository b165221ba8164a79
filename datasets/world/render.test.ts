// Rendering against ground truth: where an object is drawn, and how much of it.
import { describe, expect, it } from 'vitest';
import { discPixelArea, discRectArea } from './render.js';
import { coverageOf } from './test-helpers.js';
import { makeSample } from './sample.js';
import { FAMILIES, type WorldSampleMeta } from './spec.js';

/** Pixel window around object k at frame t (one pixel of margin). */
function windowOf(m: WorldSampleMeta, k: number, t: number) {
  const o = m.spec.objects[k];
  const p = m.tracks[k][t];
  const s = m.constants.scale;
  return {
    x0: Math.max(0, Math.floor(p.px - o.halfWidth * s) - 1),
    x1: Math.min(m.width - 1, Math.ceil(p.px + o.halfWidth * s) + 1),
    y0: Math.max(0, Math.floor(p.py - o.halfHeight * s) - 1),
    y1: Math.min(m.height - 1, Math.ceil(p.py + o.halfHeight * s) + 1),
  };
}

/** Whether object k's window at frame t is clear of every other object. */
function isolated(m: WorldSampleMeta, k: number, t: number): boolean {
  const a = windowOf(m, k, t);
  return m.spec.objects.every((_, j) => {
    if (j === k) return true;
    const b = windowOf(m, j, t);
    return a.x1 < b.x0 || b.x1 < a.x0 || a.y1 < b.y0 || b.y1 < a.y0;
  });
}

const SIZES = [32, 64] as const;

describe('renderer', () => {
  it('draws each object with its colour centroid within 0.5 px of the true px, py', () => {
    let checked = 0;
    for (const size of SIZES) {
      for (const family of FAMILIES) {
        for (const split of ['id', 'ood'] as const) {
          for (let index = 0; index < 4; index++) {
            const { frames, meta: m } = makeSample({ family, split, seed: 3, index, width: size, height: size });
            const frameBytes = m.width * m.height * 3;
            m.spec.objects.forEach((o, k) => {
              if (o.static) return;
              for (let t = 0; t < m.numFrames; t++) {
                if (m.tracks[k][t].visible < 0.999 || !isolated(m, k, t)) continue;
                const frame = frames.subarray(t * frameBytes, (t + 1) * frameBytes);
                const c = coverageOf(frame, m.width, o.rgb, windowOf(m, k, t));
                expect(Math.hypot(c.cx - m.tracks[k][t].px, c.cy - m.tracks[k][t].py), `${m.name} object ${k} frame ${t}`).toBeLessThan(0.5);
                checked++;
              }
            });
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('draws fully visible balls with an area within 5% of πr² in pixels', () => {
    let checked = 0;
    for (const family of ['uniform', 'parabola', 'bounce', 'collision'] as const) {
      for (const split of ['id', 'ood'] as const) {
        for (let index = 0; index < 6; index++) {
          const { frames, meta: m } = makeSample({ family, split, seed: 5, index });
          const frameBytes = m.width * m.height * 3;
          m.spec.objects.forEach((o, k) => {
            for (let t = 0; t < m.numFrames; t += 3) {
              if (m.tracks[k][t].visible < 0.999 || !isolated(m, k, t)) continue;
              const frame = frames.subarray(t * frameBytes, (t + 1) * frameBytes);
              const area = coverageOf(frame, m.width, o.rgb, windowOf(m, k, t)).sum;
              const expected = Math.PI * (o.size * m.constants.scale) ** 2;
              expect(Math.abs(area - expected) / expected, `${m.name} frame ${t}`).toBeLessThan(0.05);
              checked++;
            }
          });
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('reports an object behind the occluder as partly visible, and in the open as fully visible', () => {
    for (let index = 0; index < 6; index++) {
      const m = makeSample({ family: 'occlusion', split: 'id', seed: 2, index }).meta;
      const vis = m.tracks[0].map((p) => p.visible);
      expect(Math.min(...vis)).toBeLessThan(0.5);
      expect(Math.max(...vis)).toBeGreaterThan(0.98); // it may start touching the bar, sharing rim pixels
      expect(m.tracks[1].every((p) => p.visible > 0.999)).toBe(true); // the bar is in front
    }
  });

  it('computes disc ∩ rectangle areas exactly', () => {
    expect(discRectArea(2, -3, 3, -3, 3)).toBeCloseTo(Math.PI * 4, 10);
    expect(discRectArea(2, 0, 3, -3, 3)).toBeCloseTo(Math.PI * 2, 10);
    expect(discRectArea(2, 0, 3, 0, 3)).toBeCloseTo(Math.PI, 10);
    // A unit pixel well inside, well outside, and against a brute-force count on the rim.
    expect(discPixelArea(5, -0.5, -0.5)).toBeCloseTo(1, 12);
    expect(discPixelArea(1, 3, 3)).toBe(0);
    let inside = 0;
    const N = 1000;
    for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) if ((1.7 + (a + 0.5) / N) ** 2 + (-1.2 + (b + 0.5) / N) ** 2 <= 2.2 ** 2) inside++;
    expect(discPixelArea(2.2, 1.7, -1.2)).toBeCloseTo(inside / (N * N), 4);
  });
});
