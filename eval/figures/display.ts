/**
 * HTML snippets that show videos and stills inline: in a notebook (pass them to
 * `tslab.display.html`) or pasted into an HTML report. Media are embedded as `data:`
 * URIs, so a snippet needs no files beside it and survives in a saved notebook.
 *
 *   import * as tslab from 'tslab';
 *   tslab.display.html(await videoHtml(clip, { caption: meta.caption }));
 *   tslab.display.html(await videoGridHtml(samples.map((s) => ({ video: sampleVideo(s), caption: s.meta.caption }))));
 *   tslab.display.html(contactSheetHtml(clip, { columns: 8 }));
 */
import type { SampleMeta } from '../../datasets/world/spec.js';
import { contactSheet, encodeMp4, encodePng, type ContactSheetOptions, type Mp4Options, type Video } from '../../base/video/index.js';

/**
 * Default on-page width of a clip in CSS pixels: a 32-pixel clip at 6×, big enough to
 * see each pixel. Browsers upscale with `image-rendering: pixelated`, so it stays sharp.
 */
export const DEFAULT_DISPLAY_WIDTH = 192;

/** Escape text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** `bytes` as a `data:` URI: `dataUri('image/png', png) // 'data:image/png;base64,iVBOR…'`. */
export function dataUri(mime: string, bytes: Uint8Array): string {
  return `data:${mime};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

/**
 * A dataset sample (from `makeSample` or `WorldDataset.get`) as a `Video`, sharing its
 * frame buffer.
 *
 *   const clip = sampleVideo(ds.get(3));
 */
export function sampleVideo(sample: { frames: Uint8Array; meta: Pick<SampleMeta, 'numFrames' | 'height' | 'width' | 'fps'> }): Video {
  const { numFrames, height, width, fps } = sample.meta;
  return { frames: sample.frames, numFrames, height, width, fps };
}

export interface VideoHtmlOptions {
  /** On-page width in CSS pixels; the height follows the clip's aspect. Default 192. */
  width?: number;
  /** Text shown under the clip (escaped). */
  caption?: string;
  /** Passed to `encodeMp4` (quality, pixel scale). */
  mp4?: Mp4Options;
}

/**
 * A looping, muted, autoplaying `<video>` of `clip`, with an optional caption under it.
 * Muted and `playsinline` are what browsers require before they autoplay.
 *
 *   tslab.display.html(await videoHtml(clip, { caption: 'a red ball bounces', width: 256 }));
 */
export async function videoHtml(video: Video, opts: VideoHtmlOptions = {}): Promise<string> {
  const width = opts.width ?? DEFAULT_DISPLAY_WIDTH;
  const height = Math.round((width * video.height) / video.width);
  const src = dataUri('video/mp4', await encodeMp4(video, opts.mp4));
  const player =
    `<video autoplay loop muted playsinline width="${width}" height="${height}" ` +
    `style="image-rendering: pixelated; width: ${width}px; height: ${height}px; display: block" src="${src}"></video>`;
  return figureHtml(player, width, opts.caption);
}

export interface VideoGridItem {
  video: Video;
  caption?: string;
}

/**
 * Clips side by side, wrapping onto new rows, each with its caption under it.
 * Encodes one clip at a time (ffmpeg runs single-threaded, and notebooks share cores).
 *
 *   tslab.display.html(await videoGridHtml([{ video: a, caption: 'id' }, { video: b, caption: 'ood' }]));
 */
export async function videoGridHtml(items: readonly VideoGridItem[], opts: Omit<VideoHtmlOptions, 'caption'> = {}): Promise<string> {
  const cells: string[] = [];
  for (const item of items) cells.push(await videoHtml(item.video, { ...opts, caption: item.caption }));
  return gridHtml(cells);
}

export interface PngHtmlOptions {
  /** On-page width in CSS pixels; default the image's own width. */
  width?: number;
  caption?: string;
  /** Alternative text; default the caption, else empty. */
  alt?: string;
}

/**
 * An `<img>` of a PNG file image (from `encodePng`), upscaled without blurring.
 *
 *   tslab.display.html(pngHtml(encodePng(frameView(clip, 0), 32, 32), { width: 256 }));
 */
export function pngHtml(png: Uint8Array, opts: PngHtmlOptions = {}): string {
  const width = opts.width ?? pngWidth(png);
  const alt = escapeHtml(opts.alt ?? opts.caption ?? '');
  const img = `<img src="${dataUri('image/png', png)}" alt="${alt}" style="image-rendering: pixelated; width: ${width}px; display: block">`;
  return figureHtml(img, width, opts.caption);
}

/**
 * A contact sheet of `video` (see `contactSheet`: frames in a grid, zoomed with nearest
 * neighbour) as an inline PNG.
 *
 *   tslab.display.html(contactSheetHtml(clip, { columns: 8, caption: meta.caption }));
 */
export function contactSheetHtml(video: Video, opts: ContactSheetOptions & Pick<PngHtmlOptions, 'caption' | 'width'> = {}): string {
  const sheet = contactSheet(video, opts);
  return pngHtml(encodePng(sheet.rgb, sheet.width, sheet.height), { width: opts.width ?? sheet.width, caption: opts.caption });
}

/** Width from a PNG's IHDR chunk (bytes 16..19, big-endian). */
function pngWidth(png: Uint8Array): number {
  if (png.length < 24) throw new RangeError(`not a PNG: ${png.length} bytes`);
  return new DataView(png.buffer, png.byteOffset, png.byteLength).getUint32(16);
}

function figureHtml(media: string, width: number, caption: string | undefined): string {
  const text = caption === undefined ? '' : `<figcaption style="font: 12px/1.3 sans-serif; margin-top: 4px">${escapeHtml(caption)}</figcaption>`;
  return `<figure style="margin: 0; width: ${width}px">${media}${text}</figure>`;
}

function gridHtml(cells: readonly string[]): string {
  return `<div style="display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start">${cells.join('')}</div>`;
}
