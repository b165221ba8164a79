/**
 * Reading any video ffmpeg can decode (MP4, GIF, WebM, a PNG, …) into a `Video`.
 * There is no ffprobe, so a first ffmpeg call only opens the file and its log gives
 * the frame size, the frame rate and our size tag (`probeVideo`); a second converts every frame to 8-bit RGB and
 * streams it as binary PPM images on stdout, whose headers carry the frame size.
 *
 *   const clip = await readVideo('runs/sample-003.mp4');
 *   clip.numFrames, clip.height, clip.width, clip.fps // 16, 32, 32, 10
 */
import fs from 'node:fs';
import { UserError } from '../errors.js';
import { ffmpegReason, fileArg, runFfmpeg } from './ffmpeg.js';
import { parsePixelTag, unscale, type PixelTag } from './pixel-scale.js';
import type { Video } from './video.js';

/** Frame rate reported when a file states none (a lone PNG); ffmpeg's own default. */
export const FALLBACK_FPS = 25;

/** What the file's header says, read before any frame is decoded. */
export interface VideoProbe {
  /** Size of the frames as stored (for our 2× MP4s, twice the clip's). */
  width: number;
  height: number;
  fps: number;
  /** Our pixel-scale tag (`pixel-scale.ts`), when the file carries one. */
  tag: PixelTag | undefined;
}

/** The shape a caller was told to expect (a captions.csv row): frames × height × width. */
export interface StatedShape {
  numFrames: number;
  height: number;
  width: number;
}

/**
 * Decoded bytes allowed beyond what a stated shape needs: room to count the frames of a
 * file that is a little longer than stated (and say how many), while a file with far more
 * frames than stated stops decoding there instead of filling memory.
 */
export const DECODE_SLACK_BYTES = 64 * 2 ** 20;

/**
 * Open `file` with ffmpeg and read its header only: stored frame size, frame rate and our
 * size tag. One-line UserError naming the file when it is missing, not a regular file,
 * not decodable or has no video stream.
 *
 *   await probeVideo('exports/ood/videos/ood-bounce-000000.mp4')
 *   // { width: 64, height: 64, fps: 10, tag: { scale: 2, width: 32, height: 32 } }
 */
export async function probeVideo(file: string): Promise<VideoProbe> {
  return (await openVideo(file)).probe;
}

/**
 * Decode every frame of `file` to RGB.
 *
 * Frames are passed through one-to-one (`-vsync passthrough`), so a GIF with uneven
 * frame delays gives one frame per stored image rather than duplicates. MP4s written
 * by `writeMp4` come back at their original size (see `pixel-scale.ts`). Fails with a
 * one-line UserError naming the file when it is missing, cannot be decoded (random
 * bytes, a truncated MP4) or holds no decodable frame.
 *
 * With `stated` (what a captions.csv row says), the header is checked first: the stored
 * frames, or for our tagged MP4s the clip they hold, must have the stated height and
 * width, else nothing is decoded; and decoding stops a little past the stated number of
 * frames (`DECODE_SLACK_BYTES`), so a mislabelled file cannot fill memory. A wrong
 * number of frames is the caller's to report (`video.numFrames`), except "more than N".
 *
 *   const clip = await readVideo('out/clip.mp4');
 *   const row = await readVideo('in/videos/a.mp4', { numFrames: 16, height: 32, width: 32 });
 */
export async function readVideo(file: string, stated?: StatedShape): Promise<Video> {
  const { probe, input, fail } = await openVideo(file);
  const { tag } = probe;
  let maxFrames: number | undefined;
  if (stated) {
    const sizeFits = (w: number, h: number) => w === stated.width && h === stated.height;
    if (!sizeFits(probe.width, probe.height) && !(tag && sizeFits(tag.width, tag.height))) {
      const held = tag ? ` (holding a ${tag.width}x${tag.height} clip at ${tag.scale}x)` : '';
      throw fail(`its frames are ${probe.width}x${probe.height}${held}, the row says ${stated.width}x${stated.height}; not decoded`);
    }
    maxFrames = stated.numFrames + Math.max(1, Math.floor(DECODE_SLACK_BYTES / (probe.width * probe.height * 3)));
  }
  // For our upscaled MP4s each chroma sample covers whole source pixels, so repeating
  // it is exact; anything else gets interpolated chroma (about 2 dB better on edges).
  const chroma = tag !== undefined && tag.scale % 2 === 0 ? 'neighbor' : 'bicubic';

  const result = await runFfmpeg([
    '-nostdin',
    // Decode errors (a truncated MP4, a damaged GIF) must fail, not yield a
    // plausible but short or smeared clip.
    '-xerror',
    '-err_detect', 'explode',
    '-i', input,
    '-map', '0:v:0',
    '-vsync', 'passthrough',
    ...(maxFrames !== undefined ? ['-frames:v', String(maxFrames)] : []),
    '-sws_flags', `${chroma}+accurate_rnd+full_chroma_int`,
    '-pix_fmt', 'rgb24',
    '-f', 'image2pipe',
    '-vcodec', 'ppm',
    '-',
  ]);
  if (result.code !== 0) throw fail(ffmpegReason(result.stderr, input));
  const frames = parsePpmStream(result.stdout, file);
  if (frames.count === 0) throw fail('no decodable video frames');
  if (maxFrames !== undefined && frames.count >= maxFrames) throw fail(`has more than ${maxFrames - 1} frames, the row says ${stated!.numFrames}`);
  const video: Video = {
    frames: frames.data,
    numFrames: frames.count,
    height: frames.height,
    width: frames.width,
    fps: probe.fps,
  };
  if (tag === undefined) return video;
  if (tag.width * tag.scale > video.width || tag.height * tag.scale > video.height) {
    throw fail(`its size tag (${tag.width}x${tag.height} at ${tag.scale}x) does not fit its ${video.width}x${video.height} frames`);
  }
  return unscale(video, tag);
}

/** Check that `file` is a regular file and read its header (one ffmpeg call, no decoding). */
async function openVideo(file: string): Promise<{ probe: VideoProbe; input: string; fail: (reason: string) => UserError }> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read video ${file}: ${code === 'ENOENT' ? 'no such file' : code ?? 'unreadable'}`);
  }
  if (!stat.isFile()) throw new UserError(`cannot read video ${file}: not a regular file`);
  const fail = (reason: string) => new UserError(`cannot decode video ${file}: ${reason}`);
  const input = fileArg(file);
  // Without an output ffmpeg only opens the file and prints its stream info (exit 1).
  const result = await runFfmpeg(['-nostdin', '-i', input]);
  const header = inputSection(result.stderr);
  if (header === undefined) throw fail(ffmpegReason(result.stderr, input));
  if (!/Stream #\d+:\d+.*: Video:/.test(header)) throw fail('no video stream');
  const size = parseInputSize(header);
  if (size === undefined) throw fail('its header states no frame size');
  return { probe: { ...size, fps: parseInputFps(header) ?? FALLBACK_FPS, tag: parsePixelTag(header) }, input, fail };
}

/**
 * Concatenated binary PPMs (`P6 <w> <h> <maxval>` + RGB bytes each) → one `[T][H][W][3]`
 * buffer. All frames must share one size and maxval 255.
 *
 *   parsePpmStream(Buffer.from('P6\n1 1\n255\n\x01\x02\x03', 'latin1')) // { data: [1,2,3], count: 1, height: 1, width: 1 }
 */
export function parsePpmStream(buf: Uint8Array, file = 'stream'): { data: Uint8Array; count: number; height: number; width: number } {
  let pos = 0;
  let width = 0;
  let height = 0;
  const offsets: number[] = [];
  while (pos < buf.length) {
    const header = readPpmHeader(buf, pos, file);
    if (offsets.length === 0) {
      width = header.width;
      height = header.height;
    } else if (header.width !== width || header.height !== height) {
      throw new UserError(`cannot decode video ${file}: frame size changes from ${width}x${height} to ${header.width}x${header.height}`);
    }
    const size = width * height * 3;
    if (header.dataStart + size > buf.length) throw new UserError(`cannot decode video ${file}: truncated frame data`);
    offsets.push(header.dataStart);
    pos = header.dataStart + size;
  }
  const frameSize = width * height * 3;
  const data = new Uint8Array(offsets.length * frameSize);
  offsets.forEach((start, t) => data.set(buf.subarray(start, start + frameSize), t * frameSize));
  return { data, count: offsets.length, height, width };
}

function readPpmHeader(buf: Uint8Array, start: number, file: string): { width: number; height: number; dataStart: number } {
  const bad = (why: string) => new UserError(`cannot decode video ${file}: ${why}`);
  if (buf[start] !== 0x50 /* P */ || buf[start + 1] !== 0x36 /* 6 */) throw bad('unexpected decoder output (not a P6 PPM)');
  let pos = start + 2;
  const fields: number[] = [];
  while (fields.length < 3) {
    while (pos < buf.length && isSpace(buf[pos])) pos++;
    let value = 0;
    let digits = 0;
    while (pos < buf.length && buf[pos] >= 0x30 && buf[pos] <= 0x39) {
      value = value * 10 + (buf[pos] - 0x30);
      pos++;
      digits++;
    }
    if (digits === 0) throw bad('malformed PPM header from decoder');
    fields.push(value);
  }
  // Exactly one whitespace byte separates maxval from the pixel data.
  if (!isSpace(buf[pos])) throw bad('malformed PPM header from decoder');
  const [width, height, maxval] = fields;
  if (maxval !== 255) throw bad(`decoder produced ${maxval}-level PPM, expected 255`);
  return { width, height, dataStart: pos + 1 };
}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * The `Input #0` part of an ffmpeg log (container and stream info, metadata), or
 * `undefined` when ffmpeg could not open the input. Output streams print an fps and
 * metadata too, so parsers must only look here.
 *
 *   inputSection((await runFfmpeg(['-i', fileArg('a.mp4')])).stderr) // 'Input #0, mov,mp4,… Stream #0:0…'
 */
export function inputSection(stderr: string): string | undefined {
  const start = stderr.indexOf('Input #0');
  if (start < 0) return undefined;
  const ends = ['Output #0', 'Stream mapping:'].map((m) => stderr.indexOf(m, start)).filter((i) => i >= 0);
  return stderr.slice(start, ends.length > 0 ? Math.min(...ends) : undefined);
}

/**
 * Frame rate of the first video stream in an ffmpeg input log, from its `N fps`
 * field, else its `N tbr` field; `undefined` when neither is present.
 *
 *   parseInputFps('Input #0, …\n    Stream #0:0: Video: h264 …, 32x32, 10 fps, 10 tbr, …')  // 10
 */
export function parseInputFps(inputLog: string): number | undefined {
  const stream = inputLog.split('\n').find((l) => /Stream #\d+:\d+.*: Video:/.test(l));
  if (stream === undefined) return undefined;
  for (const unit of ['fps', 'tbr']) {
    const m = stream.match(new RegExp(`(\\d+(?:\\.\\d+)?)(k?) ${unit}\\b`));
    if (m) {
      const value = Number(m[1]) * (m[2] === 'k' ? 1000 : 1);
      if (value > 0) return value;
    }
  }
  return undefined;
}

/**
 * Frame size (width × height) of the first video stream in an ffmpeg input log;
 * `undefined` when the stream line states none.
 *
 *   parseInputSize('    Stream #0:0: Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv), 64x64, 10 fps') // { width: 64, height: 64 }
 */
export function parseInputSize(inputLog: string): { width: number; height: number } | undefined {
  const stream = inputLog.split('\n').find((l) => /Stream #\d+:\d+.*: Video:/.test(l));
  // `, WxH` (codec tags like `0x31637661` follow a slash, not a comma).
  const m = stream?.match(/, (\d+)x(\d+)\b/);
  if (!m) return undefined;
  const [width, height] = [Number(m[1]), Number(m[2])];
  return width > 0 && height > 0 ? { width, height } : undefined;
}
