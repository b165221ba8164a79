/**
 * Shape constancy judged against each track's own fill noise (eval/physics/constancy.ts): the
 * fills are those measured on a 2.4 px ball after H.264 crf 23 at 32×32.
 */
import { describe, expect, it } from 'vitest';
import type { ParsedPoint, ParsedVideo } from '../parse/tracks.js';
import { SQUARE_FILL_FROM } from '../thresholds.js';
import { constancyMetrics } from './constancy.js';

function video(fills: number[], touching: (f: number) => boolean = () => false): ParsedVideo {
  const points: ParsedPoint[] = fills.map((fill, frame) => ({
    frame, x: 2 + 0.3 * frame, y: 5, area: 1.8, radius: 0.76, halfSide: 0.67, circularity: 1, fill, shape: fill >= SQUARE_FILL_FROM ? 'square' : 'ball',
    meanRgb: [0, 0, 0], cut: false, nearOccluder: null, edges: [false, false, false, false], box: [0, 0, 0, 0], touching: touching(frame),
  }));
  return {
    numFrames: fills.length, width: 32, height: 32, fps: 10, scale: 3.2, worldWidth: 10, tracks: [{ color: 'purple', points }],
    occluders: [], counts: fills.map(() => 1), noise: { background: [0, 0, 0], spread: 2, foreground: 6 },
  };
}

const codecFills = [0.8, 0.81, 0.8, 0.8, 0.79, 0.89, 0.91, 0.87, 0.87, 0.86, 0.86, 0.95, 0.9, 0.96, 0.87, 0.84];

describe('shape changes', () => {
  it('ignores a noisy disc whose fill wanders across the square threshold', () => {
    expect(constancyMetrics(video(codecFills)).shapeChanges).toBe(0);
  });

  it('counts a disc drawn square for three frames on a clean render', () => {
    const fills = codecFills.map((_, f) => (f >= 6 && f < 9 ? 1.0 : 0.8 + 0.005 * (f % 2)));
    expect(constancyMetrics(video(fills)).shapeChanges).toBe(3);
  });

  it('does not judge frames where the object touches another (a seam flattens its outline)', () => {
    const fills = codecFills.map((_, f) => (f >= 6 && f < 9 ? 1.0 : 0.8 + 0.005 * (f % 2)));
    expect(constancyMetrics(video(fills, (f) => f >= 6 && f < 9)).shapeChanges).toBe(0);
  });
});
