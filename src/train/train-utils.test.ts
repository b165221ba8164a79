import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { clipByGlobalNorm } from './clip.js';
import { Ema, emaDecayAt } from './ema.js';
import { warmupCosine } from './schedule.js';

await tf.setBackend('cpu');

describe('warmupCosine', () => {
  const o = { peak: 1e-3, warmup: 10, total: 110, finalFraction: 0.1 };
  it('warms up linearly, peaks, and decays by cosine to the final fraction', () => {
    expect(warmupCosine(1, o)).toBeCloseTo(1e-4, 12);
    expect(warmupCosine(10, o)).toBeCloseTo(1e-3, 12);
    expect(warmupCosine(60, o)).toBeCloseTo(1e-4 + 0.5 * 9e-4, 12); // halfway: mean of peak and final
    expect(warmupCosine(110, o)).toBeCloseTo(1e-4, 12);
    expect(warmupCosine(500, o)).toBeCloseTo(1e-4, 12);
  });
});

describe('clipByGlobalNorm', () => {
  it('scales all gradients by maxNorm / norm when over, and leaves them when under', () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) }; // norm 5
    const over = clipByGlobalNorm(grads, 1);
    expect(over.norm).toBeCloseTo(5, 6);
    expect(Array.from(over.grads.a.dataSync())[0]).toBeCloseTo(0.6, 5);
    expect(Array.from(over.grads.b.dataSync())[1]).toBeCloseTo(0.8, 5);
    const under = clipByGlobalNorm(grads, 10);
    expect(Array.from(under.grads.b.dataSync())).toEqual([0, 4]);
  });
});

describe('Ema', () => {
  it('tracks decay·ema + (1 − decay)·param once past the warm-up', () => {
    const p = { w: tf.variable(tf.tensor1d([0])) };
    const ema = new Ema(p, 0.9);
    p.w.assign(tf.tensor1d([1]));
    ema.update(p, 100); // (1 + 100)/(10 + 100) = 0.918 > 0.9: the full decay
    ema.update(p, 101);
    expect(ema.shadow.w.dataSync()[0]).toBeCloseTo(1 - 0.81, 6);
  });

  it('warms up: early updates use (1 + n)/(10 + n), so a short run leaves the initial weights behind', () => {
    expect(emaDecayAt(0.999, 1)).toBeCloseTo(2 / 11, 12);
    expect(emaDecayAt(0.999, 100)).toBeCloseTo(101 / 110, 12);
    expect(emaDecayAt(0.999, 100_000)).toBe(0.999);
    const p = { u: tf.variable(tf.tensor1d([0])) };
    const ema = new Ema(p, 0.999);
    p.u.assign(tf.tensor1d([1]));
    for (let n = 1; n <= 1000; n++) ema.update(p, n);
    // Without the warm-up 0.999^1000 = 37% of the initial 0 would remain; with it, (10/1010)·… < 1%.
    expect(ema.shadow.u.dataSync()[0]).toBeGreaterThan(0.99);
  });
});
