/**
 * `spacetime data make`: generate a selection of the world into a sharded dataset.
 * Re-running with the same arguments skips finished shards; the same seed gives
 * byte-identical shards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../base/errors.js';
import { ensureWritableDir, removeStaleTempFiles } from '../base/io/atomic.js';
import { sha256 } from '../base/io/hash.js';
import { describeSelection, requestAt, type Selection } from './selection.js';
import {
  DATASET_FORMAT,
  planShards,
  readManifest,
  shardFinished,
  writeManifest,
  writeShard,
  type Manifest,
} from './shards.js';
import { makeSample } from './world/sample.js';
import type { SampleMeta } from './world/spec.js';

export const DEFAULT_SHARD_SIZE = 256;

/**
 * Most samples one dataset holds: 10 million default clips are 490 GB of frames and a
 * manifest of 39,000 shards; --n 1e12 would plan 4 billion shards in memory before writing
 * anything (issue 18: 4.5 GB in 50 s, no output).
 */
export const MAX_SAMPLES = 10_000_000;

export interface MakeOptions {
  out: string;
  shardSize?: number;
  /** Called after each sample (made or skipped) with the number of samples done. */
  onProgress?: (done: number) => void;
}

export interface MakeResult {
  dir: string;
  made: number;
  skipped: number;
  manifest: Manifest;
}

export function makeDataset(sel: Selection, options: MakeOptions): MakeResult {
  const shardSize = options.shardSize ?? DEFAULT_SHARD_SIZE;
  if (!Number.isInteger(shardSize) || shardSize <= 0) throw new UserError(`--shard-size must be a positive integer, got ${shardSize}`);
  if (sel.n > MAX_SAMPLES) throw new UserError(`--n must be at most ${MAX_SAMPLES.toLocaleString('en-US')} for one dataset, got ${sel.n.toLocaleString('en-US')}`);
  const dir = options.out;
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UserError(`--out ${dir} exists and is not a folder`);
  const { width, height, numFrames, fps } = sel.clip;
  const frameBytes = numFrames * height * width * 3;
  const created = !fs.existsSync(dir);
  ensureWritableDir(dir);
  try {
    checkFreeSpace(dir, sel.n, frameBytes);
  } catch (err) {
    if (created) fs.rmdirSync(dir); // leave nothing behind for a refused --n
    throw err;
  }
  removeStaleTempFiles(dir); // a killed run's half-written shards and manifests

  const source = { command: 'data make', ...describeSelection(sel), shardSize };
  const existing = readManifest(dir);
  if (existing && JSON.stringify(existing.source) !== JSON.stringify(source)) {
    throw new UserError(`${dir} holds a dataset made with other arguments (${JSON.stringify(existing.source)}); use another --out`);
  }
  if (!existing && fs.readdirSync(dir).some((f) => f.startsWith('shard-'))) {
    throw new UserError(`${dir} has shard files but no manifest; use an empty folder`);
  }
  const manifest: Manifest = existing ?? {
    format: DATASET_FORMAT,
    source,
    numSamples: sel.n,
    numFrames,
    height,
    width,
    fps,
    shardSize,
    shards: planShards(sel.n, shardSize),
    complete: false,
  };
  writeManifest(dir, manifest);

  let made = 0;
  let skipped = 0;
  for (const shard of manifest.shards) {
    if (shardFinished(dir, shard, frameBytes)) {
      shard.sha256 ??= {
        bin: sha256(fs.readFileSync(path.join(dir, `${shard.name}.bin`))),
        jsonl: sha256(fs.readFileSync(path.join(dir, `${shard.name}.jsonl`))),
      };
      skipped += shard.count;
      options.onProgress?.(made + skipped);
      continue;
    }
    const frames = new Uint8Array(shard.count * frameBytes);
    const metas: SampleMeta[] = [];
    for (let k = 0; k < shard.count; k++) {
      const sample = makeSample(requestAt(sel, shard.first + k));
      frames.set(sample.frames, k * frameBytes);
      metas.push(sample.meta);
      made++;
      options.onProgress?.(made + skipped);
    }
    shard.sha256 = writeShard(dir, shard, frames, metas);
    writeManifest(dir, manifest);
  }
  manifest.complete = true;
  writeManifest(dir, manifest);
  return { dir, made, skipped, manifest };
}

/**
 * Refuse a dataset whose frames cannot fit the free space of the file system it goes to
 * (files already in `dir`, an earlier run's shards, count as free), so a typo in --n fails at
 * once instead of hours later with a full disk.
 */
function checkFreeSpace(dir: string, n: number, sampleBytes: number): void {
  const bytes = n * sampleBytes;
  let free: number;
  try {
    const stats = fs.statfsSync(dir);
    free = stats.bavail * stats.bsize;
  } catch {
    return; // no statfs here: the write itself will say ENOSPC
  }
  const available = free + folderBytes(dir);
  if (bytes > available) {
    throw new UserError(
      `--n ${n.toLocaleString('en-US')} makes ${formatBytes(bytes)} of frames (${sampleBytes.toLocaleString('en-US')} bytes a sample), more than the ${formatBytes(available)} free in ${dir}`,
    );
  }
}

function folderBytes(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => sum + (e.isFile() ? fs.statSync(path.join(dir, e.name)).size : 0), 0);
}

function formatBytes(b: number): string {
  const [unit, size] = b >= 1e12 ? ['TB', 1e12] : b >= 1e9 ? ['GB', 1e9] : b >= 1e6 ? ['MB', 1e6] : ['kB', 1e3];
  return `${Number((b / (size as number)).toPrecision(3)).toLocaleString('en-US')} ${unit}`;
}
