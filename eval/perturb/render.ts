/**
 * Re-rendering modified ground truth: draw any per-frame list of objects and positions with
 * the world's own rasteriser, and re-simulate a scene with changed physics. Perturbations
 * are made here (from the truth), never by changing the scorer.
 */
import type { SceneSetup } from '../../datasets/world/families/context.js';
import { Rasterizer } from '../../datasets/world/render.js';
import { simulate } from '../../datasets/world/simulate.js';
import type { EventSpec, ObjectSpec, WorldConstants, WorldSampleMeta } from '../../datasets/world/spec.js';
import type { Video } from '../../base/video/video.js';

export interface DrawnFrame {
  objects: ObjectSpec[];
  positions: { x: number; y: number }[];
}

/** Render `frameAt(t)` for every frame of the sample's clip. */
export function renderFrames(meta: WorldSampleMeta, frameAt: (t: number) => DrawnFrame): Video {
  const { width, height, numFrames, fps } = meta;
  const raster = new Rasterizer({ width, height, scale: meta.constants.scale });
  const bytes = width * height * 3;
  const frames = new Uint8Array(bytes * numFrames);
  for (let t = 0; t < numFrames; t++) {
    const f = frameAt(t);
    raster.renderFrame(frames.subarray(t * bytes, (t + 1) * bytes), f.objects, f.positions);
  }
  return { frames, numFrames, height, width, fps };
}

/** The true positions of every object at frame t. */
export function truePositions(meta: WorldSampleMeta, t: number): { x: number; y: number }[] {
  return meta.tracks.map((tr) => ({ x: tr[t].x, y: tr[t].y }));
}

/** Re-simulate the sample's scene with changed constants, and render it (with the new contact events). */
export function resimulate(meta: WorldSampleMeta, change: Partial<WorldConstants>): { video: Video; events: EventSpec[] } {
  const constants = { ...meta.constants, ...change };
  const { gravity, restitution, friction, floor } = constants;
  const setup: SceneSetup = {
    objects: meta.spec.objects,
    motions: meta.spec.motions,
    relations: meta.spec.relations,
    variant: meta.spec.variant,
    physics: { gravity, restitution, friction, floor },
  };
  const sim = simulate(setup, constants, meta.numFrames);
  return { video: renderFrames(meta, (t) => ({ objects: meta.spec.objects, positions: sim.states.map((s) => s[t]) })), events: sim.events };
}

/** A copy of the video with every frame mirrored left–right or upside down. */
export function flip(video: Video, axis: 'horizontal' | 'vertical'): Video {
  const { width: W, height: H, numFrames: T } = video;
  const out = new Uint8Array(video.frames.length);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < H; j++) {
      for (let i = 0; i < W; i++) {
        const [si, sj] = axis === 'horizontal' ? [W - 1 - i, j] : [i, H - 1 - j];
        const src = ((t * H + sj) * W + si) * 3;
        const dst = ((t * H + j) * W + i) * 3;
        out[dst] = video.frames[src];
        out[dst + 1] = video.frames[src + 1];
        out[dst + 2] = video.frames[src + 2];
      }
    }
  }
  return { ...video, frames: out };
}

/** A video made of the given source frame indices, in order. */
export function reorder(video: Video, order: number[]): Video {
  const bytes = video.width * video.height * 3;
  const out = new Uint8Array(video.frames.length);
  order.forEach((src, t) => out.set(video.frames.subarray(src * bytes, (src + 1) * bytes), t * bytes));
  return { ...video, frames: out };
}
