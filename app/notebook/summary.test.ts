import { describe, expect, it } from 'vitest';
import { makeSample } from '../../datasets/world/sample.js';
import { sampleSummary } from './summary.js';

describe('sampleSummary', () => {
  it('flattens the spec next to the caption', () => {
    const meta = makeSample({ family: 'occlusion', split: 'id', seed: 3, index: 0 }).meta;
    const row = sampleSummary(meta);
    const ball = meta.spec.objects.find((o) => o.shape === 'ball')!;
    expect(row).toEqual({
      name: 'id-occlusion-000000',
      family: 'occlusion',
      split: 'id',
      variant: meta.spec.variant,
      objects: 1, // the bar is not counted
      sizeClasses: ball.sizeClass,
      events: meta.spec.events.map((e) => `${e.type}@${e.frame}`).join(', '),
      caption: meta.caption,
    });
    expect(row.events).toMatch(/^occluded@\d+/);
  });

  it('leaves the spec columns empty for an imported video without states', () => {
    const meta = { ...makeSample({ family: 'uniform', split: 'id', seed: 0, index: 0 }).meta, spec: null, constants: null, tracks: [] };
    expect(sampleSummary(meta)).toMatchObject({ family: '', objects: 0, events: '', sizeClasses: '' });
  });
});
