/**
 * The on-disk dataset format: shards of raw uint8 frames plus JSONL metadata, and a
 * manifest. Fixed-size samples make random access a single positional read.
 *
 *   DIR/manifest.json          format, the arguments that made it, frame shape, shard list
 *   DIR/shard-00000.bin        sample k's frames at byte k·T·H·W·3 (RGB, [T][H][W][3])
 *   DIR/shard-00000.jsonl      one SampleMeta per line, in the same order
 *
 * Each shard's two files are written atomically, `.bin` first; a shard whose `.jsonl`
 * exists is finished.
 *
 *   const ds = new WorldDataset('data/id');
 *   const { frames, meta } = ds.get(123);
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../base/errors.js';
import { writeFileAtomic } from '../base/io/atomic.js';
import { sha256 } from '../base/io/hash.js';
import type { SampleMeta } from './world/spec.js';

export const DATASET_FORMAT = 'spacetime-dataset/v1';
export const MANIFEST = 'manifest.json';

export interface ShardInfo {
  name: string;
  /** Index of the shard's first sample in the dataset. */
  first: number;
  count: number;
  /** sha256 of the .bin and .jsonl files (hex), filled in when the shard is finished. */
  sha256?: { bin: string; jsonl: string };
}

export interface Manifest {
  format: typeof DATASET_FORMAT;
  /** What made the dataset (command arguments); re-running with other arguments is refused. */
  source: Record<string, unknown>;
  numSamples: number;
  numFrames: number;
  height: number;
  width: number;
  fps: number;
  shardSize: number;
  shards: ShardInfo[];
  complete: boolean;
}

export function shardName(k: number): string {
  return `shard-${String(k).padStart(5, '0')}`;
}

/** The shard plan for `numSamples` samples. */
export function planShards(numSamples: number, shardSize: number): ShardInfo[] {
  const shards: ShardInfo[] = [];
  for (let first = 0, k = 0; first < numSamples; first += shardSize, k++) {
    shards.push({ name: shardName(k), first, count: Math.min(shardSize, numSamples - first) });
  }
  return shards;
}

export function readManifest(dir: string): Manifest | null {
  const file = path.join(dir, MANIFEST);
  if (!fs.existsSync(file)) return null;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch {
    throw new UserError(`${file} is not valid JSON (a damaged dataset: remove the folder and make it again)`);
  }
  if (manifest.format !== DATASET_FORMAT) throw new UserError(`${file} is not a ${DATASET_FORMAT} manifest`);
  return manifest;
}

export function writeManifest(dir: string, manifest: Manifest): void {
  writeFileAtomic(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
}

/** Whether a shard's files are both in place with the expected size. */
export function shardFinished(dir: string, shard: ShardInfo, frameBytes: number): boolean {
  const bin = path.join(dir, `${shard.name}.bin`);
  const jsonl = path.join(dir, `${shard.name}.jsonl`);
  return fs.existsSync(jsonl) && fs.existsSync(bin) && fs.statSync(bin).size === shard.count * frameBytes;
}

/** Write one shard's two files atomically and return their hashes. */
export function writeShard(dir: string, shard: ShardInfo, frames: Uint8Array, metas: readonly SampleMeta[]): ShardInfo['sha256'] {
  const jsonl = metas.map((m) => JSON.stringify(m)).join('\n') + '\n';
  writeFileAtomic(path.join(dir, `${shard.name}.bin`), frames);
  writeFileAtomic(path.join(dir, `${shard.name}.jsonl`), jsonl);
  return { bin: sha256(frames), jsonl: sha256(jsonl) };
}


/** Random-access reader over a finished dataset folder. */
export class WorldDataset {
  readonly manifest: Manifest;
  readonly frameBytes: number;
  private readonly metaCache = new Map<number, SampleMeta[]>();
  private readonly fds = new Map<number, number>();

  constructor(readonly dir: string) {
    const manifest = readManifest(dir);
    if (!manifest) throw new UserError(`no dataset in ${dir} (missing ${MANIFEST})`);
    if (!manifest.complete) throw new UserError(`dataset in ${dir} is incomplete: re-run the command that made it to finish it`);
    this.manifest = manifest;
    this.frameBytes = manifest.numFrames * manifest.height * manifest.width * 3;
  }

  get length(): number {
    return this.manifest.numSamples;
  }

  /** [numFrames, height, width, 3] */
  get shape(): [number, number, number, number] {
    const m = this.manifest;
    return [m.numFrames, m.height, m.width, 3];
  }

  private locate(i: number): { shard: number; offset: number } {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`sample index ${i} out of range [0, ${this.length})`);
    }
    const shard = Math.floor(i / this.manifest.shardSize);
    return { shard, offset: i - this.manifest.shards[shard].first };
  }

  /** Metadata of sample `i` (caption, spec, ground-truth tracks, world constants). */
  meta(i: number): SampleMeta {
    const { shard, offset } = this.locate(i);
    let metas = this.metaCache.get(shard);
    if (!metas) {
      const file = path.join(this.dir, `${this.manifest.shards[shard].name}.jsonl`);
      metas = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as SampleMeta);
      this.metaCache.set(shard, metas);
    }
    return metas[offset];
  }

  /** Frames of sample `i` as RGB uint8 [T][H][W][3]; pass `out` to reuse a buffer. */
  frames(i: number, out: Uint8Array = new Uint8Array(this.frameBytes)): Uint8Array {
    const { shard, offset } = this.locate(i);
    let fd = this.fds.get(shard);
    if (fd === undefined) {
      fd = fs.openSync(path.join(this.dir, `${this.manifest.shards[shard].name}.bin`), 'r');
      this.fds.set(shard, fd);
    }
    const read = fs.readSync(fd, out, 0, this.frameBytes, offset * this.frameBytes);
    if (read !== this.frameBytes) throw new UserError(`${this.dir}: shard ${shard} is truncated at sample ${i}`);
    return out;
  }

  get(i: number): { frames: Uint8Array; meta: SampleMeta } {
    return { frames: this.frames(i), meta: this.meta(i) };
  }

  close(): void {
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
  }
}
