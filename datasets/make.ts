/**
 * `spacetime data make`: generate a selection of the world into a sharded dataset.
 * Re-running with the same arguments skips finished shards; the same seed gives
 * byte-identical shards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../src/errors.js';
import { ensureWritableDir } from '../src/io/atomic.js';
import { sha256 } from '../src/io/hash.js';
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
  const dir = options.out;
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UserError(`--out ${dir} exists and is not a folder`);
  ensureWritableDir(dir);

  const source = { command: 'data make', ...describeSelection(sel), shardSize };
  const existing = readManifest(dir);
  if (existing && JSON.stringify(existing.source) !== JSON.stringify(source)) {
    throw new UserError(`${dir} holds a dataset made with other arguments (${JSON.stringify(existing.source)}); use another --out`);
  }
  if (!existing && fs.readdirSync(dir).some((f) => f.startsWith('shard-'))) {
    throw new UserError(`${dir} has shard files but no manifest; use an empty folder`);
  }
  const { width, height, numFrames, fps } = sel.clip;
  const frameBytes = numFrames * height * width * 3;
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
