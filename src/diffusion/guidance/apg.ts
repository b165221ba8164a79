/**
 * Adaptive projected guidance (Sadat et al. 2024, "Eliminating Oversaturation and Artifacts
 * of High Guidance Scales in Diffusion Models", Alg. 1), on the clean-data estimate x̂0:
 *
 *   Δ = x̂0_c − x̂0_u;   Δ ← Δ + β·Δ_prev           (momentum: a running sum, β < 0 damps overshoot)
 *   Δ ← Δ·min(1, r / ‖Δ‖)                         (norm threshold r; 0 = off)
 *   Δ = Δ∥ + Δ⊥, split along x̂0_c                 (per video)
 *   x̂0 = x̂0_c + (g − 1)·(Δ⊥ + η·Δ∥)
 *
 * The part of the update parallel to x̂0_c mostly scales the video up — CFG's oversaturation at
 * high g — while the orthogonal part carries the prompt; η = 0 (the paper's choice) drops the
 * former. With η = 1, β = 0, r = 0 it is CFG. The projection and the norm are per video, over
 * all of its channels, frames and pixels. The sampler then reads the guided x̂0 (its velocity
 * is derived from it), and since x̂0 at t = 0 is x_t whatever the model says, the loop never
 * evaluates there (Heun's last step is Euler, as in EDM).
 */
import * as tf from '@tensorflow/tfjs';
import { perSampleDot, type Guidance } from './guidance.js';

export interface ApgSettings {
  /** η: weight of the update's part parallel to x̂0_c (0 drops it; 1 keeps it, as CFG does). */
  eta?: number;
  /** β: each update adds β times the last (the running average of the paper's MomentumBuffer); 0 = none. */
  momentum?: number;
  /** r: the update is scaled down to at most this L2 norm per video; 0 = no limit. */
  normThreshold?: number;
}

/** The paper's defaults, except r: its r = 15 is for SD latents, and a norm's scale depends on the video's size. */
export const APG_DEFAULTS: Readonly<Required<ApgSettings>> = { eta: 0, momentum: -0.5, normThreshold: 0 };

export function apg(scale: number, settings: ApgSettings = {}): Guidance {
  const { eta, momentum, normThreshold } = { ...APG_DEFAULTS, ...settings };
  let previous: tf.Tensor | null = null; // the last update Δ, kept out of the step's tidy
  return {
    name: 'apg',
    space: 'data',
    guides: () => scale !== 1,
    combine(c, u) {
      let diff = tf.sub(c, u); // [B, …]
      if (momentum !== 0) {
        if (previous) diff = tf.add(diff, tf.mul(previous, momentum));
        previous?.dispose();
        previous = tf.keep(diff.clone());
      }
      if (normThreshold > 0) diff = tf.mul(diff, tf.minimum(1, tf.div(normThreshold, tf.sqrt(perSampleDot(diff, diff)))));
      const unit = tf.div(c, tf.maximum(tf.sqrt(perSampleDot(c, c)), 1e-12)); // x̂0_c / ‖x̂0_c‖, [B, …]
      const parallel = tf.mul(perSampleDot(diff, unit), unit); // Δ∥
      const update = tf.add(tf.sub(diff, parallel), tf.mul(parallel, eta)); // Δ⊥ + η·Δ∥
      return tf.add(c, tf.mul(update, scale - 1));
    },
    reset() {
      previous?.dispose();
      previous = null;
    },
  };
}
