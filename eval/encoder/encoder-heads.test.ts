import { describe, expect, it } from 'vitest';
import { makeSample } from '../../datasets/world/sample.js';
import { ENCODER_HEADS, HEAD_OFFSETS, HEAD_OUTPUTS, headHits, headTargets } from './encoder-heads.js';

/** The named outputs of one head that are set in a target vector. */
const on = (y: Float32Array, name: string) => {
  const k = ENCODER_HEADS.findIndex((h) => h.name === name);
  return ENCODER_HEADS[k].outputs.filter((_, j) => y[HEAD_OFFSETS[k] + j] === 1);
};

describe('encoder head targets from the ground truth', () => {
  it('a collision: two balls, their colours, the collision event, their directions', () => {
    const { meta } = makeSample({ family: 'collision', split: 'id', seed: 1, index: 0 });
    const y = headTargets(meta);
    expect(y).toHaveLength(HEAD_OUTPUTS);
    expect(on(y, 'family')).toEqual(['collision']);
    expect(on(y, 'colours').sort()).toEqual(meta.spec.objects.map((o) => o.color).sort());
    expect(on(y, 'count')).toEqual(['2']);
    expect(on(y, 'shape')).toEqual(['ball']);
    expect(on(y, 'events')).toEqual(['collision']);
    expect(on(y, 'direction')).toEqual([meta.spec.motions[0].direction]);
    expect(on(y, 'relation')).toEqual(['none']);
    const trajectory = HEAD_OFFSETS[ENCODER_HEADS.findIndex((h) => h.name === 'trajectory')];
    expect(y[trajectory]).toBeCloseTo(meta.tracks[0][0].px / 32, 6);
    expect(y[trajectory + 7]).toBeCloseTo(meta.tracks[0][15].py / 32, 6);
  });

  it('an occlusion scene skips the grey bar; a static layout has no direction', () => {
    const occlusion = headTargets(makeSample({ family: 'occlusion', split: 'id', seed: 1, index: 0 }).meta);
    expect(on(occlusion, 'count')).toEqual(['1']);
    expect(on(occlusion, 'events')).toContain('occluded');
    let index = 0;
    let still = makeSample({ family: 'layout', split: 'id', seed: 1, index }).meta;
    while (still.spec.motions.length > 0 && index < 20) still = makeSample({ family: 'layout', split: 'id', seed: 1, index: ++index }).meta;
    expect(still.spec.variant).toBe('static');
    const y = headTargets(still);
    expect(on(y, 'direction')).toEqual(['none']);
    expect(on(y, 'relation')).toEqual([still.spec.relations[0].relation]);
  });

  it('scores a head: arg-max for a class, every bit for a set, mean absolute error for values', () => {
    const y = headTargets(makeSample({ family: 'bounce', split: 'id', seed: 1, index: 0 }).meta);
    const [family, colours, trajectory] = ['family', 'colours', 'trajectory'].map((n) => ENCODER_HEADS.find((h) => h.name === n)!);
    const logits = Float32Array.from(y, (v) => (v === 1 ? 5 : -5));
    expect(headHits(family, logits, y)).toBe(1);
    expect(headHits(colours, logits, y)).toBe(1);
    const white = HEAD_OFFSETS[ENCODER_HEADS.indexOf(colours)] + 7;
    logits[white] = -logits[white]; // one colour bit wrong
    expect(headHits(colours, logits, y)).toBe(0);
    const off = Float32Array.from(y);
    for (let j = 0; j < 8; j++) off[HEAD_OFFSETS[ENCODER_HEADS.indexOf(trajectory)] + j] += 0.1;
    expect(headHits(trajectory, off, y)).toBeCloseTo(0.1, 6);
  });
});
