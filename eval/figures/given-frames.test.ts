import { describe, expect, it } from 'vitest';
import { frameView, SHEET_GREY } from '../../base/video/index.js';
import { movingDiscs } from '../../base/video/test-fixtures.js';
import { GIVEN_FRAME_COLOUR, markGivenFrames } from './given-frames.js';

describe('markGivenFrames', () => {
  const clip = movingDiscs({ numFrames: 3, height: 8, width: 6 });

  it('frames every frame with a band, coloured where given, and keeps the clip inside it', () => {
    const marked = markGivenFrames(clip, [true, false, true], { border: 2 });
    expect([marked.numFrames, marked.height, marked.width, marked.fps]).toEqual([3, 12, 10, clip.fps]);
    const pixel = (t: number, y: number, x: number) => Array.from(frameView(marked, t).subarray((y * 10 + x) * 3, (y * 10 + x) * 3 + 3));
    for (const [t, band] of [[0, [...GIVEN_FRAME_COLOUR]], [1, [SHEET_GREY, SHEET_GREY, SHEET_GREY]], [2, [...GIVEN_FRAME_COLOUR]]] as const) {
      for (const [y, x] of [[0, 0], [1, 5], [11, 9], [6, 1], [6, 8]]) expect(pixel(t, y, x), `frame ${t} (${y}, ${x})`).toEqual(band);
      for (let y = 0; y < 8; y++) {
        expect(Array.from(frameView(marked, t).subarray(((y + 2) * 10 + 2) * 3, ((y + 2) * 10 + 8) * 3))).toEqual(Array.from(frameView(clip, t).subarray(y * 18, (y + 1) * 18)));
      }
    }
  });

  it('refuses marks that do not match the frames', () => {
    expect(() => markGivenFrames(clip, [true])).toThrow(/1 marks for 3 frames/);
    expect(() => markGivenFrames(clip, [true, false, false], { border: 0 })).toThrow(/border/);
  });
});
