/**
 * Writing videos: browser-playable H.264 MP4 and palette GIF, both deterministic (the
 * same frames give byte-identical files) and both written atomically (ffmpeg writes a
 * temporary file beside the target, which is renamed into place only on success).
 *
 *   await writeMp4(clip, 'runs/sample-003.mp4');
 *   await writeGif(clip, 'runs/sample-003.gif');
 *   const bytes = await encodeMp4(clip); // for a data: URL in a notebook
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { assertReplaceableFile, commitTempFile, ensureWritableDir, tempPathFor, writeFileSynced } from '../io/atomic.js';
import { insertGifComment } from './gif-comment.js';
import { ffmpegReason, fileArg, runFfmpeg } from './ffmpeg.js';
import { formatPixelTag, padForScale, type PixelTag } from './pixel-scale.js';
import { assertVideoShape, type Video } from './video.js';

export interface Mp4Options {
  /**
   * x264 constant rate factor; lower is better quality and larger files. 0 is not
   * allowed: it switches x264 to lossless, a profile browsers do not play.
   */
  crf?: number;
  /**
   * Nearest-neighbour upscale factor applied before encoding: 1, 2 (default) or 4; see
   * `pixel-scale.ts` for why 2 is needed to get saturated colours through yuv420p (odd
   * factors would split chroma samples across source pixels). `readVideo` returns the
   * original size either way.
   */
  pixelScale?: 1 | 2 | 4;
  /** x264 speed/size trade-off (`medium`, `slow`, `veryslow`, …). Default `slow`. */
  preset?: string;
  /** x264 `-tune` (e.g. `psnr`, `animation`); default none. */
  tune?: string;
  /** Container tags (`ffprobe -show_format` shows them), e.g. provenance; keys are `[a-z0-9_]+`. */
  metadata?: ContainerTags;
  /** Rewrites the encoded bytes before they are renamed into place (e.g. embeds a signed manifest). */
  finish?: FinishBytes;
}

/** Tags written into a file's container, in order: `{ description: 'AI-generated …', seed: '1' }`. */
export type ContainerTags = Record<string, string>;

/**
 * A last step on the encoded file's bytes, run on the temporary file before the rename, so a
 * failure in it leaves nothing under the final name.
 */
export type FinishBytes = (bytes: Uint8Array) => Promise<Uint8Array>;

/** Tag keys ffmpeg and every container here store as they are. */
const TAG_KEY = /^[a-z0-9_]+$/;

function checkTagKeys(tags: ContainerTags): void {
  for (const key of Object.keys(tags)) if (!TAG_KEY.test(key)) throw new Error(`container tag key "${key}" must match ${TAG_KEY}`);
}

/**
 * Default quality, chosen by measuring the 2× round trip of the moving-discs test clip
 * (crf → PSNR, size): 10 → 45.6 dB, 10.0 kB; 14 → 42.6 dB, 8.4 kB; 18 → 39.5 dB,
 * 7.0 kB; 23 → 35.2 dB, 5.4 kB. 14 leaves a wide margin over the 35 dB bar on
 * content harder than the test clip, and clips stay a few kB.
 */
export const DEFAULT_CRF = 14;
export const DEFAULT_PIXEL_SCALE = 2;
export const DEFAULT_PRESET = 'slow';

/**
 * The ffmpeg output arguments for our MP4s, shared by `writeMp4` and `encodeMp4`.
 *
 * - nearest-neighbour upscale, then an explicit BT.709 limited-range conversion to
 *   yuv420p (the auto-inserted one would use BT.601 and mislabel the colours), tagged
 *   so browsers and `readVideo` convert back with the same matrix;
 * - libx264 High profile, `+faststart` so a browser can play before the download ends;
 * - one thread and the bitexact flags remove every source of run-to-run variation
 *   (thread scheduling, encoder version string, creation time, copied metadata).
 *
 *   mp4OutputArgs({ scale: 2, width: 32, height: 32 }, 14, 'slow') // ['-vf', 'scale=w=iw*2:…', …, '-f', 'mp4']
 */
export function mp4OutputArgs(tag: PixelTag, crf: number, preset: string, tune?: string, metadata: ContainerTags = {}): string[] {
  checkTagKeys(metadata);
  // Custom keys need use_metadata_tags (an mdta key list in moov/udta/meta); without tags the
  // arguments, and so the bytes, are what they were before tags existed.
  const tags = Object.entries(metadata).flatMap(([key, value]) => ['-metadata', `${key}=${value}`]);
  const s = tag.scale;
  // At 1× the chroma is subsampled, so average it (area); at 2× and up chroma has a
  // sample per source pixel and nearest neighbour keeps it exact.
  const filter = s === 1 ? 'area' : 'neighbor';
  return [
    '-vf', [
      `scale=w=iw*${s}:h=ih*${s}:flags=${filter}+accurate_rnd+full_chroma_inp:out_color_matrix=bt709:out_range=tv`,
      'format=yuv420p',
    ].join(','),
    '-c:v', 'libx264',
    '-preset', preset,
    '-profile:v', 'high',
    '-crf', String(crf),
    ...(tune ? ['-tune', tune] : []),
    '-pix_fmt', 'yuv420p',
    '-colorspace', 'bt709',
    '-color_primaries', 'bt709',
    '-color_trc', 'bt709',
    '-color_range', 'tv',
    '-threads', '1',
    '-map_metadata', '-1',
    '-metadata', `comment=${formatPixelTag(tag)}`,
    ...tags,
    '-fflags', '+bitexact',
    '-flags:v', '+bitexact',
    '-movflags', tags.length > 0 ? '+faststart+use_metadata_tags' : '+faststart',
    '-f', 'mp4',
  ];
}

function rawInputArgs(video: Video): string[] {
  return [
    '-f', 'rawvideo',
    '-pix_fmt', 'rgb24',
    '-s', `${video.width}x${video.height}`,
    '-framerate', String(video.fps),
    '-i', 'pipe:0',
  ];
}

/**
 * Run ffmpeg to write `target` through a temporary file beside it: check the folder and
 * that `target` is absent or a regular file, encode into the temp path, let `finish` rewrite
 * the bytes, rename on success, delete the temp file on any failure.
 */
async function encodeAtomically(target: string, video: Video, outputArgs: string[], what: string, finish?: FinishBytes): Promise<void> {
  ensureWritableDir(path.dirname(target));
  assertReplaceableFile(target); // before encoding, and again before the rename
  const tmp = tempPathFor(target);
  try {
    const output = fileArg(tmp);
    const result = await runFfmpeg(['-y', ...rawInputArgs(video), ...outputArgs, output], { input: video.frames });
    if (result.code !== 0) {
      throw new UserError(`cannot write ${what} ${target}: ${ffmpegReason(result.stderr, output)}`);
    }
    if (finish) writeFileSynced(tmp, await finish(new Uint8Array(fs.readFileSync(tmp))), 'w');
    commitTempFile(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Write `video` as an H.264 MP4 that plays in browsers (yuv420p, High profile,
 * faststart). Deterministic: with the same ffmpeg binary, the same frames and options
 * give byte-identical files. The stored frames are `pixelScale` times larger (2 by
 * default, see `pixel-scale.ts`); with `pixelScale: 1` an odd width or height is
 * padded to even by repeating the last column / row. Both are recorded in the file,
 * and `readVideo` gives back the original shape.
 *
 * At the defaults (crf 14, preset slow, 2×) a 32×32×16 clip of saturated discs is
 * about 8 kB and reads back at about 42.6 dB PSNR; at 1× it cannot pass 30 dB.
 *
 *   await writeMp4(clip, 'out/clip.mp4');
 *   await writeMp4(clip, 'out/clip.mp4', { crf: 20 }); // smaller, lower quality
 */
export async function writeMp4(video: Video, file: string, opts: Mp4Options = {}): Promise<void> {
  assertVideoShape(video);
  const crf = checkCrf(opts.crf ?? DEFAULT_CRF);
  const scale = opts.pixelScale ?? DEFAULT_PIXEL_SCALE;
  if (![1, 2, 4].includes(scale)) throw new UserError(`pixelScale must be 1, 2 or 4, got ${scale}`);
  const tag = { scale, width: video.width, height: video.height };
  const args = mp4OutputArgs(tag, crf, opts.preset ?? DEFAULT_PRESET, opts.tune, opts.metadata);
  await encodeAtomically(file, padForScale(video, scale), args, 'video', opts.finish);
}

/**
 * The bytes `writeMp4` would write, for embedding (`data:video/mp4;base64,…`) in HTML
 * reports and notebooks. MP4 with faststart needs a seekable output, so it goes
 * through a private temporary folder that is always removed.
 *
 *   const b64 = Buffer.from(await encodeMp4(clip)).toString('base64');
 */
export async function encodeMp4(video: Video, opts: Mp4Options = {}): Promise<Uint8Array> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-mp4-'));
  try {
    const file = path.join(dir, 'video.mp4');
    await writeMp4(video, file, opts);
    return new Uint8Array(fs.readFileSync(file));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function checkCrf(crf: number): number {
  if (!Number.isFinite(crf) || crf < 1 || crf > 51) {
    throw new UserError(`crf must be between 1 and 51 (0 is lossless, which browsers do not play), got ${crf}`);
  }
  return crf;
}

/**
 * The palette filter graph for GIFs: one pass computes a 256-colour palette from all
 * frames, the other maps frames onto it. Bayer dithering is ordered (no error
 * carried between frames or pixels), so flat backgrounds stay flat and static areas
 * do not shimmer from frame to frame.
 */
export const GIF_FILTER = '[0:v]split[a][b];[a]palettegen=stats_mode=full:reserve_transparent=0[p];[b][p]paletteuse=dither=bayer:bayer_scale=3';

export interface GifOptions {
  /** Written as one GIF comment extension of `key=value` lines (see gif-comment.ts). */
  metadata?: ContainerTags;
  /** As for `writeMp4`. */
  finish?: FinishBytes;
}

/**
 * Write `video` as a looping GIF with a palette computed from the whole clip.
 * Deterministic and atomic like `writeMp4`. GIF frame delays are in hundredths of a
 * second, so fps that do not divide 100 are rounded by players (30 fps → 33.3).
 * ffmpeg's GIF muxer writes no comments, so `metadata` is inserted after it.
 *
 *   await writeGif(clip, 'out/clip.gif');
 */
export async function writeGif(video: Video, file: string, opts: GifOptions = {}): Promise<void> {
  assertVideoShape(video);
  const metadata = opts.metadata ?? {};
  checkTagKeys(metadata);
  const comment = Object.keys(metadata).length > 0 ? formatTagLines(metadata) : null;
  const finish = async (bytes: Uint8Array) => {
    const tagged = comment === null ? bytes : insertGifComment(bytes, comment);
    return opts.finish ? opts.finish(tagged) : tagged;
  };
  await encodeAtomically(file, video, [
    '-filter_complex', GIF_FILTER,
    '-threads', '1',
    '-map_metadata', '-1',
    '-fflags', '+bitexact',
    '-flags:v', '+bitexact',
    '-loop', '0',
    '-f', 'gif',
  ], 'GIF', finish);
}

/**
 * Tags as `key=value` lines, with backslashes and newlines in values escaped (`\\\\`, `\\n`) so each tag
 * stays one line; `parseTagLines` reads them back.
 *
 *   formatTagLines({ seed: '1', prompt: 'a\nb' }) // 'seed=1\nprompt=a\\nb\n'
 */
export function formatTagLines(tags: ContainerTags): string {
  return Object.entries(tags).map(([k, v]) => `${k}=${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n`).join('');
}

/** The tags of `formatTagLines` text (lines without `=` are skipped). */
export function parseTagLines(text: string): ContainerTags {
  const tags: ContainerTags = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    tags[line.slice(0, eq)] = line.slice(eq + 1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return tags;
}
