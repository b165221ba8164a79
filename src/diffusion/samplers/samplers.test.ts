// Samplers on an analytic case: the flow between two Gaussians, where the optimal model is
// known in closed form, so every error in the samples is the sampler's own.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../base/errors.js';
import { generate } from '../generate.js';
import { noiseForSeeds } from '../noise.js';
import { MODEL_TIME_SCALE, rectifiedFlow, vPrediction, xPrediction, type Objective } from '../objective.js';
import { createSampler, SAMPLER_NAMES, shiftTimesteps, uniformTimesteps } from './index.js';

await tf.setBackend('cpu');

// Data x0 ~ N(μ, s²), noise ε ~ N(0, 1), x_t = α·x0 + σ·ε ~ N(αμ, α²s² + σ²), per dimension.
const MU = 2;
const S = 0.5;
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const SHAPE = [SEEDS.length, 10_000]; // 100,000 samples: the sample variance's own noise is ~0.45%
const OBJECTIVES = [rectifiedFlow(), vPrediction(), xPrediction()];

/** Steps that put each sampler within 2% on this case (Heun takes 2 model evaluations a step). */
const PINNED_STEPS = { euler: 200, heun: 25, 'dpm-solver-2m': 50 };

/**
 * The exact minimiser of the objective's loss, E[target | x_t]. The target is a·x0 + b·ε, so
 * Gaussian conditioning gives E[target | x] = a·μ + Cov(target, x_t)/Var(x_t)·(x − αμ), with
 * Cov = a·α·s² + b·σ (rectified flow: a = −1, b = 1; v-prediction: a = −σ, b = α;
 * x-prediction: a = 1, b = 0).
 */
function optimalModel(objective: Objective) {
  return (x: tf.Tensor, modelTime: tf.Tensor1D) => {
    const t = modelTime.dataSync()[0] / MODEL_TIME_SCALE; // one time for the whole batch
    const [alpha, sigma] = [objective.alpha(t), objective.sigma(t)];
    const [a, b] = objective.name === 'rectified-flow' ? [-1, 1] : objective.name === 'x-prediction' ? [1, 0] : [-sigma, alpha];
    const covariance = a * alpha * S * S + b * sigma;
    const variance = alpha * alpha * S * S + sigma * sigma;
    return tf.add(a * MU, tf.mul(tf.sub(x, alpha * MU), covariance / variance));
  };
}

/**
 * Integrate the exact flow from noise to data. The ODE's time-1 map is affine and increasing,
 * so it must be x1 ↦ μ + s·x1: `error` is the largest distance from that, per sample.
 */
function transport(objective: Objective, sampler: string, steps: number, seeds = SEEDS, shift = 1) {
  const shape = [seeds.length, SHAPE[1]];
  const model = optimalModel(objective);
  let evaluations = 0;
  const out = generate({
    model: (x, t) => (evaluations++, model(x, t)),
    cond: {},
    shape,
    steps,
    guidance: 1,
    sampler: createSampler(sampler),
    shift,
    objective,
    seed: seeds,
  });
  const x = out.dataSync();
  out.dispose();
  const noise = noiseForSeeds(shape.slice(1), seeds).dataSync();
  let [sum, squares, error] = [0, 0, 0];
  for (let i = 0; i < x.length; i++) {
    sum += x[i];
    error = Math.max(error, Math.abs(x[i] - (MU + S * noise[i])));
  }
  const mean = sum / x.length;
  for (let i = 0; i < x.length; i++) squares += (x[i] - mean) ** 2;
  return { mean, variance: squares / (x.length - 1), error, evaluations };
}

describe('samplers on the flow between two Gaussians N(0, 1) → N(2, 0.5²)', () => {
  for (const objective of OBJECTIVES) {
    for (const [sampler, steps] of Object.entries(PINNED_STEPS)) {
      it(`${objective.name}, ${sampler}, ${steps} steps: sample mean and variance within 2%`, () => {
        const r = transport(objective, sampler, steps);
        console.log(`${objective.name} ${sampler} ${steps}: mean ${r.mean.toFixed(4)}, variance ${r.variance.toFixed(4)}, max error ${r.error.toExponential(2)}`);
        expect(Math.abs(r.mean / MU - 1)).toBeLessThan(0.02);
        expect(Math.abs(r.variance / S ** 2 - 1)).toBeLessThan(0.02);
        expect(r.evaluations).toBe(sampler === 'heun' ? 2 * steps - (objective.singularAtZero ? 1 : 0) : steps); // x-prediction: last Heun step is Euler
      });
    }
  }

  // The time shift only moves the grid: the samplers must still land within 2%. x-prediction
  // needs 50 steps: its last step is Euler into t = 0 (returning x̂0 there), and shift 3 moves
  // that step's start from t = 0.04 to 0.11, where x̂0 is a posterior mean (25 steps: variance −5.5%).
  for (const objective of OBJECTIVES) {
    const steps = objective.singularAtZero ? 50 : 25;
    it(`${objective.name}, heun, ${steps} steps with time shift 3: still within 2%, and a different path`, () => {
      const shifted = transport(objective, 'heun', steps, SEEDS, 3);
      expect(Math.abs(shifted.mean / MU - 1)).toBeLessThan(0.02);
      expect(Math.abs(shifted.variance / S ** 2 - 1)).toBeLessThan(0.02);
      expect(shifted.error).not.toBe(transport(objective, 'heun', steps).error); // the shift was applied
    });
  }

  it('the 2% bound has teeth: 25 Euler steps on rectified flow miss it', () => {
    const r = transport(rectifiedFlow(), 'euler', 25);
    expect(r.error).toBeGreaterThan(0.1); // the exact map is missed by up to 0.13
    expect(r.variance / S ** 2 - 1).toBeLessThan(-0.05); // measured −11%: the last steps shrink towards the mean
  });

  // Order p: doubling the steps divides the error by 2^p (measured on 10,000 samples). DPM-Solver++(2M)
  // takes its first two and last steps at first order (λ = ∓∞ at t = 1 and 0), so it nears 2 slowly.
  const ORDERS = { euler: { steps: 100, min: 0.9, max: 1.1 }, heun: { steps: 25, min: 1.8, max: 2.2 }, 'dpm-solver-2m': { steps: 200, min: 1.5, max: 2.2 } };
  // x-prediction's last step is first order by design (Euler into t = 0, where its velocity is singular).
  for (const objective of OBJECTIVES.filter((o) => o.name !== 'x-prediction')) {
    for (const [sampler, { steps, min, max }] of Object.entries(ORDERS)) {
      it(`${objective.name}, ${sampler}: converges at order ${min}…${max}`, () => {
        const error = (n: number) => transport(objective, sampler, n, [1]).error;
        const order = Math.log2(error(steps) / error(2 * steps));
        console.log(`${objective.name} ${sampler} order ${order.toFixed(2)} (${steps} → ${2 * steps} steps)`);
        expect(order).toBeGreaterThan(min);
        expect(order).toBeLessThan(max);
      });
    }
  }
});

describe('sampler registry', () => {
  it('makes each sampler by name, with times from exactly 1 to exactly 0', () => {
    expect(SAMPLER_NAMES).toEqual(['euler', 'heun', 'dpm-solver-2m']);
    for (const name of SAMPLER_NAMES) expect(createSampler(name).name).toBe(name);
    expect(uniformTimesteps(4)).toEqual([1, 0.75, 0.5, 0.25, 0]);
    expect(createSampler('heun').setTimesteps(3)).toEqual(uniformTimesteps(3));
  });

  it('shifts a grid as SD3 does: ends kept, order kept, more steps at high noise', () => {
    const grid = uniformTimesteps(4);
    expect(shiftTimesteps(grid, 1)).toEqual(grid);
    const shifted = shiftTimesteps(grid, 3);
    expect(shifted[0]).toBe(1);
    expect(shifted[4]).toBe(0);
    expect(shifted[2]).toBeCloseTo(0.75, 12); // 3·0.5 / (1 + 2·0.5)
    expect(shifted[1]).toBeCloseTo(2.25 / 2.5, 12);
    for (let i = 1; i < shifted.length; i++) expect(shifted[i]).toBeLessThan(shifted[i - 1]);
    expect(shiftTimesteps(grid, 0.5)[2]).toBeCloseTo(1 / 3, 12); // s < 1 moves steps toward the data
    for (const bad of [0, -1, Number.NaN, Infinity]) expect(() => shiftTimesteps(grid, bad)).toThrow('time shift must be a positive number');
  });

  it('generate refuses a bad shift with a UserError', () => {
    const run = (shift: number) => generate({ model: (x) => x, cond: {}, shape: [1, 2], steps: 2, guidance: 1, sampler: createSampler('euler'), shift, seed: 1 });
    expect(() => run(0)).toThrow(UserError);
    expect(() => run(-2)).toThrow('time shift must be a positive number, got -2');
  });

  it('refuses an unknown name with a UserError that lists the names', () => {
    expect(() => createSampler('ddim')).toThrow(UserError);
    expect(() => createSampler('ddim')).toThrow('unknown sampler "ddim" (expected one of: euler, heun, dpm-solver-2m)');
    expect(() => createSampler('toString')).toThrow(UserError);
  });
});
