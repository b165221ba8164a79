/**
 * Every prompting mode (src/infer/prompting.ts) on one clip, for a notebook to show side by
 * side: each result with the frames the model was given marked (`given[t]`, for
 * `markGivenFrames`). The inputs are cut from the clip (a clip of the world at the model's size,
 * whose caption is the prompt): its first frame for image to video, its first quarter for
 * keep-frames, all of it for extend and SDEdit, its first and last quarters for interpolation
 * (shown around the frames made between them, so the given frames are in the video too).
 *
 *   const items = promptingGallery(pipe, { prompt: meta.caption, seed: 1, steps: 12 }, clip);
 *   tslab.display.html(await videoGridHtml(items.map((i) => ({ video: markGivenFrames(i.video, i.given), caption: i.caption }))));
 */
import type { Video } from '../../base/video/index.js';
import type { Pipeline } from '../../src/infer/pipeline.js';
import { editVideo, extendVideo, generateStill, imageToVideo, interpolateVideos, keepFrames, loopVideo, type PromptSettings } from '../../src/infer/prompting.js';
import { pixelModel } from '../../src/model/latent-space.js';

/** The SDEdit strength shown: enough noise that the prompt shows, little enough that the clip does. */
export const GALLERY_EDIT_STRENGTH = 0.6;

export interface GalleryItem {
  mode: 'truth' | 'image' | 'keep-frames' | 'extend' | 'extend backward' | 'interpolate' | 'loop' | 'edit' | 'still';
  caption: string;
  video: Video;
  /** [numFrames] true where the frame was given to the model (it comes back exactly). */
  given: boolean[];
}

/** The clip itself, then one item per mode, each for `settings.seed`. */
export function promptingGallery(pipe: Pipeline, settings: Omit<PromptSettings, 'seeds'> & { seed: number }, clip: Video): GalleryItem[] {
  const { seed, ...rest } = settings;
  const s: PromptSettings = { ...rest, seeds: [seed] };
  const T = pixelModel(pipe.config).frames;
  const quarter = Math.max(1, Math.floor(T / 4));
  const half = Math.max(1, Math.floor(T / 2));
  const marks = (n: number, given: (t: number) => boolean) => Array.from({ length: n }, (_, t) => given(t));
  const head = frames(clip, 0, quarter);
  const tail = frames(clip, clip.numFrames - quarter, clip.numFrames);
  const [between] = interpolateVideos(pipe, s, head, tail);
  const F = between.numFrames;
  const [looped] = loopVideo(pipe, s);
  return [
    { mode: 'truth', caption: 'the clip the given frames come from', video: clip, given: marks(clip.numFrames, () => false) },
    { mode: 'image', caption: 'image to video: its first frame given', video: imageToVideo(pipe, s, frames(clip, 0, 1))[0], given: marks(T, (t) => t === 0) },
    { mode: 'keep-frames', caption: `keep-frames ${quarter}: its first ${count(quarter)} given`, video: keepFrames(pipe, s, clip, quarter)[0], given: marks(T, (t) => t < quarter) },
    { mode: 'extend', caption: `extend ${half}: all of it given, ${count(half)} new after`, video: extendVideo(pipe, s, clip, half)[0], given: marks(clip.numFrames + half, (t) => t < clip.numFrames) },
    { mode: 'extend backward', caption: `extend ${half} backward: ${count(half)} new before it`, video: extendVideo(pipe, s, clip, half, true)[0], given: marks(clip.numFrames + half, (t) => t >= half) },
    {
      mode: 'interpolate',
      caption: `interpolate: its first and last ${count(quarter)} given, ${count(F)} new between`,
      video: join([head, between, tail]),
      given: marks(2 * quarter + F, (t) => t < quarter || t >= quarter + F),
    },
    { mode: 'loop', caption: `loop: a clip, then ${count(looped.numFrames - T)} back into its start (nothing given)`, video: looped, given: marks(looped.numFrames, () => false) },
    { mode: 'edit', caption: `SDEdit at strength ${GALLERY_EDIT_STRENGTH}: it, noised and denoised (nothing given exactly)`, video: editVideo(pipe, s, clip, GALLERY_EDIT_STRENGTH)[0], given: marks(clip.numFrames, () => false) },
    { mode: 'still', caption: 'a still: the first frame of a text-to-video clip', video: generateStill(pipe, s)[0], given: [false] },
  ];
}

function count(frames: number): string {
  return `${frames} frame${frames === 1 ? '' : 's'}`;
}

/** Frames [from, to) of `video`. */
function frames(video: Video, from: number, to: number): Video {
  const bytes = video.height * video.width * 3;
  return { ...video, frames: video.frames.slice(from * bytes, to * bytes), numFrames: to - from };
}

/** Clips of one size, one after another. */
function join(videos: Video[]): Video {
  const out = new Uint8Array(videos.reduce((n, v) => n + v.frames.length, 0));
  videos.reduce((at, v) => (out.set(v.frames, at), at + v.frames.length), 0);
  return { ...videos[0], frames: out, numFrames: videos.reduce((n, v) => n + v.numFrames, 0) };
}
