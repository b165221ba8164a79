/**
 * Reading the images and videos a prompt is given (generate --image, --video, --interpolate):
 * any file ffmpeg decodes (MP4, WebM, GIF, PNG), at the model's frame size. Our own MP4s store
 * each pixel as a 2×2 block (base/video/pixel-scale.ts) and `readVideo` undoes that from their
 * tag; a file at twice the model's size without the tag (a frame saved from one, a PNG written
 * by `generate --frames 1`) is averaged back the same way. Any other size is refused before
 * anything is decoded.
 *
 *   const clip = await readInputClip('out/ball.mp4', pixelModel(pipe.config), '--video');
 *   clip.video.numFrames, clip.name, clip.sha256 // 16, 'ball.mp4', '3f…'
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import { sha256 } from '../../base/io/hash.js';
import { DEFAULT_PIXEL_SCALE, probeVideo, readVideo, type Video } from '../../base/video/index.js';
import { unscale } from '../../base/video/pixel-scale.js';
import type { DiTConfig } from '../model/config.js';

/** A decoded input and what a generated file records of it (its name, never a full path, and its bytes' sha256). */
export interface InputClip {
  video: Video;
  name: string;
  sha256: string;
}

/**
 * Decode `file` at the model's frame size (W×H, or 2W×2H stored at the project's pixel scale).
 * A missing, unreadable or undecodable file, or one of another size, is a one-line UserError
 * naming `flag` and the file. With `maxFrames` (a file from someone else: the server's uploads),
 * one of more frames is refused too, and decoding stops soon after that many (a few kB of MP4
 * can hold a million frames).
 */
export async function readInputClip(file: string, model: Pick<DiTConfig, 'height' | 'width'>, flag: string, options: { maxFrames?: number } = {}): Promise<InputClip> {
  const { width: W, height: H } = model;
  const probe = await probeVideo(file);
  // A tagged MP4 holds a clip of the tag's size (decoded at that size); any other file is its frames.
  const [w, h] = probe.tag ? [probe.tag.width, probe.tag.height] : [probe.width, probe.height];
  const scale = DEFAULT_PIXEL_SCALE;
  const native = w === W && h === H;
  if (!native && (probe.tag || !(w === W * scale && h === H * scale))) {
    const size = probe.tag ? `holds a ${w}×${h} clip` : `is ${w}×${h}`;
    throw new UserError(`${flag} ${file} ${size}: the model takes ${W}×${H} frames (or ${W * scale}×${H * scale} files, each pixel a ${scale}×${scale} block)`);
  }
  const { maxFrames } = options;
  const decoded = await readVideo(file, maxFrames === undefined ? undefined : { numFrames: maxFrames, height: h, width: w });
  if (maxFrames !== undefined && decoded.numFrames > maxFrames) throw new UserError(`${flag} ${file} has ${decoded.numFrames} frames, more than ${maxFrames}`);
  const video = native ? decoded : unscale(decoded, { scale, width: W, height: H });
  return { video, name: path.basename(file), sha256: sha256(fs.readFileSync(file)) };
}
