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

/**
 * A teleport landing on the other ball of a collision, as H.264 crf 28 at 32×32 parsed it
 * (validity suite, teleport clip "a green ball crashes into a cyan ball head-on"): green is
 * lost for frames 9–11 while the cyan blob swells by 0.38 of green's area 3.6 units from
 * green's last position; green re-emerges beside it.
 */
describe('teleport into another object\'s blob', () => {
  const point = (frame: number, x: number, area: number): ParsedPoint => ({
    frame, x, y: 7.13, area, radius: Math.sqrt(area / Math.PI), halfSide: Math.sqrt(area) / 2, circularity: 1, fill: 0.8, shape: 'ball',
    meanRgb: [0, 0, 0], cut: false, nearOccluder: null, edges: [false, false, false, false], box: [0, 0, 0, 0], touching: false,
  });
  const frames = Array.from({ length: 16 }, (_, f) => f);
  const gone = (f: number) => f >= 9 && f <= 11;
  function collision(mergedX: number, swell: number): ParsedVideo {
    const green = frames.filter((f) => !gone(f)).map((f) => point(f, f < 9 ? 8 - 0.17 * f : 4.26 + 0.02 * (f - 12), 5.8 + 0.02 * (f % 3)));
    const cyan = frames.map((f) => point(f, gone(f) ? mergedX : f < 9 ? 1.53 + 0.3 * f : 2.7 - 0.3 * (f - 12), 3.88 + 0.02 * (f % 2) + (gone(f) ? swell : 0)));
    return {
      numFrames: 16, width: 32, height: 32, fps: 10, scale: 3.2, worldWidth: 10, tracks: [{ color: 'green', points: green }, { color: 'cyan', points: cyan }],
      occluders: [], counts: frames.map((f) => (gone(f) ? 1 : 2)), noise: { background: [0, 0, 0], spread: 2, foreground: 6 },
    };
  }

  it('measures the step to the swollen blob: a jump of 3.6 units is a teleport', () => {
    expect(constancyMetrics(collision(3.05, 2.2)).teleportRate).toBeGreaterThan(0);
  });

  it('finds no jump when the blob the object merged into lies within a step of it', () => {
    expect(constancyMetrics(collision(5.5, 2.2)).teleportRate).toBe(0);
  });

  it('does not place the object in a blob that has not grown past its noise', () => {
    expect(constancyMetrics(collision(3.05, 0.1)).teleportRate).toBe(0);
  });
});
