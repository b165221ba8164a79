// Physics from ground truth: the simulator's tracks obey the laws each family claims.
import { describe, expect, it } from 'vitest';
import { fitQuadratic } from './test-helpers.js';
import { makeSample } from './sample.js';
import type { Family, Split, WorldSampleMeta } from './spec.js';

const SEEDS = [0, 1, 2, 3, 4, 5, 6, 7];
const metas = (family: Family, split: Split = 'id', extra = {}) =>
  SEEDS.map((index) => makeSample({ family, split, seed: 11, index, ...extra }).meta);
const mass = (m: WorldSampleMeta, k: number) => m.spec.objects[k].size ** 2; // equal density: m ∝ r²

describe('free flight', () => {
  it('parabola tracks fit y = y0 + v0·t + ½·g·t² with g within 1%', () => {
    for (const m of [...metas('parabola'), ...metas('parabola', 'ood')]) {
      const track = m.tracks[0];
      const t = track.map((p) => p.t / m.fps);
      const { c, rms } = fitQuadratic(t, track.map((p) => p.y));
      expect(Math.abs(-2 * c[2] - m.constants.gravity) / m.constants.gravity).toBeLessThan(0.01);
      expect(rms).toBeLessThan(0.01);
      // Horizontal motion is uniform: vx constant.
      for (const p of track) expect(p.vx).toBeCloseTo(track[0].vx, 9);
    }
  });

  it('a dropped ball falls at g until its first bounce', () => {
    for (const m of metas('bounce')) {
      const first = m.spec.events.find((e) => e.type === 'bounce')!;
      const before = m.tracks[0].filter((p) => p.t < first.frame);
      if (before.length < 4) continue;
      const { c } = fitQuadratic(before.map((p) => p.t / m.fps), before.map((p) => p.y));
      expect(Math.abs(-2 * c[2] - m.constants.gravity) / m.constants.gravity).toBeLessThan(0.01);
    }
  });
});

describe('uniform motion', () => {
  it('keeps its speed constant within 1%, from positions and from velocities', () => {
    for (const m of [...metas('uniform'), ...metas('uniform', 'ood')]) {
      const track = m.tracks[0];
      const v0 = Math.hypot(track[0].vx, track[0].vy);
      for (let t = 1; t < track.length; t++) {
        const moved = Math.hypot(track[t].x - track[t - 1].x, track[t].y - track[t - 1].y) * m.fps;
        expect(Math.abs(moved - v0)).toBeLessThanOrEqual(0.01 * Math.max(v0, 0.1));
        expect(Math.abs(Math.hypot(track[t].vx, track[t].vy) - v0)).toBeLessThanOrEqual(0.01 * Math.max(v0, 0.1));
      }
    }
  });
});

describe('elastic collision', () => {
  it('conserves momentum and kinetic energy within 2%', () => {
    for (const m of [...metas('collision'), ...metas('collision', 'ood')]) {
      const hit = m.spec.events.find((e) => e.type === 'collision');
      expect(hit, `${m.name} has a collision`).toBeDefined();
      const momentum = (t: number) =>
        [0, 1].reduce((acc, k) => [acc[0] + mass(m, k) * m.tracks[k][t].vx, acc[1] + mass(m, k) * m.tracks[k][t].vy], [0, 0]);
      const energy = (t: number) => [0, 1].reduce((s, k) => s + 0.5 * mass(m, k) * (m.tracks[k][t].vx ** 2 + m.tracks[k][t].vy ** 2), 0);
      const last = m.numFrames - 1;
      const [p0, p1] = [momentum(0), momentum(last)];
      const scale = Math.max(Math.hypot(...p0), mass(m, 0) * Math.hypot(m.tracks[0][0].vx), 1e-6);
      expect(Math.hypot(p1[0] - p0[0], p1[1] - p0[1]) / scale).toBeLessThan(0.02);
      expect(Math.abs(energy(last) - energy(0)) / energy(0)).toBeLessThan(0.02);
      // The collision really changed the velocities.
      expect(Math.abs(m.tracks[0][last].vx - m.tracks[0][0].vx)).toBeGreaterThan(0.1);
    }
  });
});

describe('bounce', () => {
  it('successive apex heights scale by e² (within 5%)', () => {
    // An 8 s clip at 100 fps, so apexes are sampled finely and three bounces happen. The
    // first two ratios are checked: tiny late bounces meet Box2D's slop and velocity threshold.
    for (const m of metas('bounce', 'id', { numFrames: 800, fps: 100, substeps: 10 })) {
      const r = m.spec.objects[0].size;
      const e = m.constants.restitution;
      const bounces = m.spec.events.filter((ev) => ev.type === 'bounce').map((ev) => ev.frame);
      expect(bounces.length).toBeGreaterThanOrEqual(3);
      const apex = (from: number, to: number) => Math.max(...m.tracks[0].slice(from, to).map((p) => p.y - r));
      const heights = [apex(0, bounces[0]), apex(bounces[0], bounces[1]), apex(bounces[1], bounces[2])];
      for (let k = 1; k < heights.length; k++) {
        const ratio = heights[k] / heights[k - 1];
        expect(Math.abs(ratio - e * e) / (e * e), `${m.name} bounce ${k}: ratio ${ratio} vs e² ${e * e}`).toBeLessThan(0.05);
      }
    }
  });

  it('nothing sinks into the floor by more than 1 px', () => {
    for (const family of ['bounce', 'slide'] as const) {
      for (const m of [...metas(family), ...metas(family, 'ood')]) {
        for (const [k, track] of m.tracks.entries()) {
          const half = m.spec.objects[k].halfHeight;
          for (const p of track) expect((p.y - half) * m.constants.scale).toBeGreaterThan(-1);
        }
      }
    }
  });
});

describe('slide', () => {
  it('decelerates at μ·g (within 2%) and stops inside the clip', () => {
    for (const m of metas('slide')) {
      const stop = m.spec.events.find((e) => e.type === 'stopped');
      expect(stop, `${m.name} stops`).toBeDefined();
      const moving = m.tracks[0].filter((p) => p.t < stop!.frame - 1);
      const { c } = fitQuadratic(moving.map((p) => p.t / m.fps), moving.map((p) => p.vx));
      // vx(t) is linear while sliding: c1 is the acceleration.
      const decel = Math.abs(c[1]);
      expect(Math.abs(decel - m.constants.friction * m.constants.gravity) / (m.constants.friction * m.constants.gravity)).toBeLessThan(0.02);
      expect(Math.abs(m.tracks[0][m.numFrames - 1].vx)).toBeLessThan(0.05);
    }
  });
});
