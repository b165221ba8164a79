import { describe, expect, it } from 'vitest';
import { makeSample } from '../../datasets/world/sample.js';
import { PIXEL_FEATURE_DIM, pixelFeatures } from '../encoder/pixel-features.js';
import { MOTION_FEATURE_DIM, motionFeatures } from './motion-features.js';

describe('motion features (FVMD-style histograms)', () => {
  it('a ball moving right at 2 units/s: all velocity in the rightward bin, no acceleration', () => {
    const points = Array.from({ length: 10 }, (_, t) => ({ frame: t, x: 1 + 0.2 * t, y: 5, area: 3 }));
    const f = motionFeatures([{ color: 'red', points }], 10);
    expect(f).toHaveLength(MOTION_FEATURE_DIM);
    expect(f[0]).toBeCloseTo(Math.log1p(2), 9); // direction bin 0 (centred on 0°), weighted by log(1 + |v|)
    expect(f.slice(1, 8).every((v) => v === 0)).toBe(true);
    // |v| = 2 lies between the centres 1.5 and 3: 2/3 and 1/3.
    f.slice(8, 14).forEach((v, k) => expect(v).toBeCloseTo([0, 0, 2 / 3, 1 / 3, 0, 0][k], 9));
    f.slice(22, 28).forEach((v, k) => expect(v).toBeCloseTo([1, 0, 0, 0, 0, 0][k], 9)); // |a| = 0
  });

  it('move continuously: a slightly slower, slightly tilted motion gives nearly the same features', () => {
    const track = (speed: number, tilt: number) => [{ color: 'red', points: Array.from({ length: 8 }, (_, t) => ({ frame: t, x: speed * t * Math.cos(tilt) * 0.1, y: speed * t * Math.sin(tilt) * 0.1, area: 1 })) }];
    const [a, b] = [motionFeatures(track(3, Math.PI / 2), 10), motionFeatures(track(2.97, Math.PI / 2 + 0.01), 10)];
    a.forEach((v, k) => expect(Math.abs(v - b[k])).toBeLessThan(0.03)); // a hard bin edge here would jump by up to 1
  });

  it('gaps in a track break the derivatives instead of inventing a jump', () => {
    const points = [0, 1, 5, 6].map((t) => ({ frame: t, x: t, y: 0, area: 1 }));
    const f = motionFeatures([{ color: 'red', points }], 1);
    expect(f.slice(8, 14).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12); // 2 velocities, both 1 unit/s
    expect(f.slice(22, 28).reduce((a, b) => a + b, 0)).toBe(0); // no two consecutive velocities
  });
});

describe('pixel features', () => {
  it('have a fixed length at any clip size and see where the colour is', () => {
    const sample = (size: number) => {
      const { frames, meta } = makeSample({ family: 'uniform', split: 'id', seed: 1, index: 0, width: size, height: size });
      return { frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps };
    };
    const [a, b] = [pixelFeatures(sample(32)), pixelFeatures(sample(64))];
    expect(a).toHaveLength(PIXEL_FEATURE_DIM);
    expect(b).toHaveLength(PIXEL_FEATURE_DIM);
    expect(Math.max(...a.slice(0, 9))).toBeGreaterThan(0.5); // one palette colour dominates the foreground
    a.forEach((v, k) => expect(Math.abs(v - b[k])).toBeLessThan(0.15)); // the same scene at twice the size: edges differ
  });
});
