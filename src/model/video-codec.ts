/**
 * How clips become what the DiT denoises, and come back: the seam a video autoencoder plugs
 * into. Today the model works on pixels — uint8 RGB frames [T][H][W][3] ↔ floats in [−1, 1]
 * laid out [C][T][H][W] — and `PIXELS` is the identity codec; a latent codec maps the same
 * clips to a smaller [c][t][h][w] and back.
 *
 *   const x = PIXELS.encode([clip.frames], [T, H, W]);   // [B, C, T, H, W]
 *   const clips = PIXELS.decode(x);                       // Uint8Array [T·H·W·3] per clip
 */
import * as tf from '@tensorflow/tfjs';

/** A clip's size in frames and pixels: [T, H, W]. */
export type ClipShape = [frames: number, height: number, width: number];

export interface VideoCodec {
  readonly name: string;
  /** The model-space shape [C, T', H', W'] of one clip of `clip` frames × pixels. */
  modelShape(clip: ClipShape): [number, number, number, number];
  /** uint8 RGB clips, each [T][H][W][3] → the model's input [B, C, T', H', W']. */
  encode(clips: Uint8Array[], clip: ClipShape): tf.Tensor5D;
  /** Pixels already in the pixel layout [B, 3, T, H, W], values in [−1, 1] (a training batch) → the model's input (a new tensor). */
  encodePixels(x: tf.Tensor5D): tf.Tensor5D;
  /** The model's output [B, C, T', H', W'] → uint8 RGB clips (clamped, rounded). */
  decode(x: tf.Tensor5D): Uint8Array[];
  /** Free what the codec holds (a VAE's weights). */
  dispose?(): void;
}

/** uint8 RGB frames [T][H][W][3] → floats in [−1, 1] laid out [C][T][H][W], written at `offset`. */
export function framesToChannelsFirst(frames: Uint8Array, T: number, H: number, W: number, out: Float32Array, offset = 0): void {
  const plane = T * H * W;
  for (let p = 0; p < plane; p++) {
    out[offset + p] = frames[3 * p] / 127.5 - 1;
    out[offset + plane + p] = frames[3 * p + 1] / 127.5 - 1;
    out[offset + 2 * plane + p] = frames[3 * p + 2] / 127.5 - 1;
  }
}

/** [C][T][H][W] floats in [−1, 1] (from `offset`) → uint8 RGB [T][H][W][3] (clamped, rounded). */
export function channelsFirstToFrames(values: Float32Array, T: number, H: number, W: number, offset = 0): Uint8Array {
  const plane = T * H * W;
  const out = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.round((values[offset + c * plane + p] + 1) * 127.5);
      out[3 * p + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}

/** The model works on the pixels themselves. */
export const PIXELS: VideoCodec = {
  name: 'pixels',
  modelShape: ([T, H, W]) => [3, T, H, W],
  encode(clips, [T, H, W]) {
    const per = 3 * T * H * W;
    const values = new Float32Array(clips.length * per);
    clips.forEach((frames, b) => framesToChannelsFirst(frames, T, H, W, values, b * per));
    return tf.tensor5d(values, [clips.length, 3, T, H, W]);
  },
  encodePixels: (x) => tf.clone(x),
  decode(x) {
    const [B, , T, H, W] = x.shape;
    const values = x.dataSync() as Float32Array;
    const per = 3 * T * H * W;
    return Array.from({ length: B }, (_, b) => channelsFirstToFrames(values, T, H, W, b * per));
  },
};
