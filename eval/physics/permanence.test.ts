/**
 * Object permanence under codecs (eval/physics/permanence.ts), on hand-built tracks shaped like
 * the ones measured after H.264 4:2:0 at 32×32: a ball merged into the blob of the ball it hits
 * is not a vanish, a smudge left where an object just was is not a spawn, and a vanish followed
 * by another colour starting at the same place is a colour change even when that start is cut.
 */
import { describe, expect, it } from 'vitest';
import type { ParsedPoint, ParsedTrack, ParsedVideo } from '../parse/tracks.js';
import { permanenceMetrics } from './permanence.js';

const T = 16;

function pt(frame: number, x: number, y: number, area: number, extra: Partial<ParsedPoint> = {}): ParsedPoint {
  const radius = Math.sqrt(area / Math.PI);
  return {
    frame, x, y, area, radius, halfSide: Math.sqrt(area) / 2, circularity: 1, fill: 0.8, shape: 'ball',
    meanRgb: [0, 0, 0], cut: false, nearOccluder: null, edges: [false, false, false, false], box: [0, 0, 0, 0], touching: false,
    ...extra,
  };
}

function video(tracks: ParsedTrack[]): ParsedVideo {
  return {
    numFrames: T, width: 32, height: 32, fps: 10, scale: 3.2, worldWidth: 10, tracks,
    occluders: [], counts: new Array(T).fill(tracks.length), noise: { background: [0, 0, 0], spread: 2, foreground: 6 },
  };
}

const frames = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

describe('permanenceMetrics under codecs', () => {
  // Cyan (area 0.78) moves left, green (0.49) right; they touch over frames 4–7 and the detector
  // reads one cyan blob of both areas there (measured: 1.21–1.23), then green comes back out.
  const cyanAt = (f: number) => (f < 4 ? 8.3 - 0.47 * f : f < 8 ? 5.6 : 6.66 + 0.31 * (f - 8));
  const greenAt = (f: number) => (f <= 3 ? 2.05 + 0.55 * f : 3.06 - 0.65 * (f - 8));

  it('reads a ball missing inside the blob of the ball it touches as merged, not vanished', () => {
    const cyan: ParsedTrack = { color: 'cyan', points: frames(0, 15).map((f) => pt(f, cyanAt(f), 7.78, f >= 4 && f < 8 ? 1.22 : 0.78)) };
    const green: ParsedTrack = { color: 'green', points: [...frames(0, 3), ...frames(8, 12)].map((f) => pt(f, greenAt(f), 7.78, 0.49)) };
    const m = permanenceMetrics(video([cyan, green]));
    expect(m.vanishCount).toBe(0);
    expect(m.reemergenceError).toBeNull();
  });

  it('still counts the vanish when no blob nearby grew by the missing area', () => {
    const cyan: ParsedTrack = { color: 'cyan', points: frames(0, 15).map((f) => pt(f, cyanAt(f), 7.78, 0.78)) };
    const green: ParsedTrack = { color: 'green', points: frames(0, 3).map((f) => pt(f, greenAt(f), 7.78, 0.49)) };
    expect(permanenceMetrics(video([cyan, green])).vanishCount).toBe(1);
  });

  it('does not count a track starting where another object was the frame before as a spawn', () => {
    // A purple ball passes; from frame 11 a faint red smudge stays where it was at frame 10.
    const purple: ParsedTrack = { color: 'purple', points: frames(0, 15).map((f) => pt(f, 2 + 0.2 * f, 5, 3.4)) };
    const smudge: ParsedTrack = { color: 'red', points: frames(11, 15).map((f) => pt(f, 4.2, 5.1, 0.25)) };
    const m = permanenceMetrics(video([purple, smudge]));
    expect(m.spawnCount).toBe(0);
    // The same smudge far from anything seen the frame before is an object appearing.
    const far: ParsedTrack = { color: 'red', points: frames(11, 15).map((f) => pt(f, 8, 2, 0.25)) };
    expect(permanenceMetrics(video([purple, far])).spawnCount).toBe(1);
  });

  it('pairs a vanish with another colour starting next frame at the same place, even cut by the edge', () => {
    const orange: ParsedTrack = { color: 'orange', points: frames(0, 4).map((f) => pt(f, 7.64 - 0.18 * f, 8.63, 4.37)) };
    const cyan: ParsedTrack = { color: 'cyan', points: frames(5, 15).map((f) => pt(f, 6.74 + 0.15 * (f - 5), 8.7, 4.2, { cut: f === 5, edges: [false, true, false, false] })) };
    const m = permanenceMetrics(video([orange, cyan]));
    expect(m.colorChanges).toBe(1);
    expect(m.vanishCount).toBe(0);
  });
});
