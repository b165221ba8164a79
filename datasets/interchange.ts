/**
 * The interchange layout, Open-Sora's: what `spacetime data export` writes and what users
 * bring their own videos in.
 *
 *   DIR/videos/NAME.mp4
 *   DIR/captions.csv          path,text,num_frames,height,width,fps   (path relative to DIR)
 *   DIR/states/NAME.json      optional ground truth: fps, width, height, constants,
 *                             caption, spec, objects[{id, shape, color, rgb, size, track[]}]
 *
 * `importFolder` reads any folder in this layout into a dataset (sharded, like `data make`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError, describeError } from '../src/errors.js';
import { ensureWritableDir, writeFileAtomic } from '../src/io/atomic.js';
import { formatCsv, parseCsv } from '../src/io/csv.js';
import { readVideo, writeMp4, type Video } from '../src/video/index.js';
import { describeSelection, requestAt, type Selection } from './selection.js';
import { DATASET_FORMAT, planShards, readManifest, writeManifest, writeShard, type Manifest } from './shards.js';
import { makeSample } from './world/sample.js';
import type { ObjectSpec, SampleMeta, SceneSpec, WorldConstants, WorldSampleMeta } from './world/spec.js';

export const CAPTIONS_HEADER = ['path', 'text', 'num_frames', 'height', 'width', 'fps'] as const;

/** One object's ground truth in a state file. */
export interface StateObject {
  id: number;
  shape: ObjectSpec['shape'];
  color: ObjectSpec['color'];
  rgb: readonly [number, number, number];
  /** Sizes in world units: radius for balls, half-side for squares, half-extents for bars. */
  size: { radius?: number; halfWidth: number; halfHeight: number };
  track: { t: number; x: number; y: number; vx: number; vy: number; px: number; py: number; visible: number }[];
}

export interface StateFile {
  fps: number;
  width: number;
  height: number;
  constants: WorldConstants;
  caption: string;
  spec: SceneSpec;
  objects: StateObject[];
}

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
      const rel = `videos/${meta.name}.mp4`;
      await writeMp4(video, path.join(dir, rel));
      writeFileAtomic(path.join(dir, 'states', `${meta.name}.json`), JSON.stringify(toStateFile(meta)) + '\n');
      rows[i] = [rel, meta.caption, meta.numFrames, meta.height, meta.width, meta.fps];
      options.onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  writeFileAtomic(path.join(dir, 'captions.csv'), formatCsv(CAPTIONS_HEADER, rows));
  writeFileAtomic(path.join(dir, 'export.json'), JSON.stringify({ command: 'data export', ...describeSelection(sel) }, null, 2) + '\n');
  return sel.n;
}

/** One row of captions.csv, checked. */
export interface CaptionRow {
  line: number;
  path: string;
  text: string;
  numFrames: number;
  height: number;
  width: number;
  fps: number;
}

/**
 * Read DIR/captions.csv. A malformed row or a row naming a missing file is a UserError
 * naming the file and line.
 */
export function readCaptions(dir: string): CaptionRow[] {
  const file = path.join(dir, 'captions.csv');
  if (!fs.existsSync(file)) throw new UserError(`${file} not found (expected the interchange layout: captions.csv + videos/)`);
  let rows;
  try {
    rows = parseCsv(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: ${describeError(err)}`);
  }
  const [header, ...body] = rows;
  if (!header || CAPTIONS_HEADER.some((h, k) => header.cells[k] !== h)) {
    throw new UserError(`${file}: header must be "${CAPTIONS_HEADER.join(',')}"`);
  }
  if (body.length === 0) throw new UserError(`${file} has no rows`);
  return body.map(({ line, cells }) => {
    if (cells.length !== CAPTIONS_HEADER.length) {
      throw new UserError(`${file} line ${line}: expected ${CAPTIONS_HEADER.length} columns, got ${cells.length}`);
    }
    const [rel, text, ...nums] = cells;
    const [numFrames, height, width, fps] = nums.map(Number);
    if (![numFrames, height, width].every((v) => Number.isInteger(v) && v > 0) || !(fps > 0)) {
      throw new UserError(`${file} line ${line}: num_frames, height, width and fps must be positive numbers`);
    }
    if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) {
      throw new UserError(`${file} line ${line}: path "${rel}" must be relative to the folder and stay inside it`);
    }
    if (!fs.existsSync(path.join(dir, rel))) throw new UserError(`${file} line ${line}: video ${rel} not found`);
    return { line, path: rel, text, numFrames, height, width, fps };
  });
}

export interface ImportOptions {
  out: string;
  shardSize?: number;
  onProgress?: (done: number) => void;
}

/**
 * Read a folder in the interchange layout into a dataset. Every video must have the
 * size and length its row states, and all rows the same; a state file, when present,
 * must describe the same video. Nothing is written when any row is bad.
 */
export async function importFolder(from: string, options: ImportOptions): Promise<Manifest> {
  const rows = readCaptions(from);
  const first = rows[0];
  for (const r of rows) {
    if (r.numFrames !== first.numFrames || r.height !== first.height || r.width !== first.width) {
      throw new UserError(
        `captions.csv line ${r.line}: ${r.path} is ${r.numFrames}×${r.height}×${r.width}, but line ${first.line} is ${first.numFrames}×${first.height}×${first.width}; a dataset holds one size`,
      );
    }
  }
  const dir = options.out;
  if (readManifest(dir)) throw new UserError(`${dir} already holds a dataset; use another --out`);
  const frameBytes = first.numFrames * first.height * first.width * 3;
  // Decode and check everything before writing anything.
  const frames = new Uint8Array(rows.length * frameBytes);
  const metas: SampleMeta[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const video = await readVideo(path.join(from, r.path));
    if (video.numFrames !== r.numFrames || video.height !== r.height || video.width !== r.width) {
      throw new UserError(
        `captions.csv line ${r.line}: ${r.path} decodes to ${video.numFrames}×${video.height}×${video.width}, the row says ${r.numFrames}×${r.height}×${r.width}`,
      );
    }
    frames.set(video.frames, i * frameBytes);
    metas.push(metaFromRow(from, r, i));
    options.onProgress?.(i + 1);
  }
  ensureWritableDir(dir);
  const shardSize = options.shardSize ?? 256;
  const manifest: Manifest = {
    format: DATASET_FORMAT,
    source: { command: 'data import', from: path.resolve(from) },
    numSamples: rows.length,
    numFrames: first.numFrames,
    height: first.height,
    width: first.width,
    fps: first.fps,
    shardSize,
    shards: planShards(rows.length, shardSize),
    complete: false,
  };
  for (const shard of manifest.shards) {
    const slice = frames.subarray(shard.first * frameBytes, (shard.first + shard.count) * frameBytes);
    shard.sha256 = writeShard(dir, shard, slice, metas.slice(shard.first, shard.first + shard.count));
  }
  manifest.complete = true;
  writeManifest(dir, manifest);
  return manifest;
}

/** Metadata for an imported row: the state file's ground truth when present. */
function metaFromRow(dir: string, r: CaptionRow, index: number): SampleMeta {
  const name = path.basename(r.path).replace(/\.[^.]+$/, '');
  const stateFile = path.join(dir, 'states', `${name}.json`);
  const base = { name, seed: -1, index, caption: r.text, template: 'imported', numFrames: r.numFrames, height: r.height, width: r.width, fps: r.fps };
  if (!fs.existsSync(stateFile)) {
    return { ...base, spec: null, constants: null, tracks: [] };
  }
  let state: StateFile;
  try {
    state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as StateFile;
  } catch {
    throw new UserError(`${stateFile} is not valid JSON`);
  }
  if (state.width !== r.width || state.height !== r.height || state.objects?.some((o) => o.track.length !== r.numFrames)) {
    throw new UserError(`${stateFile} does not match its video ${r.path} (size or number of frames differ)`);
  }
  const tracks = state.objects.map((o) => o.track.map((p) => ({ ...p, angle: 0 })));
  return { ...base, spec: state.spec, constants: state.constants, tracks };
}
