/**
 * Why our MP4s are stored at twice the clip's size, and how `readVideo` undoes it.
 *
 * yuv420p (the only pixel format every browser plays) keeps one chroma sample per 2×2
 * pixels. On a 32×32 clip of saturated discs over a light background that alone caps
 * the round trip at about 30 dB PSNR (31 dB even with luma/chroma jointly optimised),
 * whatever the codec settings (measured: 29.6 dB at crf 1), because at this size
 * many 2×2 blocks straddle a disc edge and must share one compromise colour.
 * Upscaling each pixel to a 2×2 block (nearest neighbour) before encoding makes every
 * chroma sample belong to exactly one source pixel, i.e. 4:4:4 at the clip's own
 * resolution, and the round trip rises above 40 dB. The file also displays at a more
 * useful size. The encoder records the factor and the original size in the MP4's
 * `comment` tag, and `readVideo` averages each block back and crops any padding.
 *
 *   formatPixelTag({ scale: 2, width: 33, height: 31 }) // 'spacetime pixel-scale=2 size=33x31'
 */
import type { Video } from './video.js';

/** How a stored frame maps back to the clip: upscale factor and the original size. */
export interface PixelTag {
  scale: number;
  width: number;
  height: number;
}

const TAG_PREFIX = 'spacetime pixel-scale=';

/** The `comment` metadata value that records `tag`. */
export function formatPixelTag(tag: PixelTag): string {
  return `${TAG_PREFIX}${tag.scale} size=${tag.width}x${tag.height}`;
}

/**
 * Find our tag in the input section of an ffmpeg log (`comment : spacetime …`);
 * `undefined` for files we did not write.
 *
 *   parsePixelTag('    comment         : spacetime pixel-scale=2 size=32x32') // { scale: 2, width: 32, height: 32 }
 */
export function parsePixelTag(inputLog: string): PixelTag | undefined {
  const m = inputLog.match(/^\s*comment\s*:\s*spacetime pixel-scale=(\d+) size=(\d+)x(\d+)\s*$/m);
  if (!m) return undefined;
  const [scale, width, height] = [m[1], m[2], m[3]].map(Number);
  return scale >= 1 && width >= 1 && height >= 1 ? { scale, width, height } : undefined;
}

/**
 * Repeat the last column / row so that `scale × width` and `scale × height` are even,
 * as yuv420p requires. Edge repetition (rather than black bars) keeps the chroma of
 * border pixels clean; `readVideo` crops the padding off again using the tag.
 *
 *   padForScale(makeVideo(1, 33, 31, 10), 1) // 34×32;  padForScale(v, 2) === v
 */
export function padForScale(video: Video, scale: number): Video {
  const width = (video.width * scale) % 2 === 1 ? video.width + 1 : video.width;
  const height = (video.height * scale) % 2 === 1 ? video.height + 1 : video.height;
  if (width === video.width && height === video.height) return video;
  const out = new Uint8Array(video.numFrames * height * width * 3);
  const src = video.frames;
  for (let t = 0; t < video.numFrames; t++) {
    for (let y = 0; y < height; y++) {
      const sy = Math.min(y, video.height - 1);
      for (let x = 0; x < width; x++) {
        const i = ((t * video.height + sy) * video.width + Math.min(x, video.width - 1)) * 3;
        const o = ((t * height + y) * width + x) * 3;
        out[o] = src[i];
        out[o + 1] = src[i + 1];
        out[o + 2] = src[i + 2];
      }
    }
  }
  return { ...video, frames: out, width, height };
}

/**
 * Undo the encoder's upscale: average each `scale × scale` block (the best estimate
 * of the source pixel once the codec has perturbed the copies differently) and keep
 * the top-left `tag.width × tag.height` pixels.
 *
 *   unscale(decoded64x64, { scale: 2, width: 32, height: 32 }) // 32×32 video
 */
export function unscale(video: Video, tag: PixelTag): Video {
  const { scale, width, height } = tag;
  if (width * scale > video.width || height * scale > video.height) {
    throw new RangeError(`pixel tag ${formatPixelTag(tag)} does not fit a ${video.width}x${video.height} video`);
  }
  if (scale === 1 && width === video.width && height === video.height) return video;
  const out = new Uint8Array(video.numFrames * height * width * 3);
  const src = video.frames;
  const area = scale * scale;
  for (let t = 0; t < video.numFrames; t++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let dy = 0; dy < scale; dy++) {
            const row = (t * video.height + y * scale + dy) * video.width + x * scale;
            for (let dx = 0; dx < scale; dx++) sum += src[(row + dx) * 3 + c];
          }
          out[((t * height + y) * width + x) * 3 + c] = Math.round(sum / area);
        }
      }
    }
  }
  return { ...video, frames: out, width, height };
}
