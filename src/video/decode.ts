/**
 * Reading any video ffmpeg can decode (MP4, GIF, WebM, a PNG, …) into a `Video`.
 * There is no ffprobe, so a first ffmpeg call only opens the file and its log gives
 * the frame rate and our size tag; a second converts every frame to 8-bit RGB and
 * streams it as binary PPM images on stdout, whose headers carry the frame size.
 *
 *   const clip = await readVideo('runs/sample-003.mp4');
 *   clip.numFrames, clip.height, clip.width, clip.fps // 16, 32, 32, 10
 */
import fs from 'node:fs';
import { UserError } from '../errors.js';
import { ffmpegReason, fileArg, runFfmpeg } from './ffmpeg.js';
import { parsePixelTag, unscale } from './pixel-scale.js';
import type { Video } from './video.js';

/** Frame rate reported when a file states none (a lone PNG); ffmpeg's own default. */
export const FALLBACK_FPS = 25;

/**
 * Decode every frame of `file` to RGB.
 *
 * Frames are passed through one-to-one (`-vsync passthrough`), so a GIF with uneven
 * frame delays gives one frame per stored image rather than duplicates. MP4s written
 * by `writeMp4` come back at their original size (see `pixel-scale.ts`). Fails with a
 * one-line UserError naming the file when it is missing, cannot be decoded (random
 * bytes, a truncated MP4) or holds no decodable frame.
 *
 *   const clip = await readVideo('out/clip.mp4');
 */
export async function readVideo(file: string): Promise<Video> {
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
  const probe = await runFfmpeg(['-nostdin', '-i', input]);
  const header = inputSection(probe.stderr);
  if (header === undefined) throw fail(ffmpegReason(probe.stderr, input));
  if (!/Stream #\d+:\d+.*: Video:/.test(header)) throw fail('no video stream');
  const tag = parsePixelTag(header);
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
    '-sws_flags', `${chroma}+accurate_rnd+full_chroma_int`,
    '-pix_fmt', 'rgb24',
    '-f', 'image2pipe',
    '-vcodec', 'ppm',
    '-',
  ]);
  if (result.code !== 0) throw fail(ffmpegReason(result.stderr, input));
  const frames = parsePpmStream(result.stdout, file);
  if (frames.count === 0) throw fail('no decodable video frames');
  const video: Video = {
    frames: frames.data,
    numFrames: frames.count,
    height: frames.height,
    width: frames.width,
    fps: parseInputFps(header) ?? FALLBACK_FPS,
  };
  if (tag === undefined) return video;
  if (tag.width * tag.scale > video.width || tag.height * tag.scale > video.height) {
    throw fail(`its size tag (${tag.width}x${tag.height} at ${tag.scale}x) does not fit its ${video.width}x${video.height} frames`);
  }
  return unscale(video, tag);
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
