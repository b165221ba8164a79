/**
 * Separate text and frame guidance when frames are given (InstructPix2Pix's two scales, as
 * Open-Sora's image and text scales): three passes — text and frames (c), frames only (f),
 * neither (∅) — combined as
 *
 *   out = ∅ + s_frames·(f − ∅) + s_text·(c − f)
 *
 * s_frames pulls toward the given frames, s_text toward the prompt given those frames. With
 * s_frames = 1 it is CFG on the text with the frames in both passes (what generation does
 * without a frame scale); with both 1 it is the conditional model.
 */
import * as tf from '@tensorflow/tfjs';

/** c, f, ∅ [B, …] (the model's raw outputs) → the guided output [B, …]. */
export function textAndFrameGuidance(full: tf.Tensor, frames: tf.Tensor, none: tf.Tensor, textScale: number, frameScale: number): tf.Tensor {
  return tf.add(tf.add(none, tf.mul(tf.sub(frames, none), frameScale)), tf.mul(tf.sub(full, frames), textScale));
}
