/** Test inputs for the Physics-IQ code (masks.test.ts, metrics.test.ts). */
import { toStateFile } from '../../datasets/interchange.js';
import { makeSample } from '../../datasets/world/sample.js';
import type { Video } from '../../base/video/video.js';
import { renderTruth, secondTake } from './takes.js';

/** A deterministic random video: a few coloured boxes moving over a plain background, plus speckle noise. */
export function randomVideo(seed: number, W: number, H: number, T: number): Video {
  let s = seed >>> 0 || 1;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const frames = new Uint8Array(T * H * W * 3);
  const bg = [rand() * 256, rand() * 256, rand() * 256].map(Math.floor);
  const boxes = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({
    x: rand() * W, y: rand() * H, w: 1 + rand() * W / 2, h: 1 + rand() * H / 2,
    vx: (rand() - 0.5) * 6, vy: (rand() - 0.5) * 6, rgb: [rand() * 256, rand() * 256, rand() * 256].map(Math.floor),
  }));
  const noise = rand() * 0.2;
  for (let t = 0; t < T; t++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let c = bg;
        for (const b of boxes) if (x >= b.x + b.vx * t && x < b.x + b.vx * t + b.w && y >= b.y + b.vy * t && y < b.y + b.vy * t + b.h) c = b.rgb;
        const o = ((t * H + y) * W + x) * 3;
        for (let ch = 0; ch < 3; ch++) frames[o + ch] = rand() < noise ? Math.floor(rand() * 256) : c[ch];
      }
    }
  }
  return { frames, numFrames: T, height: H, width: W, fps: 10 };
}

/** How to make one clip of the official-conventions fixture (official-fixture.json). */
export type FixtureClip =
  | { name: string; kind: 'random'; seed: number; width: number; height: number; frames: number; fps: number }
  | { name: string; kind: 'world'; family: 'bounce' | 'collision' | 'occlusion'; index: number; take: 'truth' | 'second' | 'sample'; size: number };

/** The clips: world renders (truth, second take, another scene as the "generated" video), random videos of awkward sizes, one longer than 5 s. */
export const FIXTURE_CLIPS: FixtureClip[] = [
  ...(['bounce', 'collision', 'occlusion'] as const).flatMap((family, k): FixtureClip[] => [
    { name: `${family}-truth`, kind: 'world', family, index: k, take: 'truth', size: 32 },
    { name: `${family}-second`, kind: 'world', family, index: k, take: 'second', size: 32 },
    { name: `${family}-other`, kind: 'world', family, index: k + 10, take: 'sample', size: 32 },
  ]),
  { name: 'bounce64-truth', kind: 'world', family: 'bounce', index: 3, take: 'truth', size: 64 },
  { name: 'bounce64-second', kind: 'world', family: 'bounce', index: 3, take: 'second', size: 64 },
  ...[[32, 32], [64, 48], [30, 22], [70, 11]].flatMap(([width, height], k) => [0, 1].map((r) => ({ name: `random${width}x${height}-${r}`, kind: 'random' as const, seed: 1000 * k + r + 1, width, height, frames: 8, fps: 10 }))),
  { name: 'long-0', kind: 'random', seed: 77, width: 32, height: 32, frames: 14, fps: 2 },
  { name: 'long-1', kind: 'random', seed: 78, width: 32, height: 32, frames: 14, fps: 2 },
];

/** Comparisons: generated against reference; `variance` marks a second take against the truth. */
export const FIXTURE_COMPARISONS: { generated: string; reference: string; variance: boolean }[] = [
  ...['bounce', 'collision', 'occlusion'].flatMap((f) => [
    { generated: `${f}-other`, reference: `${f}-truth`, variance: false },
    { generated: `${f}-second`, reference: `${f}-truth`, variance: true },
  ]),
  { generated: 'bounce64-second', reference: 'bounce64-truth', variance: true },
  { generated: 'bounce64-truth', reference: 'bounce64-second', variance: false },
  ...[[32, 32], [64, 48], [30, 22], [70, 11]].map(([w, h]) => ({ generated: `random${w}x${h}-0`, reference: `random${w}x${h}-1`, variance: false })),
  { generated: 'random30x22-1', reference: 'random30x22-0', variance: true },
  { generated: 'long-0', reference: 'long-1', variance: false },
];

/** The video of one fixture clip (deterministic). */
export function fixtureVideo(clip: FixtureClip): Video {
  if (clip.kind === 'random') return { ...randomVideo(clip.seed, clip.width, clip.height, clip.frames), fps: clip.fps };
  const { frames, meta } = makeSample({ family: clip.family, split: 'id', seed: 2, index: clip.index, width: clip.size, height: clip.size });
  if (clip.take === 'sample') return { frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps };
  const truth = toStateFile(meta);
  return clip.take === 'truth' ? renderTruth(truth) : secondTake(truth);
}
