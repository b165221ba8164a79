/**
 * Training batches from a world dataset: a seeded permutation per epoch, so the order is
 * a pure function of (seed, epoch) and a run resumes exactly from its cursor. Frames
 * become [B, C, T, H, W] floats in [−1, 1] (the pixel layout of ../model/video-codec.ts).
 *
 *   const batches = new BatchStream(new WorldDataset('data/id'), { batchSize: 8, seed: 1 });
 *   const { video, captions } = batches.next(); // video: tf.Tensor5D
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../base/rng.js';
import type { WorldDataset } from '../../datasets/shards.js';
import { framesToChannelsFirst } from '../model/video-codec.js';

export interface BatchCursor {
  epoch: number;
  /** Index into the epoch's permutation of the next sample. */
  position: number;
}

export class BatchStream {
  cursor: BatchCursor;
  private order: Int32Array;
  private readonly buffer: Uint8Array;

  constructor(
    readonly dataset: WorldDataset,
    /** `orderKey`: a bucket's own permutations (buckets.ts); absent, the run's single dataset's. */
    readonly options: { batchSize: number; seed: number; cursor?: BatchCursor; orderKey?: string },
  ) {
    this.cursor = { ...(options.cursor ?? { epoch: 0, position: 0 }) };
    this.order = this.permutation(this.cursor.epoch);
    this.buffer = new Uint8Array(dataset.frameBytes);
  }

  private permutation(epoch: number): Int32Array {
    const { seed, orderKey } = this.options;
    const rng = Rng.from(orderKey === undefined ? `spacetime-batches/${seed}/${epoch}` : `spacetime-batches/${seed}/${orderKey}/${epoch}`);
    const order = Int32Array.from({ length: this.dataset.length }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }

  /** The next batch's sample indices, advancing the cursor (wrapping into a new epoch). */
  nextIndices(): number[] {
    const out: number[] = [];
    while (out.length < this.options.batchSize) {
      if (this.cursor.position >= this.order.length) {
        this.cursor = { epoch: this.cursor.epoch + 1, position: 0 };
        this.order = this.permutation(this.cursor.epoch);
      }
      out.push(this.order[this.cursor.position++]);
    }
    return out;
  }

  next(): { video: tf.Tensor5D; captions: string[]; indices: number[] } {
    const indices = this.nextIndices();
    const [T, H, W] = this.dataset.shape;
    const per = 3 * T * H * W;
    const values = new Float32Array(indices.length * per);
    const captions = indices.map((index, b) => {
      framesToChannelsFirst(this.dataset.frames(index, this.buffer), T, H, W, values, b * per);
      return this.dataset.meta(index).caption;
    });
    return { video: tf.tensor5d(values, [indices.length, 3, T, H, W]), captions, indices };
  }
}
