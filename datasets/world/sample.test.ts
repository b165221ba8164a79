import { describe, expect, it } from 'vitest';
import { makeSample } from './sample.js';

describe('makeSample with a scene change', () => {
  const request = { family: 'bounce', split: 'id', seed: 7, index: 3 } as const;

  it('changes nothing when the change returns the drawn set-up (the same bytes as without one)', () => {
    const plain = makeSample(request);
    const same = makeSample(request, (setup) => setup);
    expect(Buffer.from(same.frames).equals(Buffer.from(plain.frames))).toBe(true);
    expect(same.meta).toEqual(plain.meta);
  });

  it('re-simulates the changed scene: the same start and caption, a different rebound', () => {
    const plain = makeSample(request).meta;
    const bouncier = makeSample(request, (s) => ({ ...s, physics: { ...s.physics, restitution: 0.95 } })).meta;
    expect(bouncier.constants.restitution).toBe(0.95);
    expect([bouncier.caption, bouncier.template]).toEqual([plain.caption, plain.template]); // the same word draws
    const bounce = plain.spec.events.find((e) => e.type === 'bounce')!.frame;
    expect(bouncier.tracks[0].slice(0, bounce)).toEqual(plain.tracks[0].slice(0, bounce)); // identical until the floor
    const apex = (m: typeof plain) => Math.max(...m.tracks[0].slice(bounce + 1).map((p) => p.y));
    expect(apex(bouncier)).toBeGreaterThan(apex(plain) + 0.3);
  });
});
