import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { AdamW } from './adamw.js';

await tf.setBackend('cpu');

describe('AdamW', () => {
  it('matches a hand-computed torch.optim.AdamW trajectory', () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const opt = new AdamW({ p }, { lr: 0.1, weightDecay: 0.5 });
    // float64 reference of torch.optim.AdamW with grads g = 2·p (loss = Σ p²)
    let ref = [1, -2];
    let m = [0, 0];
    let v = [0, 0];
    for (let t = 1; t <= 3; t++) {
      const g = ref.map((x) => 2 * x);
      opt.step({ p: tf.tensor1d(g) });
      m = m.map((mi, i) => 0.9 * mi + 0.1 * g[i]);
      v = v.map((vi, i) => 0.999 * vi + 0.001 * g[i] ** 2);
      ref = ref.map((x, i) => x * (1 - 0.1 * 0.5) - (0.1 * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8));
    }
    const got = p.dataSync();
    ref.forEach((r, i) => expect(got[i]).toBeCloseTo(r, 5));
  });
});
