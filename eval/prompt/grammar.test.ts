import { describe, expect, it } from 'vitest';
import { makeSample } from '../../datasets/world/sample.js';
import { FAMILIES, SPLITS } from '../../datasets/world/spec.js';
import { parsePrompt } from './grammar.js';

describe('parsePrompt', () => {
  it('reads back every caption the world writes, with the spec it was written from', () => {
    let n = 0;
    for (const family of FAMILIES) {
      for (const split of SPLITS) {
        for (let index = 0; index < 12; index++) {
          const { meta } = makeSample({ family, split, seed: 7, index });
          const parsed = parsePrompt(meta.caption);
          expect(parsed, meta.caption).not.toBeNull();
          expect(parsed!.family).toBe(family);
          expect(parsed!.objects.map((o) => `${o.color} ${o.shape}`).sort()).toEqual(
            meta.spec.objects.filter((o) => !o.static).map((o) => `${o.color} ${o.shape}`).sort(),
          );
          for (const o of parsed!.objects) {
            const truth = meta.spec.objects.find((s) => s.color === o.color)!;
            if (o.sizeClass) expect(o.sizeClass).toBe(truth.sizeClass);
          }
          for (const m of parsed!.motions) {
            const o = parsed!.objects[m.object];
            const truth = meta.spec.motions.find((s) => meta.spec.objects[s.object].color === o.color)!;
            expect(m.direction, meta.caption).toBe(truth.direction);
            if (m.speedClass) expect(m.speedClass).toBe(truth.speedClass);
          }
          for (const r of parsed!.relations) {
            const sub = meta.spec.objects.findIndex((o) => o.color === parsed!.objects[r.subject].color);
            const obj = meta.spec.objects.findIndex((o) => o.color === parsed!.objects[r.object].color);
            expect(meta.spec.relations).toContainEqual({ subject: sub, relation: r.relation, object: obj });
          }
          n++;
        }
      }
    }
    expect(n).toBe(252);
  });

  it('reports paraphrases outside the grammar as unparsed', () => {
    expect(parsePrompt('a red ball rolls to the left')).toBeNull();
    expect(parsePrompt('a crimson ball moves to the left slowly')).toBeNull();
    expect(parsePrompt('a red ball moves to the left slowly and then stops')).toBeNull();
    expect(parsePrompt('A Red ball moves to the left slowly.')).not.toBeNull();
  });
});
