/**
 * pointAt must stay O(1) per lookup (issue 18, D3: a linear scan per lookup made scoring
 * quadratic in frames). Checked structurally, by counting how often the points are read,
 * never by timing.
 */
import { describe, expect, it } from 'vitest';
import type { ParsedPoint, ParsedTrack } from '../parse/tracks.js';
import { pointAt } from './kinematics.js';

function point(frame: number): ParsedPoint {
  return {
    frame, x: frame, y: 0, area: 1, radius: 0.5, halfSide: 0.5, circularity: 1, fill: 0.8, shape: 'ball',
    meanRgb: [0, 0, 0], cut: false, nearOccluder: null, edges: [false, false, false, false], box: [0, 0, 0, 0], touching: false,
  };
}

/** A track whose points array counts every element read. */
function countingTrack(frames: number[]): { track: ParsedTrack; reads: () => number } {
  let reads = 0;
  const points = new Proxy(frames.map(point), {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { track: { color: 'red', points }, reads: () => reads };
}

describe('pointAt', () => {
  it('finds each frame and nothing else', () => {
    const { track } = countingTrack([0, 1, 3, 4]);
    expect(pointAt(track, 3)?.frame).toBe(3);
    expect(pointAt(track, 2)).toBeUndefined();
    expect(pointAt(track, -1)).toBeUndefined();
    expect(pointAt(track, 1.5)).toBeUndefined();
    expect(pointAt(track, 99)).toBeUndefined();
  });

  it('reads each point a bounded number of times however many lookups (linear, not quadratic)', () => {
    const n = 5000;
    const { track, reads } = countingTrack(Array.from({ length: n }, (_, t) => t));
    for (let t = 0; t < n; t++) expect(pointAt(track, t)!.frame).toBe(t);
    // One indexing pass reads each point once; a scan per lookup would read ~n²/2 = 12.5 million.
    expect(reads()).toBeLessThanOrEqual(2 * n);
  });

  it('sees points added after an earlier lookup', () => {
    const track: ParsedTrack = { color: 'red', points: [point(0)] };
    expect(pointAt(track, 1)).toBeUndefined();
    track.points.push(point(1));
    expect(pointAt(track, 1)?.frame).toBe(1);
  });
});
