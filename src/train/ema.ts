/**
 * Exponential moving average of the weights (what samples and the shipped model use):
 * ema ← d·ema + (1 − d)·param after every optimiser step, with the warm-up of TensorFlow's
 * ExponentialMovingAverage(num_updates): d = min(decay, (1 + n)/(10 + n)) at update n.
 * Without it a short run's average stays close to the initial weights (0.999^1000 = 37% of
 * them after 1,000 steps), and with adaLN-Zero's zeroed gates that average samples a flat
 * grey video long after the trained weights sample objects.
 */
import * as tf from '@tensorflow/tfjs';
import { emaUpdate } from '../../kernels/ema/tfjs.js';

/** The decay used at update `n` (1-based). */
export function emaDecayAt(decay: number, n: number): number {
  return Math.min(decay, (1 + n) / (10 + n));
}

export class Ema {
  readonly shadow: Record<string, tf.Variable> = {};

  constructor(
    params: Record<string, tf.Variable>,
    readonly decay = 0.999,
  ) {
    for (const [name, p] of Object.entries(params)) this.shadow[name] = tf.variable(p.clone(), false, `${name}/ema`);
  }

  /** Fold in the weights after optimiser step `n` (1-based: the warm-up depends on it). */
  update(params: Record<string, tf.Variable>, n: number): void {
    const d = emaDecayAt(this.decay, n);
    tf.tidy(() => {
      for (const [name, p] of Object.entries(params)) {
        const s = this.shadow[name];
        s.assign(emaUpdate(s, p, d, { inPlace: true })); // fused and in place on native, same bits everywhere
      }
    });
  }

  /**
   * Run `fn` with the EMA weights in `params` (what previews and training-time evaluations
   * sample), then put the training weights back exactly, whatever `fn` does.
   */
  withAveragedWeights<T>(params: Record<string, tf.Variable>, fn: () => T): T {
    const saved = Object.fromEntries(Object.entries(params).map(([name, v]) => [name, tf.keep(v.clone())]));
    try {
      for (const [name, v] of Object.entries(params)) v.assign(this.shadow[name]);
      return fn();
    } finally {
      for (const [name, v] of Object.entries(params)) v.assign(saved[name]);
      tf.dispose(Object.values(saved));
    }
  }

  dispose(): void {
    for (const v of Object.values(this.shadow)) v.dispose();
  }
}
