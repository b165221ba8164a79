/**
 * The frames a model was given, marked for figures of the prompting modes (image to video,
 * keep-frames, extend, interpolate): every frame gets a band of `border` pixels around it,
 * coloured where the frame was given and the contact sheet's grey where it was generated. The
 * band is added around the frame, never painted over it, so the clip stays as generated; in a
 * contact sheet the given frames are the framed ones, in a playing video the band lights up
 * while they play.
 *
 *   const marked = markGivenFrames(video, Array.from({ length: video.numFrames }, (_, t) => t < 4)); // the first 4 given
 *   tslab.display.html(contactSheetHtml(marked, { columns: 8 }));
 */
import { frameView, SHEET_GREY, type Video } from '../../base/video/index.js';

/** The band's colour on given frames: magenta, a colour no object of the world has. */
export const GIVEN_FRAME_COLOUR: readonly [number, number, number] = [255, 0, 200];

export interface MarkGivenFramesOptions {
  /** Band width in pixels of the clip; default 1. */
  border?: number;
  colour?: readonly [number, number, number];
}

/** `video` with a band around each frame, coloured where `given[t]`: (H + 2b) × (W + 2b) frames. */
export function markGivenFrames(video: Video, given: readonly boolean[], opts: MarkGivenFramesOptions = {}): Video {
  const b = opts.border ?? 1;
  const colour = opts.colour ?? GIVEN_FRAME_COLOUR;
  if (given.length !== video.numFrames) throw new RangeError(`markGivenFrames: ${given.length} marks for ${video.numFrames} frames`);
  if (!Number.isInteger(b) || b < 1) throw new RangeError(`markGivenFrames: border must be a positive integer, got ${b}`);
  const { height: H, width: W } = video;
  const [h, w] = [H + 2 * b, W + 2 * b];
  const frames = new Uint8Array(video.numFrames * h * w * 3);
  for (let t = 0; t < video.numFrames; t++) {
    const out = frames.subarray(t * h * w * 3, (t + 1) * h * w * 3);
    const [r, g, bl] = given[t] ? colour : [SHEET_GREY, SHEET_GREY, SHEET_GREY];
    for (let p = 0; p < h * w; p++) out.set([r, g, bl], p * 3);
    const src = frameView(video, t);
    for (let y = 0; y < H; y++) out.set(src.subarray(y * W * 3, (y + 1) * W * 3), ((y + b) * w + b) * 3);
  }
  return { ...video, frames, height: h, width: w };
}
