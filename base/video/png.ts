/**
 * PNG stills and contact sheets, without ffmpeg: a minimal encoder (8-bit RGB, no
 * interlace) over node:zlib's deflate, and a grid layout of frames for reports.
 *
 *   writeContactSheet(clip, 'out/clip.png');                    // all frames, 3× zoom
 *   writeContactSheet(clip, 'out/firsts.png', { frames: [0, 8, 15], columns: 3 });
 */
import zlib from 'node:zlib';
import { writeFileAtomic } from '../io/atomic.js';
import { assertVideoShape, frameView, type Video } from './video.js';

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const COLOUR_TYPE_RGB = 2;

/** CRC-32 (IEEE, reflected, polynomial 0xEDB88320) lookup table, as PNG chunks use. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 of `bytes` (the checksum in every PNG chunk, also zip and gzip).
 *
 *   crc32(new TextEncoder().encode('123456789')) // 0xcbf43926
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  // The CRC covers the type and the data, not the length.
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export interface PngOptions {
  /** Text chunks (iTXt, UTF-8), keyword → text, written before the image data; `readPngText` reads them. */
  text?: Record<string, string>;
}

/** PNG keywords are 1–79 Latin-1 printable characters; ours are plain ASCII words. */
const KEYWORD = /^[A-Za-z0-9_ ]{1,79}$/;

/** An iTXt chunk's data: keyword, NUL, uncompressed (0, 0), no language tag, no translated keyword, UTF-8 text. */
function internationalText(keyword: string, text: string): Uint8Array {
  if (!KEYWORD.test(keyword)) throw new RangeError(`PNG text keyword "${keyword}" must be 1–79 letters, digits, _ or spaces`);
  const encoder = new TextEncoder();
  const head = encoder.encode(keyword);
  const body = encoder.encode(text);
  const out = new Uint8Array(head.length + 5 + body.length);
  out.set(head, 0); // followed by: NUL, compression flag 0, method 0, empty language NUL, empty translation NUL
  out.set(body, head.length + 5);
  return out;
}

/**
 * The text chunks of a PNG file (iTXt uncompressed and tEXt), keyword → text; later ones win.
 * Throws on a file that is not a PNG or whose chunks run past its end.
 *
 *   readPngText(encodePng(rgb, 1, 1, { text: { seed: '1' } })) // { seed: '1' }
 */
export function readPngText(png: Uint8Array): Record<string, string> {
  if (png.length < PNG_SIGNATURE.length || PNG_SIGNATURE.some((b, i) => png[i] !== b)) throw new Error('not a PNG file');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const text: Record<string, string> = {};
  for (let pos = PNG_SIGNATURE.length; pos + 8 <= png.length; ) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...png.subarray(pos + 4, pos + 8));
    const data = png.subarray(pos + 8, pos + 8 + length);
    if (data.length !== length) throw new Error(`PNG chunk ${type} runs past the end of the file`);
    const nul = data.indexOf(0);
    if (type === 'tEXt' && nul > 0) text[new TextDecoder('latin1').decode(data.subarray(0, nul))] = new TextDecoder('latin1').decode(data.subarray(nul + 1));
    if (type === 'iTXt' && nul > 0 && data[nul + 1] === 0) {
      const language = data.indexOf(0, nul + 3);
      const translated = language < 0 ? -1 : data.indexOf(0, language + 1);
      if (translated >= 0) text[new TextDecoder('latin1').decode(data.subarray(0, nul))] = new TextDecoder().decode(data.subarray(translated + 1));
    }
    if (type === 'IEND') break;
    pos += 12 + length;
  }
  return text;
}

/**
 * Encode `rgb` (`[height][width][3]` bytes) as a PNG file image. Rows use filter 0
 * (none): deflate already finds the repeats in upscaled contact sheets, and the
 * encoder stays simple enough to check by eye.
 *
 *   const png = encodePng(frameView(clip, 0), clip.width, clip.height);
 */
export function encodePng(rgb: Uint8Array, width: number, height: number, opts: PngOptions = {}): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`PNG size must be positive integers, got ${width}x${height}`);
  }
  if (rgb.length !== width * height * 3) {
    throw new RangeError(`PNG data has ${rgb.length} bytes, expected ${width * height * 3} for ${width}x${height} RGB`);
  }
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = COLOUR_TYPE_RGB;
  // bytes 10..12: compression 0 (deflate), filter method 0, interlace 0 (none)

  const stride = width * 3;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter type: none
    raw.set(rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const idat = zlib.deflateSync(raw, { level: 9 });

  const text = Object.entries(opts.text ?? {}).map(([key, value]) => chunk('iTXt', internationalText(key, value)));
  const parts = [PNG_SIGNATURE, chunk('IHDR', header), ...text, chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Write an RGB image as a PNG file, atomically (temp file beside it, then rename).
 *
 *   writePng('out/frame0.png', frameView(clip, 0), clip.width, clip.height);
 */
export function writePng(file: string, rgb: Uint8Array, width: number, height: number, opts: PngOptions = {}): void {
  writeFileAtomic(file, encodePng(rgb, width, height, opts));
}

export interface ContactSheetOptions {
  /** Frames per row; default: all selected frames on one row, at most 8. */
  columns?: number;
  /** Integer nearest-neighbour zoom; default `round(96 / max(height, width))`, at least 1. */
  scale?: number;
  /** Grey pixels between cells (after zoom); default 2. */
  gap?: number;
  /** Which frames, in order; default all. */
  frames?: number[];
}

/** Colour of the gaps and of empty cells: neutral mid grey, distinct from black frames. */
export const SHEET_GREY = 128;

/** Default zoom target: a 32-pixel frame becomes 96 pixels, readable in a report. */
const TARGET_CELL_PIXELS = 96;
const MAX_DEFAULT_COLUMNS = 8;

/**
 * Lay frames out in a grid, row by row, each upscaled by an integer factor with
 * nearest neighbour (so pixels stay sharp and countable), separated by `gap` grey
 * pixels; unused cells of the last row are grey too. There is no outer border.
 *
 * Pixel (y, x) of the k-th listed frame lands at
 * `(row·(H·scale + gap) + y·scale, col·(W·scale + gap) + x·scale)`, with
 * `row = floor(k / columns)` and `col = k % columns`.
 *
 *   const sheet = contactSheet(clip, { columns: 4 }); // 16 frames of 32² → 4×4 grid
 *   sheet.width // 4·96 + 3·2 = 390
 */
export function contactSheet(video: Video, opts: ContactSheetOptions = {}): { rgb: Uint8Array; width: number; height: number } {
  assertVideoShape(video);
  const frames = opts.frames ?? Array.from({ length: video.numFrames }, (_, t) => t);
  if (frames.length === 0) throw new RangeError('contact sheet needs at least one frame');
  const scale = opts.scale ?? Math.max(1, Math.round(TARGET_CELL_PIXELS / Math.max(video.height, video.width)));
  const gap = opts.gap ?? 2;
  const columns = opts.columns ?? Math.min(frames.length, MAX_DEFAULT_COLUMNS);
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`contact sheet scale must be a positive integer, got ${scale}`);
  if (!Number.isInteger(gap) || gap < 0) throw new RangeError(`contact sheet gap must be a non-negative integer, got ${gap}`);
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`contact sheet columns must be a positive integer, got ${columns}`);

  const rows = Math.ceil(frames.length / columns);
  const cellW = video.width * scale;
  const cellH = video.height * scale;
  const width = columns * cellW + (columns - 1) * gap;
  const height = rows * cellH + (rows - 1) * gap;
  const rgb = new Uint8Array(width * height * 3).fill(SHEET_GREY);

  frames.forEach((t, k) => {
    const src = frameView(video, t);
    const left = (k % columns) * (cellW + gap);
    const top = Math.floor(k / columns) * (cellH + gap);
    for (let y = 0; y < cellH; y++) {
      const srcRow = Math.floor(y / scale) * video.width;
      const dstRow = ((top + y) * width + left) * 3;
      for (let x = 0; x < cellW; x++) {
        const s = (srcRow + Math.floor(x / scale)) * 3;
        const d = dstRow + x * 3;
        rgb[d] = src[s];
        rgb[d + 1] = src[s + 1];
        rgb[d + 2] = src[s + 2];
      }
    }
  });
  return { rgb, width, height };
}

/**
 * `contactSheet` written straight to a PNG file (atomically).
 *
 *   writeContactSheet(clip, 'reports/sample-003.png', { columns: 8 });
 */
export function writeContactSheet(video: Video, file: string, opts: ContactSheetOptions = {}): void {
  const sheet = contactSheet(video, opts);
  writePng(file, sheet.rgb, sheet.width, sheet.height);
}
