/**
 * The interchange layout, Open-Sora's: what `spacetime data export` writes and what users
 * bring their own videos in.
 *
 *   DIR/videos/NAME.mp4
 *   DIR/captions.csv          path,text,num_frames,height,width,fps   (path relative to DIR)
 *   DIR/states/NAME.json      optional ground truth: fps, width, height, constants,
 *                             caption, spec, objects[{id, shape, color, rgb, size, track[]}],
 *                             pixel_scale (datasets/state-file.ts)
 *
 * Sizes are those of the stored files: our MP4s hold each clip pixel as a 2×2 block
 * (base/video/pixel-scale.ts), so an exported 32×32 clip is listed as 64×64 and its state
 * is in those pixels with `"pixel_scale": 2`. Readers accept a row that gives either the
 * stored size or, for our tagged MP4s, the clip's (as exports before this did), and always
 * work at the decoded clip's size.
 *
 * `importFolder` reads any folder in this layout into a dataset (sharded, like `data make`),
 * one video at a time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError, describeError } from '../base/errors.js';
import { ensureWritableDir, makeStagingFolder, replaceFolderAtomically, writeFileAtomic } from '../base/io/atomic.js';
import { formatCsv, parseCsv, type CsvRow } from '../base/io/csv.js';
import { DEFAULT_PIXEL_SCALE, readVideo, writeMp4, type Video } from '../base/video/index.js';
import { describeSelection, requestAt, type Selection } from './selection.js';
import { DATASET_FORMAT, planShards, readManifest, writeManifest, writeShard, type Manifest } from './shards.js';
import { parseState, stateForVideo, storedState, type StateFile } from './state-file.js';
import { makeSample } from './world/sample.js';
import type { SampleMeta, WorldSampleMeta } from './world/spec.js';

export { parseState, stateForVideo, storedState, type StateFile, type StateObject } from './state-file.js';

export const CAPTIONS_HEADER = ['path', 'text', 'num_frames', 'height', 'width', 'fps'] as const;
/** Stored pixels per clip pixel in exported MP4s (`writeMp4`'s default; see pixel-scale.ts). */
export const EXPORT_PIXEL_SCALE = DEFAULT_PIXEL_SCALE;
/**
 * Largest clip a row may state, in decoded bytes (frames × height × width × 3): 1 GiB, about
 * 20,000 times a 32×32×16 clip. A row claiming more is refused before anything is decoded.
 */
export const MAX_CLIP_BYTES = 2 ** 30;

export function toStateFile(meta: WorldSampleMeta): StateFile {
  return {
    fps: meta.fps,
    width: meta.width,
    height: meta.height,
    constants: meta.constants,
    caption: meta.caption,
    spec: meta.spec,
    objects: meta.spec.objects.map((o, k) => ({
      id: o.id,
      shape: o.shape,
      color: o.color,
      rgb: o.rgb,
      size: o.shape === 'ball' ? { radius: o.size, halfWidth: o.halfWidth, halfHeight: o.halfHeight } : { halfWidth: o.halfWidth, halfHeight: o.halfHeight },
      track: meta.tracks[k].map(({ t, x, y, vx, vy, px, py, visible }) => ({ t, x, y, vx, vy, px, py, visible })),
    })),
  };
}

export interface ExportOptions {
  out: string;
  /** Parallel ffmpeg encoders. */
  concurrency?: number;
  onProgress?: (done: number) => void;
}

/**
 * Write one clip into an interchange folder: `videos/NAME.mp4` (at `EXPORT_PIXEL_SCALE`×),
 * `states/NAME.json` in the stored pixels, and return its captions.csv row, which states
 * the stored file's size.
 *
 *   rows.push(await writeInterchangeItem('exports/x', 'ood-bounce-000000', clip, toStateFile(meta)));
 *   // ['videos/ood-bounce-000000.mp4', 'a red ball …', 16, 64, 64, 10]
 */
export async function writeInterchangeItem(dir: string, name: string, video: Video, state: StateFile): Promise<(string | number)[]> {
  const s = EXPORT_PIXEL_SCALE;
  const rel = `videos/${name}.mp4`;
  await writeMp4(video, path.join(dir, rel), { pixelScale: s });
  writeFileAtomic(path.join(dir, 'states', `${name}.json`), JSON.stringify(storedState(state, s)) + '\n');
  return [rel, state.caption, video.numFrames, video.height * s, video.width * s, video.fps];
}

/** Generate a selection and write it in the interchange layout. Returns the number of videos. */
export async function exportSelection(sel: Selection, options: ExportOptions): Promise<number> {
  const dir = options.out;
  ensureWritableDir(path.join(dir, 'videos'));
  ensureWritableDir(path.join(dir, 'states'));
  const rows: (string | number)[][] = new Array(sel.n);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < sel.n) {
      const i = next++;
      const { frames, meta } = makeSample(requestAt(sel, i));
      const video: Video = { frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps };
      rows[i] = await writeInterchangeItem(dir, meta.name, video, toStateFile(meta));
      options.onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  writeFileAtomic(path.join(dir, 'captions.csv'), formatCsv(CAPTIONS_HEADER, rows));
  writeFileAtomic(path.join(dir, 'export.json'), JSON.stringify({ command: 'data export', ...describeSelection(sel), pixel_scale: EXPORT_PIXEL_SCALE }, null, 2) + '\n');
  return sel.n;
}


/** One row of captions.csv, checked; `file` is the video's real path, inside the folder. */
export interface CaptionRow {
  line: number;
  path: string;
  file: string;
  text: string;
  numFrames: number;
  height: number;
  width: number;
  fps: number;
}

/** A folder in the interchange layout and its real path (what every file must stay inside). */
export interface InterchangeFolder {
  dir: string;
  real: string;
  captions: string;
}

/**
 * Open DIR/captions.csv: its data rows (header checked, a spreadsheet's BOM dropped), or
 * why the folder cannot be read. Rows are checked one at a time by `checkCaptionRow`.
 */
export function openCaptions(dir: string): { folder: InterchangeFolder; rows: CsvRow[] } | { file: string; row?: number; reason: string } {
  const captions = path.join(dir, 'captions.csv');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return { file: dir, reason: 'folder not found' };
  if (!fs.existsSync(captions)) {
    const reason = fs.readdirSync(dir).length === 0 ? 'the folder is empty' : 'no captions.csv (expected the interchange layout: captions.csv + videos/)';
    return { file: captions, reason };
  }
  const folder = { dir, real: fs.realpathSync(dir), captions };
  const inside = fileInside(folder, 'captions.csv');
  if ('reason' in inside) return { file: captions, reason: inside.reason };
  let rows;
  try {
    rows = parseCsv(fs.readFileSync(inside.file, 'utf8'));
  } catch (err) {
    return { file: captions, reason: describeError(err) };
  }
  const [header, ...body] = rows;
  if (!header || CAPTIONS_HEADER.some((h, k) => header.cells[k] !== h)) {
    return { file: captions, row: 1, reason: `header must be "${CAPTIONS_HEADER.join(',')}"` };
  }
  if (body.length === 0) return { file: captions, reason: 'has no rows' };
  return { folder, rows: body };
}

/**
 * The real path of `rel` in the folder, or why it is refused: absolute or `..` paths, a
 * missing file, or a link (the file's or a folder's on the way, like `states/`) whose
 * target lies outside the folder.
 */
export function fileInside(folder: InterchangeFolder, rel: string): { file: string } | { reason: string } {
  if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) return { reason: `path "${rel}" must be relative to the folder and stay inside it` };
  let real: string;
  try {
    real = fs.realpathSync(path.join(folder.dir, rel));
  } catch {
    return { reason: `${rel} not found` };
  }
  const back = path.relative(folder.real, real);
  if (back === '' || back.startsWith('..') || path.isAbsolute(back)) return { reason: `${rel} is a link to ${real}, outside the folder` };
  return { file: real };
}

/** A captions.csv row checked on its own (columns, numbers, a video inside the folder), or why not. */
export function checkCaptionRow(folder: InterchangeFolder, { line, cells }: CsvRow): CaptionRow | { reason: string } {
  if (cells.length !== CAPTIONS_HEADER.length) return { reason: `expected ${CAPTIONS_HEADER.length} columns, got ${cells.length}` };
  const [rel, text, ...nums] = cells;
  const [numFrames, height, width, fps] = nums.map(Number);
  if (![numFrames, height, width].every((v) => Number.isInteger(v) && v > 0) || !(fps > 0 && Number.isFinite(fps))) {
    return { reason: 'num_frames, height, width and fps must be positive numbers' };
  }
  if (numFrames * height * width * 3 > MAX_CLIP_BYTES) {
    return { reason: `${numFrames}×${height}×${width} (frames×height×width) is more than ${MAX_CLIP_BYTES / 2 ** 30} GiB of frames` };
  }
  const inside = fileInside(folder, rel);
  if ('reason' in inside) return { reason: inside.reason.endsWith('not found') ? `video ${inside.reason}` : inside.reason };
  return { line, path: rel, file: inside.file, text, numFrames, height, width, fps };
}

/**
 * Decode a row's video one at a time, refusing (before decoding) a file whose header does
 * not fit the row, and a decoded length other than the row's.
 */
export async function readRowVideo(row: CaptionRow): Promise<Video> {
  const video = await readVideo(row.file, row);
  if (video.numFrames !== row.numFrames) {
    throw new UserError(`${row.path} decodes to ${video.numFrames}×${video.height}×${video.width} (frames×height×width), the row says ${row.numFrames}×${row.height}×${row.width}`);
  }
  return video;
}

/**
 * The state file of a row's video (`states/NAME.json`) checked and put in the video's
 * pixels; null when there is none; `{ file, reason }` when it is unreadable, invalid,
 * outside the folder or for another video.
 */
export function readRowState(folder: InterchangeFolder, row: CaptionRow, video: Video): { state: StateFile } | { file: string; reason: string } | null {
  const rel = path.join('states', `${videoName(row.path)}.json`);
  const file = path.join(folder.dir, rel);
  if (!fs.existsSync(file)) return null;
  const inside = fileInside(folder, rel);
  if ('reason' in inside) return { file, reason: inside.reason };
  let state: StateFile;
  try {
    state = parseState(fs.readFileSync(inside.file, 'utf8'));
  } catch (err) {
    return { file, reason: describeError(err) };
  }
  const fitted = stateForVideo(state, video);
  return 'reason' in fitted ? { file, reason: `${fitted.reason}: it does not match its video ${row.path}` } : fitted;
}

/** `videos/a.b.mp4` → `a.b`. */
export function videoName(rel: string): string {
  return path.basename(rel).replace(/\.[^.]+$/, '');
}

/**
 * Read DIR/captions.csv. A malformed row or a row naming a missing file is a UserError
 * naming the file and line.
 */
export function readCaptions(dir: string): { folder: InterchangeFolder; rows: CaptionRow[] } {
  const opened = openCaptions(dir);
  if (!('folder' in opened)) {
    if (opened.reason === 'folder not found' || opened.reason.startsWith('no captions.csv') || opened.reason === 'the folder is empty') {
      throw new UserError(`${path.join(dir, 'captions.csv')} not found (expected the interchange layout: captions.csv + videos/)`);
    }
    throw new UserError(`${opened.file}: ${opened.reason}`);
  }
  const { folder } = opened;
  const rows = opened.rows.map((r) => {
    const row = checkCaptionRow(folder, r);
    if ('reason' in row) throw new UserError(`${folder.captions} line ${r.line}: ${row.reason}`);
    return row;
  });
  return { folder, rows };
}

export interface ImportOptions {
  out: string;
  shardSize?: number;
  onProgress?: (done: number) => void;
}

/**
 * Read a folder in the interchange layout into a dataset, one video at a time (memory: one
 * shard). Every video must decode to the length its row states and all to the same clip
 * size; a state file, when present, must be valid and describe the same video. The dataset
 * is built in a temporary folder beside OUT and renamed into place, so nothing is written
 * when any row is bad.
 */
export async function importFolder(from: string, options: ImportOptions): Promise<Manifest> {
  const { folder, rows } = readCaptions(from);
  const dir = options.out;
  if (readManifest(dir)) throw new UserError(`${dir} already holds a dataset; use another --out`);
  if (fs.existsSync(dir) && (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length > 0)) {
    throw new UserError(`--out ${dir} exists and is not an empty folder; use another --out`);
  }
  const where = (r: CaptionRow) => `captions.csv line ${r.line}`;
  const decode = async (r: CaptionRow): Promise<Video> => {
    try {
      return await readRowVideo(r);
    } catch (err) {
      throw new UserError(`${where(r)}: ${describeError(err)}`);
    }
  };
  const first = await decode(rows[0]);
  const frameBytes = first.numFrames * first.height * first.width * 3;
  const shardSize = options.shardSize ?? 256;
  const manifest: Manifest = {
    format: DATASET_FORMAT,
    source: { command: 'data import', from: path.resolve(from) },
    numSamples: rows.length,
    numFrames: first.numFrames,
    height: first.height,
    width: first.width,
    fps: rows[0].fps,
    shardSize,
    shards: planShards(rows.length, shardSize),
    complete: false,
  };
  const tmp = makeStagingFolder(dir);
  try {
    for (const shard of manifest.shards) {
      const frames = new Uint8Array(shard.count * frameBytes);
      const metas: SampleMeta[] = [];
      for (let k = 0; k < shard.count; k++) {
        const i = shard.first + k;
        const r = rows[i];
        const video = i === 0 ? first : await decode(r);
        if (video.height !== first.height || video.width !== first.width) {
          throw new UserError(
            `${where(r)}: ${r.path} is a ${video.numFrames}×${video.height}×${video.width} clip, but line ${rows[0].line} is ${first.numFrames}×${first.height}×${first.width}; a dataset holds one size`,
          );
        }
        if (video.numFrames !== first.numFrames) {
          throw new UserError(`${where(r)}: ${r.path} has ${video.numFrames} frames, but line ${rows[0].line} has ${first.numFrames}; a dataset holds one size`);
        }
        frames.set(video.frames, k * frameBytes);
        metas.push(metaFromRow(folder, r, video, i));
        options.onProgress?.(i + 1);
      }
      shard.sha256 = writeShard(tmp, shard, frames, metas);
    }
    manifest.complete = true;
    writeManifest(tmp, manifest);
    replaceFolderAtomically(tmp, dir); // an empty `dir` (checked above) is replaced
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return manifest;
}

/** Metadata for an imported row (at the decoded clip's size): the state file's ground truth when present. */
function metaFromRow(folder: InterchangeFolder, r: CaptionRow, video: Video, index: number): SampleMeta {
  const name = videoName(r.path);
  const base = { name, seed: -1, index, caption: r.text, template: 'imported', numFrames: video.numFrames, height: video.height, width: video.width, fps: r.fps };
  const found = readRowState(folder, r, video);
  if (found === null) return { ...base, spec: null, constants: null, tracks: [] };
  if ('reason' in found) throw new UserError(`${found.file}: ${found.reason}`);
  const { state } = found;
  const tracks = state.objects.map((o) => o.track.map((p) => ({ ...p, angle: 0 })));
  return { ...base, spec: state.spec, constants: state.constants, tracks };
}
