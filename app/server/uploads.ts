/**
 * Frames given with a generation job (issue 14): an image or a clip sent base64 in the job's
 * JSON body. It is written into the job's own folder as `given.EXT` (never under a name the
 * client chose) and checked there before the job is queued, so a bad upload is a 400 and leaves
 * nothing behind: its type by its magic bytes against the declared one, its size, the frame size
 * against each chosen checkpoint's clip (native or 2×, as `spacetime generate` reads it:
 * src/infer/prompt-clips.ts), its frames against the mode, and that the checkpoint takes given
 * frames. The worker reads it again from the job folder (generatePrompted); anything failing
 * there fails the job with its one-line reason.
 *
 *   upload only                   an image: the first frame of a clip (image to video)
 *   upload + keepFrames K         a clip whose first K frames are given (1 ≤ K < T)
 *   upload + strength S           SDEdit: the clip noised to S ∈ (0, 1] and denoised (any checkpoint)
 */
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import { isGif } from '../../base/video/index.js';
import { readInputClip } from '../../src/infer/prompt-clips.js';
import type { PromptingMode } from '../../src/infer/prompting.js';
import type { DiTConfig } from '../../src/model/config.js';
import { HttpError } from './http-error.js';

/** The largest upload (decoded): a 2× MP4 of a model clip is tens of kB. */
export const MAX_UPLOAD_BYTES = 4 * 2 ** 20;
/** An upload of more frames is refused, and decoding stops soon after that many. */
export const MAX_UPLOAD_FRAMES = 256;
/** Base64 characters of the largest upload. */
export const MAX_UPLOAD_BASE64 = Math.ceil(MAX_UPLOAD_BYTES / 3) * 4;

const startsWith = (bytes: Uint8Array, magic: number[], at = 0) => magic.every((b, i) => bytes[at + i] === b);

/** The types taken, each with its file's extension in the job folder and its magic bytes. */
const FORMATS = {
  'image/png': { ext: 'png', name: 'a PNG', is: (b: Uint8Array) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  'image/gif': { ext: 'gif', name: 'a GIF', is: isGif },
  'video/mp4': { ext: 'mp4', name: 'an MP4', is: (b: Uint8Array) => startsWith(b, [0x66, 0x74, 0x79, 0x70], 4) }, // an `ftyp` box first
  'video/webm': { ext: 'webm', name: 'a WebM', is: (b: Uint8Array) => startsWith(b, [0x1a, 0x45, 0xdf, 0xa3]) }, // EBML
};
export type UploadType = keyof typeof FORMATS;
export const UPLOAD_TYPES = Object.keys(FORMATS) as [UploadType, ...UploadType[]];

/** Frames given with a job, as the job records them. */
export interface GivenUpload {
  /** The upload's name in the job's folder (`given.mp4`); in a GenerateTask, its full path. */
  file: string;
  type: UploadType;
  /** The clip's first K frames are given; with neither this nor `strength`, the upload is an image. */
  keepFrames?: number;
  /** SDEdit: the clip noised to this strength and denoised under the prompt. */
  strength?: number;
}

/** A checkpoint the job will run, by the id the client named it and its model config (in pixels: latent-space.ts pixelModel). */
export interface UploadTarget {
  id: string;
  model: DiTConfig;
  /** Frames are given in groups of this many (a latent model's VAE tubelet; 1 for a pixel model or one with frame hints). */
  givenFrameGroup: number;
}

/** The base64 body field as bytes of the declared type: 413 when too large, 400 when not base64 or not that type. */
export function decodeUpload(type: UploadType, data: string): Uint8Array {
  if (data.length > MAX_UPLOAD_BASE64) throw new HttpError(413, `the upload is over the limit of ${MAX_UPLOAD_BYTES} bytes`);
  if (data.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw new HttpError(400, 'the upload is not base64');
  const bytes = new Uint8Array(Buffer.from(data, 'base64'));
  if (bytes.length > MAX_UPLOAD_BYTES) throw new HttpError(413, `the upload is ${bytes.length} bytes, over the limit of ${MAX_UPLOAD_BYTES}`);
  const format = FORMATS[type];
  if (!format.is(bytes)) throw new HttpError(400, `the upload is not ${format.name} file (declared ${type})`);
  return bytes;
}

/** Where the upload goes in the job's folder. */
export function uploadName(type: UploadType): string {
  return `given.${FORMATS[type].ext}`;
}

/** Before anything is written: each checkpoint takes what the mode gives it (400 otherwise). */
export function checkTargets(targets: UploadTarget[], given: Omit<GivenUpload, 'file'>): void {
  for (const { id, model, givenFrameGroup } of targets) {
    if (given.strength === undefined && !model.frameConditioning) {
      throw new HttpError(400, `checkpoint "${id}" was not trained to take given frames (strength S, SDEdit, works with any checkpoint)`);
    }
    if (given.keepFrames !== undefined && given.keepFrames >= model.frames) {
      throw new HttpError(400, `keepFrames ${given.keepFrames} leaves nothing to generate: checkpoint "${id}" makes ${model.frames}-frame clips (give 1 to ${model.frames - 1})`);
    }
    if (given.keepFrames !== undefined && given.keepFrames % givenFrameGroup) {
      throw new HttpError(400, `keepFrames ${given.keepFrames}: checkpoint "${id}" is a latent model trained without frame hints and takes given frames in groups of ${givenFrameGroup} (its VAE's tubelet)`);
    }
    if (given.keepFrames === undefined && given.strength === undefined && givenFrameGroup > 1) {
      throw new HttpError(400, `checkpoint "${id}" is a latent model trained without frame hints and takes given frames in groups of ${givenFrameGroup} (its VAE's tubelet), not a single image`);
    }
  }
}

/**
 * The upload written at `file`, decoded at each checkpoint's frame size and its frames counted
 * against the mode: a one-line 400 naming the file by its name in the job folder.
 */
export async function checkUploadFile(file: string, targets: UploadTarget[], given: Omit<GivenUpload, 'file'>): Promise<void> {
  for (const { id, model, givenFrameGroup } of targets) {
    let frames: number;
    try {
      frames = (await readInputClip(file, model, `checkpoint "${id}": the upload`, { maxFrames: MAX_UPLOAD_FRAMES })).video.numFrames;
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      throw new HttpError(400, withoutFolder(err, file));
    }
    if (given.keepFrames !== undefined && frames < given.keepFrames) throw new HttpError(400, `the upload has ${frames} frame${frames > 1 ? 's' : ''}, fewer than keepFrames ${given.keepFrames}`);
    if (given.keepFrames === undefined && given.strength === undefined && frames !== 1) {
      throw new HttpError(400, `the upload has ${frames} frames: an image is one (for a clip, give keepFrames K or strength S)`);
    }
    if (given.strength !== undefined && frames % model.patch[0]) {
      throw new HttpError(400, `the upload has ${frames} frames: strength edits a clip of a multiple of ${model.patch[0]} frames (checkpoint "${id}"'s tubelet)`);
    }
  }
}

/** What `generatePrompted` runs for an upload at `given.file`. */
export function promptingModeOf(given: GivenUpload): PromptingMode {
  if (given.keepFrames !== undefined) return { mode: 'keep-frames', video: given.file, keep: given.keepFrames };
  if (given.strength !== undefined) return { mode: 'edit', video: given.file, strength: given.strength };
  return { mode: 'image', image: given.file };
}

/** An error's first line with the upload's full path shortened to its name (the client never sees the server's folders). */
export function withoutFolder(err: unknown, file: string): string {
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return message.split(file).join(path.basename(file));
}
