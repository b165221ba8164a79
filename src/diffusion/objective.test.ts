// Objectives: the noising path, its target and the samplers' readings of it agree; timesteps
// have the documented distributions.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../base/rng.js';
import { UserError } from '../../base/errors.js';
import { gaussian } from './noise.js';
import { createObjective, rectifiedFlow, vPrediction, xPrediction, X_PREDICTION_MIN_T } from './objective.js';

await tf.setBackend('cpu');

const maxDifference = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
const median = (values: Float32Array) => Float32Array.from(values).sort()[values.length >> 1];

describe('objectives', () => {
  const x0 = gaussian([3, 2, 4, 4], Rng.from('x0'));
  const eps = gaussian([3, 2, 4, 4], Rng.from('eps'));
  const t = [0.1, 0.5, 0.9]; // one time per sample

  for (const objective of [rectifiedFlow(), vPrediction(), xPrediction()]) {
    it(`${objective.name}: x0 comes back from x_t and the exact target; x_t runs from data to noise`, () => {
      const xt = objective.noisy(x0, eps, t);
      const target = objective.target(x0, eps, t);
      expect(maxDifference(objective.data(target, xt, t), x0)).toBeLessThan(1e-6);
      expect(maxDifference(objective.noisy(x0, eps, 0), x0)).toBe(0);
      expect(maxDifference(objective.noisy(x0, eps, 1), eps)).toBe(0);
      expect([objective.alpha(0), objective.sigma(0), objective.alpha(1), objective.sigma(1)]).toEqual([1, 0, 0, 1]);
    });

    it(`${objective.name}: the velocity read from the exact target is dx_t/dt`, () => {
      const dt = 1e-3;
      const finiteDifference = tf.div(tf.sub(objective.noisy(x0, eps, t.map((u) => u + dt)), objective.noisy(x0, eps, t.map((u) => u - dt))), 2 * dt);
      const velocity = objective.velocity(objective.target(x0, eps, t), objective.noisy(x0, eps, t), t);
      expect(maxDifference(velocity, finiteDifference)).toBeLessThan(2e-3);
      // the right answer is not small: a wrong parameterisation would miss by O(1)
      expect(tf.max(tf.abs(finiteDifference)).dataSync()[0]).toBeGreaterThan(1);
    });
  }

  it('x-prediction: the loss is the velocity error, (x̂0 − x0)²/t² with t clipped at 0.05', () => {
    const objective = xPrediction();
    const times = [0.01, 0.1, 0.5];
    const xt = objective.noisy(x0, eps, times);
    expect(objective.loss(x0, x0, eps, xt, times).dataSync()[0]).toBe(0);
    const off = tf.add(x0, 0.1); // every element of x̂0 off by 0.1
    const expected = times.reduce((a, u) => a + (0.1 / Math.max(u, X_PREDICTION_MIN_T)) ** 2, 0) / times.length;
    expect(objective.loss(off, x0, eps, xt, times).dataSync()[0]).toBeCloseTo(expected, 2); // 1.47: dominated by the clipped t
    expect(objective.singularAtZero).toBe(true);
    expect(rectifiedFlow().singularAtZero || vPrediction().singularAtZero).toBe(false);
  });

  it('rectified flow: its loss is the mean squared error from the target', () => {
    const objective = rectifiedFlow();
    const xt = objective.noisy(x0, eps, t);
    const target = objective.target(x0, eps, t);
    expect(objective.loss(target, x0, eps, xt, t).dataSync()[0]).toBe(0);
    expect(objective.loss(tf.add(target, 0.5), x0, eps, xt, t).dataSync()[0]).toBeCloseTo(0.25, 6);
  });

  it('scales the model time to DiT’s [0, 1000]', () => {
    expect(Array.from(rectifiedFlow().modelTime([0, 0.25, 1]).dataSync())).toEqual([0, 250, 1000]);
  });

  it('rectified flow: logit-normal times in (0, 1), median sigmoid(m), logit spread s; seeded', () => {
    const standard = rectifiedFlow().sampleTimesteps(20_000, Rng.from('t'));
    expect(standard.every((u) => u > 0 && u < 1)).toBe(true);
    expect(Math.abs(median(standard) - 0.5)).toBeLessThan(0.01);
    const shifted = rectifiedFlow({ m: 1, s: 0.5 }).sampleTimesteps(20_000, Rng.from('t'));
    expect(Math.abs(median(shifted) - 1 / (1 + Math.exp(-1)))).toBeLessThan(0.01);
    const logits = Array.from(shifted, (u) => Math.log(u / (1 - u)));
    const spread = Math.sqrt(logits.reduce((a, l) => a + (l - 1) ** 2, 0) / logits.length);
    expect(Math.abs(spread - 0.5)).toBeLessThan(0.01);
    expect(rectifiedFlow().sampleTimesteps(8, Rng.from('t'))).toEqual(standard.subarray(0, 8));
  });

  it('v-prediction: uniform times in [0, 1)', () => {
    const times = vPrediction().sampleTimesteps(20_000, Rng.from('t'));
    expect(times.every((u) => u >= 0 && u < 1)).toBe(true);
    expect(Math.abs(median(times) - 0.5)).toBeLessThan(0.01);
    expect(times.filter((u) => u < 0.1).length / times.length).toBeCloseTo(0.1, 2);
  });

  it('names: rectified flow and v-prediction; anything else is a UserError', () => {
    expect(createObjective('rectified-flow').name).toBe('rectified-flow');
    expect(createObjective('v-prediction').name).toBe('v-prediction');
    expect(() => createObjective('epsilon')).toThrow(UserError);
  });

  it('createObjective takes a logit-normal for rectified flow and x-prediction, refuses it for v-prediction', () => {
    const median_ = (name: string, m: number) => median(createObjective(name, { m, s: 1 }).sampleTimesteps(20_000, Rng.from('t')));
    expect(Math.abs(median_('x-prediction', 1.2) - 1 / (1 + Math.exp(-1.2)))).toBeLessThan(0.01);
    expect(Math.abs(median_('rectified-flow', -0.5) - 1 / (1 + Math.exp(0.5)))).toBeLessThan(0.01);
    // Without one, x-prediction keeps JiT's mean 0.8.
    expect(Math.abs(median(createObjective('x-prediction').sampleTimesteps(20_000, Rng.from('t'))) - 1 / (1 + Math.exp(-0.8)))).toBeLessThan(0.01);
    expect(() => createObjective('v-prediction', { m: 0, s: 1 })).toThrow(/v-prediction samples timesteps uniformly/);
    expect(() => createObjective('x-prediction', { m: 0, s: 0 })).toThrow(/positive std/);
  });
});

describe('per-sample loss', () => {
  it('is each sample\'s own loss, and its mean is the batch loss', () => {
    const rng = Rng.from('sample-loss');
    const [x0, eps, output] = [gaussian([3, 2, 4], rng), gaussian([3, 2, 4], rng), gaussian([3, 2, 4], rng)];
    const times = [0.02, 0.5, 0.97]; // x-prediction clips the first at X_PREDICTION_MIN_T in both
    for (const objective of [rectifiedFlow(), vPrediction(), xPrediction()]) {
      const xt = objective.noisy(x0, eps, times);
      const perSample = Array.from(objective.sampleLoss(output, x0, eps, xt, times).dataSync());
      expect(perSample).toHaveLength(3);
      const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
      expect(relative(perSample.reduce((a, b) => a + b, 0) / 3, objective.loss(output, x0, eps, xt, times).dataSync()[0])).toBeLessThan(1e-6);
      const slice = (x: tf.Tensor) => tf.slice(x, [1, 0, 0], [1, 2, 4]);
      expect(relative(perSample[1], objective.loss(slice(output), slice(x0), slice(eps), slice(xt), [times[1]]).dataSync()[0])).toBeLessThan(1e-6);
      expect(new Set(perSample.map((v) => v.toFixed(6))).size).toBe(3); // really per sample
    }
  });
});
