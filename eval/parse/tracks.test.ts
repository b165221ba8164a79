/**
 * Linking under codec artefacts (eval/parse/tracks.ts): a speck a codec leaves where an object
 * was does not take the object's track.
 */
import { describe, expect, it } from 'vitest';
import { makeSample } from '../../datasets/world/sample.js';
import type { Video } from '../../base/video/video.js';
import { constancyMetrics } from '../physics/constancy.js';
import { renderFrames, truePositions } from '../perturb/render.js';
import { parseVideo } from './tracks.js';

const uniform = () => makeSample({ family: 'uniform', split: 'id', seed: 23, index: 0 });

function paint(video: Video, t: number, pixels: [number, number][], rgb: readonly number[]): void {
  for (const [i, j] of pixels) video.frames.set(rgb, ((t * video.height + j) * video.width + i) * 3);
}

describe('linking', () => {
  it('keeps a jump on its track though a codec speck stays where the object was', () => {
    // H.264 crf 28 at 32² (held-out clip): a ball teleported 4 units and left a ~1 px ghost of
    // its colour behind; the ghost, nearer the prediction, took the track and the jump was lost.
    const { meta } = uniform();
    const jumpAt = 8;
    const video = renderFrames(meta, (t) => ({
      objects: meta.spec.objects,
      positions: truePositions(meta, t).map((p) => (t >= jumpAt ? { x: p.x + (p.x < 5 ? 4 : -4), y: p.y } : p)),
    }));
    const before = truePositions(meta, jumpAt - 1)[0];
    const scale = meta.height / 10;
    const [i, j] = [Math.round(before.x * scale), Math.round(meta.height - before.y * scale)];
    paint(video, jumpAt, [[i, j], [i + 1, j]], meta.spec.objects[0].rgb);
    const parsed = parseVideo(video);
    expect(parsed.tracks).toHaveLength(1);
    expect(constancyMetrics(parsed).teleportRate).toBeGreaterThan(0);
  });
});
