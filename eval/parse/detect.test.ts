/**
 * The occluder is found once per video as a static grey rectangle (eval/parse/detect.ts); the
 * anti-aliased grey rim of a white object at rest is not one.
 */
import { describe, expect, it } from 'vitest';
import { makeSample } from '../../datasets/world/sample.js';
import type { Family, Split } from '../../datasets/world/spec.js';
import { parseVideo } from './tracks.js';

function parsed(family: Family, split: Split, index: number) {
  const { frames, meta } = makeSample({ family, split, seed: 11, index });
  return { meta, parsed: parseVideo({ frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps }) };
}

describe('occluder detection', () => {
  it('does not read the grey rim of a white square at rest as a bar', () => {
    const { meta, parsed: p } = parsed('slide', 'combo', 8);
    expect(meta.caption).toContain('white square');
    expect(p.occluders).toHaveLength(0);
    expect(p.tracks.map((t) => t.color)).toEqual(['white']);
  });

  it('finds the bar of an occlusion clip where it stands', () => {
    const { meta, parsed: p } = parsed('occlusion', 'id', 3);
    const bar = meta.spec.objects.find((o) => o.static)!;
    expect(p.occluders).toHaveLength(1);
    const [x0, , x1] = p.occluders[0];
    expect((x0 + x1) / 2).toBeCloseTo(bar.initial.x, 1);
  });
});
