/**
 * CFG-Zero* (Fan et al. 2025), on the velocity of a flow model:
 *
 *   s* = ⟨v_c, v_u⟩ / ‖v_u‖²                         (per video)
 *   v = s*·v_u + g·(v_c − s*·v_u)
 *
 * Early in training — and in a small model, always — the unconditional velocity is a poor
 * estimate whose scale is off; s* is the least-squares scale that best matches it to the
 * conditional one, so guidance pushes along what differs rather than along the scale error.
 * Zero-init: the first `zeroSteps` steps use v = 0, i.e. leave the noise as it is, since at
 * t ≈ 1 the predicted velocity is mostly error (the paper zeroes the first step: zeroSteps 1).
 */
import * as tf from '@tensorflow/tfjs';
import { perSampleDot, type Guidance } from './guidance.js';

export interface CfgZeroStarSettings {
  /** Steps at the start whose velocity is zero (both of a Heun step's evaluations); 0 = none. */
  zeroSteps?: number;
}

export function cfgZeroStar(scale: number, { zeroSteps = 1 }: CfgZeroStarSettings = {}): Guidance {
  return {
    name: 'cfg-zero-star',
    space: 'velocity',
    guides: () => scale !== 1,
    combine(c, u, { step }) {
      if (step < zeroSteps) return tf.zerosLike(c);
      const s = tf.div(perSampleDot(c, u), tf.add(perSampleDot(u, u), 1e-8)); // s* [B, 1, …, 1]
      const su = tf.mul(u, s);
      return tf.add(su, tf.mul(tf.sub(c, su), scale)); // s*·v_u + g·(v_c − s*·v_u)
    },
    reset() {},
  };
}
