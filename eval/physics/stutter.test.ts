/**
 * Frozen frames judged against codec noise (eval/physics/stutter.ts): the step patterns are
 * the ones measured on round-tripped clips (px per frame pair of the fastest object).
 */
import { describe, expect, it } from 'vitest';
import type { ParsedPoint, ParsedVideo } from '../parse/tracks.js';
import { stutterCount } from './stutter.js';

const SCALE = 3.2; // px per unit at 32×32

/** One object moving right by `steps` px per frame pair. */
function parsedWithSteps(steps: number[]): ParsedVideo {
  let x = 1;
  const points: ParsedPoint[] = [0, ...steps].map((step, frame) => {
    x += step / SCALE;
    return {
      frame, x, y: 5, area: 1, radius: 0.56, halfSide: 0.5, circularity: 1, fill: 0.8, shape: 'ball',
      meanRgb: [0, 0, 0], cut: false, nearOccluder: null, edges: [false, false, false, false], box: [0, 0, 0, 0], touching: false,
    };
  });
  const numFrames = steps.length + 1;
  return {
    numFrames, width: 32, height: 32, fps: 10, scale: SCALE, worldWidth: 10, tracks: [{ color: 'red', points }],
    occluders: [], counts: new Array(numFrames).fill(1), noise: { background: [0, 0, 0], spread: 0, foreground: 6 },
  };
}

/** One object moving vertically by `steps` px per frame pair (positive: up). */
function parsedWithRise(steps: number[]): ParsedVideo {
  const parsed = parsedWithSteps(steps.map(() => 0));
  let y = 5;
  parsed.tracks[0].points.forEach((p, k) => {
    if (k > 0) y += steps[k - 1] / SCALE;
    p.x = 1;
    p.y = y;
  });
  return parsed;
}

describe('stutterCount', () => {
  it('counts a repeated frame as still on a lossless render (steps exactly 0)', () => {
    expect(stutterCount(parsedWithSteps([1, 1, 0, 0, 0, 2, 1]))).toBe(1);
  });

  it('counts frames VP9 re-coded on repeating (0.09 px, then 0) between moving pairs', () => {
    // VP9 32×32, a thrown ball frozen over frames 5–8 (measured); STILL_STEP_PX alone missed it.
    expect(stutterCount(parsedWithSteps([1.28, 0.94, 0.56, 0.09, 0.0, 0.0, 1.68, 1.07]))).toBe(1);
    expect(stutterCount(parsedWithSteps([1.87, 1.74, 1.87, 0.12, 0.14, 0.0, 7.52, 1.74]))).toBe(1);
    // ... and a refresh on the last repeat (0.17 px: neither still nor moving) before the catch-up.
    expect(stutterCount(parsedWithSteps([1.19, 1.2, 0.0, 0.0, 0.17, 5.06, 1.52]))).toBe(1);
  });

  it('counts a slow ball VP9 frozen in place though its re-coded repeat steps out and back (0.12, 0.13 px)', () => {
    // VP9 32×32 held-out clip (seed 23, uniform, 0.35 px per frame): frames 5–8 repeat frame 5;
    // the first repeat is re-coded 0.12 px off and the next returns, so no two pairs in a row were
    // under STILL_RATIO of the motion, yet the ball ends where it stopped, then catches up 1.2 px.
    expect(stutterCount(parsedWithSteps([0.26, 0.38, 0.36, 0.4, 0.35, -0.124, 0.132, 0.0, 1.235, 0.38]))).toBe(1);
    // The same step sizes all in one direction are motion (a codec holding a slow ball), not a freeze.
    expect(stutterCount(parsedWithSteps([0.26, 0.38, 0.36, 0.4, 0.35, 0.124, 0.132, 0.0, 1.235, 0.38]))).toBe(0);
  });

  it('does not judge pairs where the object that moved around them is not tracked (merged into another)', () => {
    // H.264 crf 18 at 32², clean collision: the fast ball (1.8 px per frame) merged into the slow
    // one (0.14 px per frame) for frames 6–7, leaving only the slow ball's steps between its own.
    const fast = parsedWithSteps([1.9, 1.8, 1.9, 1.8, 1.8, 1.8, 1.8, 1.8, 2.0, 1.9, 2.0]).tracks[0];
    const parsed = parsedWithSteps([0.22, 0.22, 0.22, 0.22, 0.22, 0.19, 0.14, 0.14, 0.2, 0.2, 0.2]);
    parsed.tracks.push({ color: 'blue', points: fast.points.filter((p) => p.frame !== 6 && p.frame !== 7) });
    expect(stutterCount(parsed)).toBe(0);
    // Tracked through the same frames, the fast ball's own freeze still counts.
    const frozen = parsedWithSteps([1.9, 1.8, 1.9, 1.8, 1.8, 0.0, 0.0, 0.0, 5.6, 1.9]);
    expect(stutterCount(frozen)).toBe(1);
  });

  it('does not count a slow object a codec held still for a frame, nor an apex, nor a stop', () => {
    // VP9 32×32, a clean uniform ball at ~0.12 px per frame: held for one pair at a time.
    expect(stutterCount(parsedWithSteps([0.14, 0.0, 0.23, 0.0, 0.26, 0.11, 0.0, 0.27, 0.12]))).toBe(0);
    expect(stutterCount(parsedWithSteps([0.26, 0.14, 0.0, 0.23, 0.0, 0.26]))).toBe(0);
    expect(stutterCount(parsedWithSteps([1.5, 0.8, 0.02, 0.7, 1.4]))).toBe(0);
    expect(stutterCount(parsedWithSteps([1.5, 0.8, 0.3, 0.1, 0.0, 0.0, 0.0]))).toBe(0);
  });

  it('does not count the top of a low arc held still for two pairs, but does a longer hold or one mid-rise', () => {
    // H.264 crf 23 at 32², a 32-frame bounce's third apex (measured): up 0.71 px, held twice, down 0.25.
    expect(stutterCount(parsedWithRise([0.8, 0.71, 0.0, 0.0, -0.25, -0.46, -0.8]))).toBe(0);
    // A three-pair freeze at the top (as the planted one) is a stutter; so are two pairs mid-rise.
    expect(stutterCount(parsedWithRise([0.8, 0.71, 0.0, 0.0, 0.0, -0.25, -0.46, -0.8]))).toBe(1);
    expect(stutterCount(parsedWithRise([0.8, 0.71, 0.0, 0.0, 0.6, 0.5, 0.4]))).toBe(1);
  });
});
