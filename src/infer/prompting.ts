/**
 * Prompting with images and videos (issue 14; Sora's "prompting with images and videos"):
 * each mode is some frames given to a model trained with them (`frameConditioning`) and the
 * rest generated under the text prompt, one model clip (T frames of H×W) at a time
 * (prompt-windows.ts), plus SDEdit and a still image.
 *
 *   image        the image is frame 1 of a T-frame clip
 *   keep-frames  the first K frames of a video are given, the other T − K generated (PhyWorld's protocol)
 *   extend       a video followed (or preceded) by N new frames, by windows over half a clip of known frames
 *   interpolate  F new frames that go from the end of video A to the start of video B
 *   loop         a clip, then frames that lead from its last frame back into its first
 *   edit         SDEdit: a video noised to `strength` and denoised under the prompt (any model)
 *   still        one image: the first frame of a text-to-video clip (any model)
 *
 * Each function returns one video per seed; given frames come back exactly. `generatePrompted`
 * reads the input files (prompt-clips.ts) and says where the given frames came from, as the
 * provenance record's `givenFrames`.
 *
 *   const [clip] = imageToVideo(pipe, { prompt: 'a red ball bounces on the floor', seeds: [1] }, frame);
 *   const { videos, givenFrames } = await generatePrompted(pipe, settings, { mode: 'extend', video: 'in.mp4', frames: 32, backward: false });
 */
import { UserError } from '../../base/errors.js';
import type { Video } from '../../base/video/index.js';
import { GENERATE_DEFAULTS } from '../diffusion/generation-defaults.js';
import { checkTakesGivenFrames, generateBatch, generateVideos, type Pipeline } from './pipeline.js';
import { readInputClip, type InputClip } from './prompt-clips.js';
import { fillTimeline, WINDOW_SEED_STRIDE, type PromptSettings, type Timeline } from './prompt-windows.js';
import { pixelModel } from '../model/latent-space.js';

export type { PromptSettings } from './prompt-windows.js';

/** `--extend N` at most: a typo (1e9) is a usage error, not terabytes of frames. */
export const MAX_EXTEND_FRAMES = 10_000;

/** A prompting mode and its inputs (files are read by `generatePrompted`). */
export type PromptingMode =
  | { mode: 'image'; image: string }
  | { mode: 'keep-frames'; video: string; keep: number }
  | { mode: 'extend'; video: string; frames: number; backward: boolean }
  | { mode: 'interpolate'; from: string; to: string; frames?: number }
  | { mode: 'loop' }
  | { mode: 'edit'; video: string; strength: number }
  | { mode: 'still'; size?: { width: number; height: number } };

/** One video per seed, and where their given frames came from (null: none given). */
export interface PromptedVideos {
  videos: Video[];
  givenFrames: string | null;
}

/**
 * Read the mode's input files at the model's size, run the mode, and describe its given frames
 * for the provenance record (`extend 8 after in.mp4 (sha256 …)`: the mode first, files by name and
 * sha256). Bad input is a one-line UserError before anything is generated.
 */
export async function generatePrompted(pipe: Pipeline, settings: PromptSettings, request: PromptingMode): Promise<PromptedVideos> {
  const read = (file: string, flag: string) => readInputClip(file, pixelModel(pipe.config), flag);
  switch (request.mode) {
    case 'image': {
      const image = await read(request.image, '--image');
      return { videos: imageToVideo(pipe, settings, image.video), givenFrames: `image ${source(image)}` };
    }
    case 'keep-frames': {
      const clip = await read(request.video, '--video');
      return { videos: keepFrames(pipe, settings, clip.video, request.keep), givenFrames: `keep-frames ${request.keep} of ${source(clip)}` };
    }
    case 'extend': {
      const clip = await read(request.video, '--video');
      const videos = extendVideo(pipe, settings, clip.video, request.frames, request.backward);
      return { videos, givenFrames: `extend ${request.frames} ${request.backward ? 'before' : 'after'} ${source(clip)}` };
    }
    case 'interpolate': {
      const [from, to] = [await read(request.from, '--interpolate'), await read(request.to, '--interpolate')];
      const videos = interpolateVideos(pipe, settings, from.video, to.video, request.frames);
      return { videos, givenFrames: `interpolate ${videos[0].numFrames} between ${source(from)} and ${source(to)}` };
    }
    case 'loop':
      return { videos: loopVideo(pipe, settings), givenFrames: 'loop (its own last and first frames)' };
    case 'edit': {
      const clip = await read(request.video, '--video');
      return { videos: editVideo(pipe, settings, clip.video, request.strength), givenFrames: `edit at strength ${request.strength} of ${source(clip)}` };
    }
    case 'still':
      return { videos: generateStill(pipe, settings, request.size), givenFrames: null };
  }
}

/** Image to video: `image` (one frame of the model's size) is the first frame of a T-frame clip. */
export function imageToVideo(pipe: Pipeline, settings: PromptSettings, image: Video): Video[] {
  if (image.numFrames !== 1) throw new UserError(`--image takes one frame, got ${image.numFrames} (for the first frames of a video: --video IN --keep-frames K)`);
  return keepFrames(pipe, settings, image, 1);
}

/** PhyWorld's protocol: the first `keep` frames of `clip` are given (1 ≤ keep < T), the rest of a T-frame clip generated. */
export function keepFrames(pipe: Pipeline, settings: PromptSettings, clip: Video, keep: number): Video[] {
  checkTakesGivenFrames(pipe);
  const T = pixelModel(pipe.config).frames;
  if (!Number.isInteger(keep) || keep < 1 || keep >= T) throw new UserError(`--keep-frames must be an integer in [1, ${T - 1}] (the model's clip is ${T} frames), got ${keep}`);
  if (clip.numFrames < keep) throw new UserError(`--video has ${clip.numFrames} frame${clip.numFrames > 1 ? 's' : ''}, fewer than --keep-frames ${keep}`);
  const timeline = timelineOf(pipe, settings.seeds.map(() => [firstFrames(clip, keep), T - keep]));
  fillTimeline(pipe, settings, timeline, { window: T, overlap: keep });
  return clipVideos(pipe, settings, timeline, 0, T);
}

/**
 * `clip` followed (backward: preceded) by `frames` new ones, any number: windows of the model's
 * T frames, each given the last ⌊T/2⌋ known frames (more in the last window, fewer while `clip` is
 * shorter) and generating the rest; the result is `clip` exactly plus the new frames.
 */
export function extendVideo(pipe: Pipeline, settings: PromptSettings, clip: Video, frames: number, backward = false): Video[] {
  checkTakesGivenFrames(pipe);
  if (!Number.isInteger(frames) || frames < 1 || frames > MAX_EXTEND_FRAMES) throw new UserError(`--extend must be an integer in [1, ${MAX_EXTEND_FRAMES}], got ${frames}`);
  const T = pixelModel(pipe.config).frames;
  const segments = backward ? [frames, clip.frames] : [clip.frames, frames];
  const timeline = timelineOf(pipe, settings.seeds.map(() => segments));
  fillTimeline(pipe, settings, timeline, { window: T, overlap: Math.max(1, Math.floor(T / 2)), backward });
  return clipVideos(pipe, settings, timeline, 0, timeline.known.length);
}

/**
 * `frames` (F) new frames from the end of `from` to the start of `to`, so that `from`, the
 * result and `to` play as one clip. One window: the last frames of `from`, F generated, the first
 * frames of `to`, split evenly. F is at most the model's T frames: for F ≤ T − 2 the window is
 * the model's clip (the other T − F frames given); above, the window is F + 2 rounded up to the
 * model's tubelet, one frame of each video given. Default F: T less up to ⌊T/4⌋ frames of each
 * video (as the model trained: frames at both ends, up to a quarter of the clip each).
 */
export function interpolateVideos(pipe: Pipeline, settings: PromptSettings, from: Video, to: Video, frames?: number): Video[] {
  checkTakesGivenFrames(pipe);
  const { frames: T, patch } = pixelModel(pipe.config);
  const edge = quarter(T);
  const F = frames ?? T - Math.min(edge, from.numFrames) - Math.min(edge, to.numFrames);
  if (!Number.isInteger(F) || F < 1 || F > T) throw new UserError(`--frames must be an integer in [1, ${T}] with --interpolate (the model's clip is ${T} frames), got ${F}`);
  const window = Math.max(T, Math.ceil((F + 2) / patch[0]) * patch[0]);
  const context = window - F;
  const have = from.numFrames + to.numFrames;
  if (have < context) {
    throw new UserError(`--interpolate --frames ${F} needs ${context} frames of the two videos together (a ${window}-frame window), they have ${have} (--frames ${T - have} would fit)`);
  }
  const b = Math.min(to.numFrames, context - Math.min(from.numFrames, Math.ceil(context / 2)));
  const a = context - b;
  const timeline = timelineOf(pipe, settings.seeds.map(() => [lastFrames(from, a), F, firstFrames(to, b)]));
  fillTimeline(pipe, settings, timeline, { window, overlap: a });
  return clipVideos(pipe, settings, timeline, a, a + F);
}

/**
 * A clip whose last frame flows into its first: the seed's text-to-video clip (T frames), then
 * T − 2⌊T/4⌋ frames generated between its last ⌊T/4⌋ frames and its first ⌊T/4⌋, appended. The
 * first T frames are exactly `generateVideos`' clip for the seed.
 */
export function loopVideo(pipe: Pipeline, settings: PromptSettings): Video[] {
  checkTakesGivenFrames(pipe);
  const T = pixelModel(pipe.config).frames;
  const edge = quarter(T);
  const bridge = T - 2 * edge;
  if (bridge < 1) throw new UserError(`--loop needs a model clip of at least 3 frames, this model's is ${T}`);
  const clips = generateVideos(pipe, settings);
  const timeline = timelineOf(pipe, clips.map((clip) => [lastFrames(clip, edge), bridge, firstFrames(clip, edge)]));
  // The bridge is the clip's second window: its own noise.
  fillTimeline(pipe, { ...settings, seeds: settings.seeds.map((seed) => seed + WINDOW_SEED_STRIDE) }, timeline, { window: T, overlap: edge });
  const bridges = clipVideos(pipe, settings, timeline, edge, edge + bridge);
  return clips.map((clip, b) => ({ ...clip, frames: concat([clip.frames, bridges[b].frames]), numFrames: T + bridge }));
}

/** SDEdit: `clip` (any number of frames that is a multiple of the model's tubelet) noised to `strength` ∈ (0, 1] and denoised under the prompt. */
export function editVideo(pipe: Pipeline, settings: PromptSettings, clip: Video, strength: number): Video[] {
  const { patch, height, width } = pixelModel(pipe.config);
  if (clip.numFrames % patch[0]) throw new UserError(`--video has ${clip.numFrames} frames: --strength edits a clip of a multiple of ${patch[0]} frames (the model's tubelet)`);
  const edit = { clips: settings.seeds.map(() => clip.frames), strength };
  return generateBatch(pipe, { ...settings, prompts: settings.seeds.map(() => settings.prompt), edit, frames: clip.numFrames, height, width });
}

/**
 * A still image: the model's tubelets span several frames, so it generates its whole T-frame clip
 * (at `size`, width × height, default the model's) and keeps the first frame.
 */
export function generateStill(pipe: Pipeline, settings: PromptSettings, size?: { width: number; height: number }): Video[] {
  return generateVideos(pipe, { ...settings, height: size?.height, width: size?.width }).map((v) => ({ ...v, frames: v.frames.slice(0, v.height * v.width * 3), numFrames: 1 }));
}

/** ⌊T/4⌋, at least 1: the most frames the model was given at each end of a clip in training (frame-masks.ts 'first-last'). */
function quarter(T: number): number {
  return Math.max(1, Math.floor(T / 4));
}

/** A timeline per seed from segments: frame bytes (known) or a count of frames to generate. */
function timelineOf(pipe: Pipeline, segments: (Uint8Array | number)[][]): Timeline {
  const { height, width } = pixelModel(pipe.config);
  const frameBytes = height * width * 3;
  const known = segments[0].flatMap((s) => new Array<boolean>(typeof s === 'number' ? s : s.length / frameBytes).fill(typeof s !== 'number'));
  const clips = segments.map((parts) => concat(parts.map((s) => (typeof s === 'number' ? new Uint8Array(s * frameBytes) : s))));
  return { known, clips };
}

/** Frames [from, to) of each timeline clip as videos at the settings' frame rate. */
function clipVideos(pipe: Pipeline, settings: PromptSettings, timeline: Timeline, from: number, to: number): Video[] {
  const { height, width } = pixelModel(pipe.config);
  const fps = settings.fps ?? (pipe.generation ?? GENERATE_DEFAULTS).fps;
  const frameBytes = height * width * 3;
  return timeline.clips.map((clip) => ({ frames: clip.slice(from * frameBytes, to * frameBytes), numFrames: to - from, height, width, fps }));
}

function firstFrames(clip: Video, n: number): Uint8Array {
  return clip.frames.subarray(0, n * clip.height * clip.width * 3);
}

function lastFrames(clip: Video, n: number): Uint8Array {
  return clip.frames.subarray((clip.numFrames - n) * clip.height * clip.width * 3);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** An input file as the record names it: its name and its bytes' sha256. */
function source(clip: InputClip): string {
  return `${clip.name} (sha256 ${clip.sha256})`;
}
