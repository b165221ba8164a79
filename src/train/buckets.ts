/**
 * Bucketed training (Open-Sora's multi-resolution buckets): clips of several sizes and lengths,
 * one size per batch, the bucket of each batch drawn by its ratio. The same weights see every
 * bucket (the DiT's 3-D positions are computed for any T×H×W).
 *
 *   --buckets 32x32x16:0.4,48x32x16:0.2,32x48x16:0.2,64x64x16:0.1,32x32x32:0.1
 *
 * Each entry is WIDTHxHEIGHTxFRAMES:RATIO; ratios are relative weights (they need not sum to 1).
 * `--data DIR` then holds one dataset per bucket, DIR/WIDTHxHEIGHTxFRAMES (`spacetime data make
 * --size 48x32 --frames 16 --out DIR/48x32x16`). The bucket of batch k is drawn from an RNG
 * seeded by (seed, k), and each bucket keeps its own seeded permutation and cursor, so a
 * resumed run needs only the cursors (saved in each checkpoint) to continue bit-identically.
 *
 *   const stream = new BucketStream(data, buckets, { batchSize: 8, seed: 1 });
 *   const { video, captions } = stream.next(); // video: [8, 3, T, H, W] of one bucket
 */
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { Rng } from '../../base/rng.js';
import { UserError } from '../../base/errors.js';
import { WorldDataset } from '../../datasets/shards.js';
import { clipSizeLabel, type ClipSize } from '../model/clip-sizes.js';
import { BatchStream, type BatchCursor } from './batches.js';

export interface Bucket extends ClipSize {
  /** Relative weight of the bucket among the batches. */
  ratio: number;
}

/** Where a bucketed run is in its data: batches drawn so far, and each bucket's cursor (by label). */
export interface BucketCursor {
  batches: number;
  buckets: Record<string, BatchCursor>;
}

/** Largest side and length a bucket may name (as `data make` accepts). */
const MAX_SIDE = 1024;
const MAX_FRAMES = 1000;

/** `--buckets` → the buckets, or a one-line UserError naming the bad entry. */
export function parseBuckets(spec: string): Bucket[] {
  const entries = spec.split(',').map((s) => s.trim());
  const buckets = entries.map((entry) => {
    const m = /^(\d+)x(\d+)x(\d+):(\d*\.?\d+(?:e-?\d+)?)$/i.exec(entry);
    const [width, height, frames, ratio] = m ? m.slice(1).map(Number) : [NaN, NaN, NaN, NaN];
    const ok = m && width >= 1 && width <= MAX_SIDE && height >= 1 && height <= MAX_SIDE && frames >= 1 && frames <= MAX_FRAMES && ratio > 0 && Number.isFinite(ratio);
    if (!ok) throw new UserError(`--buckets: "${entry}" is not WIDTHxHEIGHTxFRAMES:RATIO (e.g. 48x32x16:0.2, sides ≤ ${MAX_SIDE}, frames ≤ ${MAX_FRAMES}, ratio > 0)`);
    return { width, height, frames, ratio };
  });
  return refuseRepeats(buckets, '--buckets');
}

/** `WxHxT[,WxHxT…]` (as `--eval-sizes` lists a run's sizes) → the sizes, or a one-line UserError naming the bad entry. */
export function parseClipSizes(spec: string, flag: string): ClipSize[] {
  const sizes = spec.split(',').map((entry) => {
    const m = /^(\d+)x(\d+)x(\d+)$/.exec(entry.trim());
    if (!m) throw new UserError(`${flag}: "${entry}" is not WIDTHxHEIGHTxFRAMES (e.g. 48x32x16) or all`);
    const [width, height, frames] = m.slice(1).map(Number);
    return { width, height, frames };
  });
  return refuseRepeats(sizes, flag);
}

function refuseRepeats<S extends ClipSize>(sizes: S[], flag: string): S[] {
  const labels = sizes.map(clipSizeLabel);
  const twice = labels.find((l, k) => labels.indexOf(l) !== k);
  if (twice) throw new UserError(`${flag}: ${twice} is given twice`);
  return sizes;
}

/** The buckets as `--buckets` writes them (for messages and the README). */
export function formatBuckets(buckets: readonly Bucket[]): string {
  return buckets.map((b) => `${clipSizeLabel(b)}:${b.ratio}`).join(',');
}

/** The dataset folder of one bucket: DATA/WIDTHxHEIGHTxFRAMES. */
export function bucketDir(data: string, bucket: ClipSize): string {
  return path.join(data, clipSizeLabel(bucket));
}

/** Open each bucket's dataset, checking its clips are the bucket's size. */
export function openBucketDatasets(data: string, buckets: readonly Bucket[]): WorldDataset[] {
  const opened: WorldDataset[] = [];
  try {
    for (const b of buckets) {
      const dir = bucketDir(data, b);
      const ds = new WorldDataset(dir);
      opened.push(ds);
      const [T, H, W] = ds.shape;
      if (T !== b.frames || H !== b.height || W !== b.width) {
        throw new UserError(`bucket ${clipSizeLabel(b)}: ${dir} holds ${W}x${H}x${T} clips (make it with --size ${b.width}x${b.height} --frames ${b.frames})`);
      }
    }
    return opened;
  } catch (err) {
    for (const ds of opened) ds.close();
    throw err;
  }
}

/** Batches of one bucket at a time, the bucket drawn by ratio from an RNG seeded by (seed, batch). */
export class BucketStream {
  private readonly streams: BatchStream[];
  private readonly seed: number;
  private drawn: number;

  constructor(
    readonly datasets: readonly WorldDataset[],
    readonly buckets: readonly Bucket[],
    options: { batchSize: number; seed: number; cursor?: BucketCursor },
  ) {
    this.seed = options.seed;
    this.drawn = options.cursor?.batches ?? 0;
    // Each bucket's permutation has a seed of its own, so buckets of equal length differ.
    this.streams = buckets.map(
      (b, k) => new BatchStream(datasets[k], { batchSize: options.batchSize, seed: options.seed, orderKey: clipSizeLabel(b), cursor: options.cursor?.buckets[clipSizeLabel(b)] }),
    );
  }

  get cursor(): BucketCursor {
    return { batches: this.drawn, buckets: Object.fromEntries(this.buckets.map((b, k) => [clipSizeLabel(b), { ...this.streams[k].cursor }])) };
  }

  next(): { video: tf.Tensor5D; captions: string[]; indices: number[]; bucket: number } {
    const bucket = bucketOf(this.buckets, this.seed, this.drawn++);
    return { ...this.streams[bucket].next(), bucket };
  }
}

/** The bucket of batch `n` (0-based) of a run: drawn by ratio, a pure function of (seed, n). */
export function bucketOf(buckets: readonly Bucket[], seed: number, n: number): number {
  const u = Rng.from(`spacetime-buckets/${seed}/${n}`).next() * buckets.reduce((s, b) => s + b.ratio, 0);
  let sum = 0;
  for (let k = 0; k < buckets.length; k++) if (u < (sum += buckets[k].ratio)) return k;
  return buckets.length - 1;
}

/** A checkpoint's saved bucket cursor, checked against the run's buckets and their datasets. */
export function checkBucketCursor(value: unknown, file: string, buckets: readonly Bucket[], lengths: readonly number[], checkCursor: (v: unknown, f: string, n: number) => BatchCursor): BucketCursor {
  const c = value as Partial<BucketCursor> | null;
  if (typeof c !== 'object' || c === null || !Number.isSafeInteger(c.batches) || c.batches! < 0 || typeof c.buckets !== 'object' || c.buckets === null) {
    throw new UserError(`${file}: "state.cursor" must be {"batches": N, "buckets": {LABEL: {"epoch": N, "position": N}}} for a bucketed run, got ${JSON.stringify(value)?.slice(0, 60)}`);
  }
  const out: Record<string, BatchCursor> = {};
  buckets.forEach((b, k) => {
    const label = clipSizeLabel(b);
    if (!(label in c.buckets!)) throw new UserError(`${file}: "state.cursor.buckets" has no cursor for bucket ${label}`);
    out[label] = checkCursor(c.buckets![label], `${file} (bucket ${label})`, lengths[k]);
  });
  return { batches: c.batches!, buckets: out };
}

/**
 * A run's datasets — one, or a bucketed run's one per bucket — each checked by `checkClip` and
 * against the batch size (a bigger batch would hold the same clip twice; it also bounds the memory
 * a typo can ask for), with a resumed checkpoint's cursor into them; all closed on a refusal. What
 * the DiT's and the VAE's trainers both open.
 */
export function openRunData(
  data: string,
  buckets: readonly Bucket[] | undefined,
  options: {
    batchSize: number;
    checkClip: (dataset: WorldDataset) => void;
    resumed?: { cursor: unknown; file: string };
    checkCursor: (value: unknown, file: string, length: number) => BatchCursor;
  },
): { datasets: WorldDataset[]; cursor?: BatchCursor | BucketCursor } {
  const datasets = buckets ? openBucketDatasets(data, buckets) : [new WorldDataset(data)];
  try {
    for (const dataset of datasets) {
      options.checkClip(dataset);
      if (options.batchSize > dataset.length) throw new UserError(`--batch-size must be an integer from 1 to ${dataset.length} (the clips in ${dataset.dir}), got ${options.batchSize}`);
    }
    const { resumed } = options;
    if (!resumed) return { datasets };
    const cursor = buckets
      ? checkBucketCursor(resumed.cursor, resumed.file, buckets, datasets.map((d) => d.length), options.checkCursor)
      : options.checkCursor(resumed.cursor, resumed.file, datasets[0].length);
    return { datasets, cursor };
  } catch (err) {
    for (const dataset of datasets) dataset.close();
    throw err;
  }
}

/** The run's batches: a BucketStream over a bucketed run's datasets, else a BatchStream over its one. */
export function runBatches(datasets: readonly WorldDataset[], buckets: readonly Bucket[] | undefined, options: { batchSize: number; seed: number; cursor?: BatchCursor | BucketCursor }): BatchStream | BucketStream {
  const { cursor, ...stream } = options;
  return buckets ? new BucketStream(datasets, buckets, { ...stream, cursor: cursor as BucketCursor | undefined }) : new BatchStream(datasets[0], { ...stream, cursor: cursor as BatchCursor | undefined });
}
