/**
 * Sets of ground-truth clips and perturbed copies, for checking that a Fréchet feature set
 * separates what it should (video-encoder.test.ts pins the numbers; encoder-figures.ts prints
 * the table).
 *
 *   const a = worldClips(FAMILIES, 'id', 9001, 20);        // 140 clips
 *   const shuffled = a.map((c, k) => shuffleFrames(c.video, Rng.from(`s${k}`)));
 *   const red = a.map((c) => recolour(c, () => 'red'));
 */
import { COLOR_NAMES, PALETTE, type ColorName } from '../../datasets/world/palette.js';
import type { Rng } from '../../base/rng.js';
import { makeSample } from '../../datasets/world/sample.js';
import type { Family, Split, WorldSampleMeta } from '../../datasets/world/spec.js';
import type { Video } from '../../base/video/video.js';
import { renderFrames, truePositions } from '../perturb/render.js';

export interface WorldClip {
  video: Video;
  meta: WorldSampleMeta;
}

/** `perFamily` samples of each family (indices 0..perFamily−1 of a world seed), families taking turns. */
export function worldClips(families: readonly Family[], split: Split, seed: number, perFamily: number): WorldClip[] {
  const clips: WorldClip[] = [];
  for (let index = 0; index < perFamily; index++)
    for (const family of families) {
      const { frames, meta } = makeSample({ family, split, seed, index });
      clips.push({ video: { frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps }, meta });
    }
  return clips;
}

/** The same frames in a seeded random order. */
export function shuffleFrames(video: Video, rng: Rng): Video {
  const order = Array.from({ length: video.numFrames }, (_, t) => t);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return reorderFrames(video, order);
}

/** The clip played backwards. */
export function reverseFrames(video: Video): Video {
  return reorderFrames(video, Array.from({ length: video.numFrames }, (_, t) => video.numFrames - 1 - t));
}

function reorderFrames(video: Video, order: readonly number[]): Video {
  const bytes = video.height * video.width * 3;
  const frames = new Uint8Array(video.frames.length);
  order.forEach((from, t) => frames.set(video.frames.subarray(from * bytes, (from + 1) * bytes), t * bytes));
  return { ...video, frames };
}

/**
 * The scene re-rendered with each palette-coloured object in colour `to(colour)`. A permutation
 * (`nextColour`) keeps the set's colour distribution (the world draws colours uniformly), so a
 * distribution distance should barely move; a collapse (`() => 'red'`) changes it.
 */
export function recolour(clip: WorldClip, to: (colour: ColorName) => ColorName): Video {
  const objects = clip.meta.spec.objects.map((o) => {
    if (o.color === 'gray') return o;
    const color = to(o.color);
    return { ...o, color, rgb: PALETTE[color] };
  });
  return renderFrames(clip.meta, (t) => ({ objects, positions: truePositions(clip.meta, t) }));
}

/** The next palette colour (red → orange, …, white → red). */
export const nextColour = (c: ColorName): ColorName => COLOR_NAMES[(COLOR_NAMES.indexOf(c) + 1) % COLOR_NAMES.length];

/** Gaussian pixel noise of `sigma` grey levels (rounded, clamped to 0..255). */
export function addNoise(video: Video, sigma: number, rng: Rng): Video {
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const frames = Uint8Array.from(video.frames, (v) => Math.min(255, Math.max(0, Math.round(v + sigma * normal()))));
  return { ...video, frames };
}
