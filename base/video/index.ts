/**
 * Video I/O: the in-memory `Video`, MP4/GIF writers, a decoder for anything ffmpeg
 * reads, and PNG stills / contact sheets.
 *
 *   import { readVideo, writeMp4, writeContactSheet, psnr } from './index.js';
 *   const clip = await readVideo('runs/sample-003.mp4');
 *   await writeMp4(clip, 'reports/sample-003.mp4');
 *   writeContactSheet(clip, 'reports/sample-003.png', { columns: 8 });
 */
export { makeVideo, frameView, frameBytes, psnr, assertVideoShape, type Video } from './video.js';
export { ffmpegPath, runFfmpeg, ffmpegReason, fileArg, FFMPEG_ENV, type FfmpegResult } from './ffmpeg.js';
export { writeMp4, encodeMp4, writeGif, DEFAULT_CRF, DEFAULT_PIXEL_SCALE, DEFAULT_PRESET, formatTagLines, parseTagLines, type Mp4Options, type GifOptions, type ContainerTags, type FinishBytes } from './encode.js';
export { insertGifComment, readGifComments, isGif } from './gif-comment.js';
export { readVideo, probeVideo, DECODE_SLACK_BYTES, type VideoProbe, type StatedShape } from './decode.js';
export { encodePng, writePng, contactSheet, writeContactSheet, crc32, readPngText, SHEET_GREY, type ContactSheetOptions, type PngOptions } from './png.js';
