// The reconstruction evaluation on codecs with known faults: the identity loses nothing and
// moves nothing; a one-pixel shift moves every centroid by one pixel; a blank decoder loses
// every object and colour.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BACKGROUND } from '../../datasets/world/palette.js';
import { PIXELS, type VideoCodec } from '../../src/model/video-codec.js';
import { evaluateReconstruction } from './reconstruction.js';

await tf.setBackend('cpu');

const clip: [number, number, number] = [16, 32, 32];
const settings = { families: ['uniform' as const, 'layout' as const], splits: ['id' as const, 'ood' as const], perFamily: 2 };

/** PIXELS with `change` applied to each decoded clip. */
const faulty = (change: (frames: Uint8Array) => Uint8Array): VideoCodec => ({ ...PIXELS, name: 'faulty', decode: (x) => PIXELS.decode(x).map(change) });

/** Every frame moved one pixel right (the first column repeated). */
function shiftRight(frames: Uint8Array): Uint8Array {
  const out = new Uint8Array(frames.length);
  const [T, H, W] = clip;
  for (let t = 0; t < T; t++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) out.set(frames.subarray(3 * ((t * H + y) * W + Math.max(0, x - 1)), 3 * ((t * H + y) * W + Math.max(0, x - 1)) + 3), 3 * ((t * H + y) * W + x));
  return out;
}

describe('evaluateReconstruction', () => {
  it('the identity: capped PSNR, no displacement, nothing lost, every target met', () => {
    const report = evaluateReconstruction(PIXELS, clip, settings);
    expect(report.groups).toHaveLength(4);
    expect(report.splits.id).toMatchObject({ clips: 4, psnr: 99, centroid_p95_px: 0, objects_lost: 0, colours_lost: 0, points_lost: 0, objects_added: 0 });
    expect(report.splits.id!.objects).toBeGreaterThan(4);
    expect(report.meets).toEqual({ psnr_id: true, psnr_ood: true, centroids: true, nothing_lost: true, all: true });
  });

  it('a one-pixel shift: centroids move by about a pixel, the target is missed', () => {
    const report = evaluateReconstruction(faulty(shiftRight), clip, settings);
    expect(report.splits.id!.centroid_p95_px).toBeGreaterThan(0.9);
    expect(report.splits.id!.centroid_p95_px).toBeLessThan(1.1);
    expect(report.meets.centroids).toBe(false);
  });

  it('a blank decoder: every object and colour lost', () => {
    const blank = (frames: Uint8Array) => frames.map((_, i) => BACKGROUND[i % 3]);
    const report = evaluateReconstruction(faulty(blank), clip, settings);
    const id = report.splits.id!;
    expect(id.objects_lost).toBe(id.objects);
    expect(id.colours_lost).toBeGreaterThan(0);
    expect(report.meets.nothing_lost).toBe(false);
    expect(report.meets.all).toBe(false);
  });
});
