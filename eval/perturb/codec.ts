/**
 * Lossy round trips for the validity suite: pass clips through a real codec the way a
 * generator's files reach the harness (H.264 yuv420p at several crf, VP9, and our own
 * export), with the project's ffmpeg (base/video/ffmpeg.ts) and decoder (base/video/decode.ts).
 *
 * To keep it cheap, all clips of one variant go through ONE encode and ONE decode: they are
 * concatenated and a keyframe is forced at every clip start, so each clip is coded on its own
 * (closed GOPs, no prediction across clips), as it would be as a separate file.
 *
 *   const decoded = await roundTrip(clips, CODEC_VARIANTS[0]); // same shapes back, lossy pixels
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mp4OutputArgs } from '../../base/video/encode.js';
import { ffmpegReason, fileArg, runFfmpeg } from '../../base/video/ffmpeg.js';
import { readVideo } from '../../base/video/decode.js';
import type { Video } from '../../base/video/video.js';

export interface CodecVariant {
  /** Short label for tables, e.g. `h264-crf23-32`. */
  name: string;
  /**
   * `h264`: libx264 yuv420p BT.709 at the clip's own size (chroma shared per 2×2 pixels);
   * `vp9`: libvpx-vp9 yuv420p, constant quality; `export`: what `npx spacetime data export`
   * and `writeMp4` write (2× nearest-neighbour upscale, H.264, tagged, read back at 1×).
   */
  codec: 'h264' | 'vp9' | 'export';
  crf: number;
  /** Rendered (and stored) frame size in pixels: the world is drawn natively at this size. */
  size: 32 | 64;
}

/** The encodings the harness must stay valid under (issue 18): ≤ 5% false alarms, AUROC ≥ 0.99. */
export const CODEC_VARIANTS: readonly CodecVariant[] = [
  { name: 'export (2× H.264 crf 14)', codec: 'export', crf: 14, size: 32 },
  ...([32, 64] as const).flatMap((size) => [
    ...[18, 23, 28].map((crf) => ({ name: `H.264 4:2:0 crf ${crf}, ${size}×${size}`, codec: 'h264' as const, crf, size })),
    { name: `VP9 crf 31, ${size}×${size}`, codec: 'vp9' as const, crf: 31, size },
  ]),
];

/** What a round trip needs of a variant: the encoding, not the size (clips bring their own). */
export type Encoding = Pick<CodecVariant, 'name' | 'codec' | 'crf'>;

function encoderArgs(v: Encoding, clipFrames: number, width: number, height: number): { args: string[]; ext: string } {
  // Closed GOP per clip: a keyframe at every clip start, none elsewhere.
  const keyframes = ['-force_key_frames', `expr:eq(mod(n,${clipFrames}),0)`, '-g', String(clipFrames)];
  const yuv = ['-vf', 'scale=out_color_matrix=bt709:out_range=tv:flags=bicubic+accurate_rnd+full_chroma_inp,format=yuv420p'];
  const tags = ['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv'];
  const exact = ['-threads', '1', '-map_metadata', '-1', '-fflags', '+bitexact', '-flags:v', '+bitexact'];
  if (v.codec === 'export') {
    const out = mp4OutputArgs({ scale: 2, width, height }, v.crf, 'slow');
    return { args: [...out.slice(0, -2), ...keyframes, '-sc_threshold', '0', '-f', 'mp4'], ext: 'mp4' };
  }
  if (v.codec === 'h264') {
    return {
      args: [...yuv, '-c:v', 'libx264', '-preset', 'medium', '-crf', String(v.crf), '-pix_fmt', 'yuv420p', ...keyframes, '-sc_threshold', '0', ...tags, ...exact, '-f', 'mp4'],
      ext: 'mp4',
    };
  }
  return {
    args: [...yuv, '-c:v', 'libvpx-vp9', '-crf', String(v.crf), '-b:v', '0', '-deadline', 'good', '-cpu-used', '4', '-row-mt', '0', '-pix_fmt', 'yuv420p', ...keyframes, ...tags, ...exact, '-f', 'webm'],
    ext: 'webm',
  };
}

/**
 * Encode `clips` (all the same shape) with `variant` and decode them back with `readVideo`,
 * as the harness would read the files. Deterministic for a given ffmpeg binary.
 */
export async function roundTrip(clips: readonly Video[], variant: Encoding): Promise<Video[]> {
  if (clips.length === 0) return [];
  const { numFrames: T, height: H, width: W, fps } = clips[0];
  const frameBytes = T * H * W * 3;
  const joined = new Uint8Array(frameBytes * clips.length);
  clips.forEach((c, k) => {
    if (c.numFrames !== T || c.height !== H || c.width !== W) throw new Error(`roundTrip: clip ${k} is ${c.numFrames}×${c.height}×${c.width}, not ${T}×${H}×${W}`);
    joined.set(c.frames, k * frameBytes);
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-codec-'));
  try {
    const { args, ext } = encoderArgs(variant, T, W, H);
    const file = path.join(dir, `clips.${ext}`);
    const input = ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, '-framerate', String(fps), '-i', 'pipe:0'];
    const r = await runFfmpeg(['-y', ...input, ...args, fileArg(file)], { input: joined });
    if (r.code !== 0) throw new Error(`roundTrip ${variant.name}: ${ffmpegReason(r.stderr)}`);
    const back = await readVideo(file);
    if (back.numFrames !== T * clips.length || back.width !== W || back.height !== H) {
      throw new Error(`roundTrip ${variant.name}: decoded ${back.numFrames}×${back.height}×${back.width}, expected ${T * clips.length}×${H}×${W}`);
    }
    return clips.map((c, k) => ({ ...c, frames: back.frames.slice(k * frameBytes, (k + 1) * frameBytes) }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
