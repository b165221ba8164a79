/**
 * The interface every guidance method implements, one method per file. At each model
 * evaluation generate.ts runs the conditional and the unconditional pass and hands both
 * outputs to `combine`, read in the method's `space`: the model's raw output, the velocity
 * dx/dt, or the clean-data estimate x̂0. Linear methods (CFG) are the same in every reading;
 * the others are not — APG projects x̂0 differences, CFG-Zero* rescales velocities — so each
 * names the reading its paper uses, and the loop turns the guided reading back into the
 * velocity and x̂0 a sampler takes.
 *
 *   const guide = createGuidance('apg', 3);
 *   guide.guides(t)                         // run the unconditional pass at t?
 *   guide.combine(cond, uncond, { t, step }) // [B, …] in guide.space
 *   guide.reset();                          // after the run: release kept state (APG's momentum)
 */
import * as tf from '@tensorflow/tfjs';

/** Which reading of the model's output a method combines. */
export type GuidanceSpace = 'output' | 'velocity' | 'data';

/** Where in the run an evaluation is: its time, and the index of the sampler step it belongs to. */
export interface GuidanceStep {
  t: number;
  /** 0 for the first step's evaluations (Heun makes two per step). */
  step: number;
}

export interface Guidance {
  readonly name: string;
  readonly space: GuidanceSpace;
  /** Whether the unconditional pass runs at time t; where not, the conditional output is taken as it is. */
  guides(t: number): boolean;
  /** cond, uncond [B, …] (in `space`) → the guided reading [B, …]. Called inside the step's tf.tidy. */
  combine(cond: tf.Tensor, uncond: tf.Tensor, at: GuidanceStep): tf.Tensor;
  /** Release anything kept between evaluations. */
  reset(): void;
}

/** Σ a·b over every axis but the batch's, per video: [B, …] → [B, 1, …, 1]. */
export function perSampleDot(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const axes = a.shape.map((_, k) => k).slice(1);
  return tf.sum(tf.mul(a, b), axes, true);
}
