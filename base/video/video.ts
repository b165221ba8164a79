/**
 * The in-memory video: one flat RGB byte buffer plus its shape. Everything in
 * `base/video/` (encoders, decoder, contact sheets) speaks this type, so a video made
 * by the physics world, sampled by a model or read from disk looks the same.
 *
 *   const v = makeVideo(16, 32, 32, 10);   // 16 frames of 32×32 black, 10 fps
 *   frameView(v, 3)[0] = 255;              // top-left pixel of frame 3 turns red
 */

/**
 * RGB video, 8 bits per channel.
 *
 * `frames` is laid out `[T][H][W][3]`: frame-major, then row-major, channels last, so
 * pixel (t, y, x) channel c lives at `((t * height + y) * width + x) * 3 + c`.
 */
export interface Video {
  /** RGB uint8, `numFrames * height * width * 3` bytes. */
  frames: Uint8Array;
  numFrames: number;
  height: number;
  width: number;
  /** Frames per second; may be fractional (29.97). */
  fps: number;
}

/** Bytes in one frame of `video`: `frameBytes({ height: 32, width: 32 }) // 3072`. */
export function frameBytes(video: Pick<Video, 'height' | 'width'>): number {
  return video.height * video.width * 3;
}

/**
 * A zero-filled (black) video of the given shape.
 *
 *   const v = makeVideo(16, 32, 32, 10);
 *   v.frames.length // 16 * 32 * 32 * 3 = 49152
 */
export function makeVideo(numFrames: number, height: number, width: number, fps: number): Video {
  for (const [name, value] of [['numFrames', numFrames], ['height', height], ['width', width]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`makeVideo: ${name} must be a non-negative integer, got ${value}`);
  }
  if (!(fps > 0) || !Number.isFinite(fps)) throw new RangeError(`makeVideo: fps must be a positive number, got ${fps}`);
  return { frames: new Uint8Array(numFrames * height * width * 3), numFrames, height, width, fps };
}

/**
 * Check that `video.frames` matches its declared shape, so an encoder never sends
 * ffmpeg a buffer it would silently misread as a different size.
 *
 *   assertVideoShape({ ...clip, frames: clip.frames.subarray(1) }) // RangeError
 */
export function assertVideoShape(video: Video): void {
  const { numFrames, height, width, fps, frames } = video;
  if (![numFrames, height, width].every((n) => Number.isInteger(n) && n > 0)) {
    throw new RangeError(`video must have positive integer shape, got ${numFrames}×${height}×${width}`);
  }
  if (!(fps > 0) || !Number.isFinite(fps)) throw new RangeError(`video fps must be a positive number, got ${fps}`);
  const expected = numFrames * height * width * 3;
  if (frames.length !== expected) {
    throw new RangeError(`video frames has ${frames.length} bytes, expected ${expected} for ${numFrames}×${height}×${width}×3`);
  }
}

/**
 * The bytes of frame `t` (`[H][W][3]`), as a view: writing to it writes the video.
 *
 *   const f = frameView(v, 0);
 *   f.fill(255); // first frame white
 */
export function frameView(video: Video, t: number): Uint8Array {
  if (!Number.isInteger(t) || t < 0 || t >= video.numFrames) {
    throw new RangeError(`frame ${t} out of range 0..${video.numFrames - 1}`);
  }
  const n = frameBytes(video);
  return video.frames.subarray(t * n, (t + 1) * n);
}

/**
 * Peak signal-to-noise ratio in dB between two videos of the same shape, over every
 * frame, pixel and channel, with peak 255: `10·log10(255² / MSE)`. Identical videos
 * give `Infinity`. Frame rate is not compared (a decoder may round it).
 *
 *   psnr(original, decoded) // e.g. 41.3
 */
export function psnr(a: Video, b: Video): number {
  if (a.numFrames !== b.numFrames || a.height !== b.height || a.width !== b.width || a.frames.length !== b.frames.length) {
    throw new RangeError(
      `psnr: shapes differ (${a.numFrames}×${a.height}×${a.width} vs ${b.numFrames}×${b.height}×${b.width})`,
    );
  }
  const x = a.frames;
  const y = b.frames;
  let sumSquares = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    sumSquares += d * d;
  }
  if (sumSquares === 0) return Infinity;
  const mse = sumSquares / x.length;
  return 10 * Math.log10((255 * 255) / mse);
}
