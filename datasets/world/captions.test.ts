// Caption ↔ spec ↔ ground truth: what a caption says is true of the simulated, rendered video.
import { describe, expect, it } from 'vitest';
import { DIRECTION_WORDS, RELATION_WORDS, SIZE_WORDS, TEMPLATE_COUNTS } from './captions.js';
import { PALETTE } from './palette.js';
import { makeSample } from './sample.js';
import { FAMILIES, type Family, type WorldSampleMeta } from './spec.js';
import { coverageOf } from './test-helpers.js';

const N = 40;
const samples = (family: Family, split: 'id' | 'ood' | 'combo' = 'id') =>
  Array.from({ length: N }, (_, index) => makeSample({ family, split, seed: 21, index }));

const says = (caption: string, words: readonly string[]) => words.some((w) => caption.includes(w));

describe('captions', () => {
  it('never writes an empty caption; every layout has a relation', () => {
    for (const family of FAMILIES) {
      for (const split of ['id', 'ood', 'combo'] as const) {
        for (let index = 0; index < 100; index++) {
          const m = makeSample({ family, split, seed: 5, index }).meta;
          expect(m.caption.trim().length, m.name).toBeGreaterThan(10);
          if (family === 'layout') expect(m.spec.relations.length, m.name).toBeGreaterThanOrEqual(1);
        }
      }
    }
  });

  it('every family has at least 5 templates, and all of them are used', () => {
    for (const family of FAMILIES) {
      expect(TEMPLATE_COUNTS[family]).toBeGreaterThanOrEqual(5);
      const used = new Set(samples(family).map((s) => s.meta.template));
      expect(used.size).toBe(TEMPLATE_COUNTS[family]);
    }
  });

  it('"to the left" means vx < 0 throughout (and "to the right" vx > 0)', () => {
    let checked = 0;
    for (const family of ['uniform', 'parabola', 'occlusion', 'bounce', 'slide'] as const) {
      for (const { meta: m } of [...samples(family), ...samples(family, 'ood')]) {
        const left = says(m.caption, DIRECTION_WORDS.left);
        const right = says(m.caption, DIRECTION_WORDS.right);
        if (!left && !right) continue;
        expect(left && right, m.caption).toBe(false);
        const stop = m.spec.events.find((e) => e.type === 'stopped')?.frame ?? m.numFrames;
        for (const p of m.tracks[0].slice(0, stop)) {
          if (left) expect(p.vx, `${m.name}: ${m.caption}`).toBeLessThan(0);
          else expect(p.vx, `${m.name}: ${m.caption}`).toBeGreaterThan(0);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('in collisions, each ball moves the way the caption says until they meet', () => {
    for (const { meta: m } of samples('collision')) {
      const match = /^an? (.+?) moving (.+?) hits an? (.+?) moving (.+)$/.exec(m.caption);
      if (!match) continue;
      const hit = m.spec.events.find((e) => e.type === 'collision')!.frame;
      [match[2], match[4]].forEach((phrase, k) => {
        const sign = DIRECTION_WORDS.left.includes(phrase) ? -1 : 1;
        for (const p of m.tracks[k].slice(0, hit)) expect(Math.sign(p.vx)).toBe(sign);
      });
    }
  });

  it('"left of", "above" … hold in the rendered frames (colour centroids, dominant axis)', () => {
    let checked = 0;
    for (const { frames, meta: m } of [...samples('layout'), ...samples('layout', 'ood')]) {
      const frameBytes = m.width * m.height * 3;
      const whole = { x0: 0, x1: m.width - 1, y0: 0, y1: m.height - 1 };
      for (const r of m.spec.relations) {
        const [subject, object] = [m.spec.objects[r.subject], m.spec.objects[r.object]];
        expect(says(m.caption, RELATION_WORDS[r.relation]), m.caption).toBe(true);
        for (let t = 0; t < m.numFrames; t++) {
          if (m.tracks[r.subject][t].visible < 0.5 || m.tracks[r.object][t].visible < 0.5) continue;
          const frame = frames.subarray(t * frameBytes, (t + 1) * frameBytes);
          const a = coverageOf(frame, m.width, subject.rgb, whole);
          const b = coverageOf(frame, m.width, object.rgb, whole);
          const dx = a.cx - b.cx;
          const dy = a.cy - b.cy; // pixel y points down
          const holds = {
            'left of': dx < 0 && Math.abs(dx) > Math.abs(dy),
            'right of': dx > 0 && Math.abs(dx) > Math.abs(dy),
            above: dy < 0 && Math.abs(dy) > Math.abs(dx),
            below: dy > 0 && Math.abs(dy) > Math.abs(dx),
          }[r.relation];
          expect(holds, `${m.name} frame ${t}: ${m.caption}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('names each object with its rendered colour, shape and (when given) size class', () => {
    for (const family of FAMILIES) {
      for (const { frames, meta: m } of samples(family, 'combo')) {
        for (const [k, o] of m.spec.objects.entries()) {
          if (o.static) continue;
          expect(m.caption, m.name).toContain(`${o.color} ${o.shape}`);
          const sized = new RegExp(`(small|medium-sized|large) ${o.color} ${o.shape}`).exec(m.caption);
          if (sized) expect(sized[1]).toBe(SIZE_WORDS[o.sizeClass]);
          // Its exact palette colour is drawn in the frame where it is most visible.
          const t = m.tracks[k].reduce((best, p) => (p.visible > m.tracks[k][best].visible ? p.t : best), 0);
          const frame = frames.subarray(t * m.width * m.height * 3, (t + 1) * m.width * m.height * 3);
          let exact = 0;
          for (let p = 0; p < frame.length; p += 3) {
            if (frame[p] === PALETTE[o.color as keyof typeof PALETTE][0] && frame[p + 1] === o.rgb[1] && frame[p + 2] === o.rgb[2]) exact++;
          }
          expect(exact, `${m.name}: ${o.color}`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('says "reappears" only when the ball does come out from behind the bar', () => {
    for (const { meta: m } of samples('occlusion')) {
      const reappeared = m.spec.events.some((e) => e.type === 'reappeared');
      expect(m.spec.events.some((e) => e.type === 'occluded'), m.name).toBe(true);
      expect(reappeared, `${m.name}: ${m.caption}`).toBe(m.spec.variant === 'reemerges');
    }
  });
});

export type { WorldSampleMeta };
