/**
 * Exponential moving average of the weights (what samples and the shipped model use):
 * ema ← decay·ema + (1 − decay)·param after every optimiser step.
 */
import * as tf from '@tensorflow/tfjs';

export class Ema {
  readonly shadow: Record<string, tf.Variable> = {};

  constructor(
    params: Record<string, tf.Variable>,
    readonly decay = 0.999,
  ) {
    for (const [name, p] of Object.entries(params)) this.shadow[name] = tf.variable(p.clone(), false, `${name}/ema`);
  }

  update(params: Record<string, tf.Variable>): void {
    tf.tidy(() => {
      for (const [name, p] of Object.entries(params)) {
        const s = this.shadow[name];
        s.assign(tf.add(tf.mul(s, this.decay), tf.mul(p, 1 - this.decay)));
      }
    });
  }

  dispose(): void {
    for (const v of Object.values(this.shadow)) v.dispose();
  }
}
