// Guidance methods on an analytic case: conditional and unconditional models that are the exact
// flows of two Gaussians (as in samplers.test.ts), so each method's effect is its own.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../base/errors.js';
import { generate, type GenerateOptions } from '../generate.js';
import { noiseForSeeds } from '../noise.js';
import { MODEL_TIME_SCALE, rectifiedFlow, vPrediction, xPrediction, type Objective } from '../objective.js';
import { createSampler } from '../samplers/index.js';
import { apg, cfgZeroStar, createGuidance, GUIDANCE_METHODS, guidanceFlags, parseGuidanceInterval } from './index.js';

await tf.setBackend('cpu');

/** A row's data distribution N(mean, std²), per dimension: what each row's model was "trained" on. */
type Gaussian = { mean: tf.Tensor; std: tf.Tensor }; // [B, 1] each

const B = 4;
const D = 4096;
const SHAPE: [number, number] = [B, D];
const gaussian = (mean: number, std: number): Gaussian => ({ mean: tf.fill([B, 1], mean), std: tf.fill([B, 1], std) });
const COND = gaussian(2, 0.5); // the prompt's data
const UNCOND = gaussian(0, 1); // the null caption's: all data

/**
 * The exact minimiser of the objective's loss for each row's Gaussian, E[target | x_t]: with
 * target a·x0 + b·ε, E = a·μ + Cov/Var·(x − αμ), Cov = a·α·s² + b·σ, Var = α²·s² + σ²
 * (rectified flow a = −1, b = 1; v-prediction a = −σ, b = α; x-prediction a = 1, b = 0).
 * Elementwise per row, so a batch of cond and uncond gives each row what it gives alone.
 */
function gaussianModel(objective: Objective) {
  return (x: tf.Tensor, modelTime: tf.Tensor1D, c: Gaussian) =>
    tf.tidy(() => {
      const t = modelTime.dataSync()[0] / MODEL_TIME_SCALE;
      const [alpha, sigma] = [objective.alpha(t), objective.sigma(t)];
      const [a, b] = objective.name === 'rectified-flow' ? [-1, 1] : objective.name === 'x-prediction' ? [1, 0] : [-sigma, alpha];
      const s2 = tf.square(c.std);
      const covariance = tf.add(tf.mul(s2, a * alpha), b * sigma);
      const variance = tf.add(tf.mul(s2, alpha * alpha), sigma * sigma);
      return tf.add(tf.mul(c.mean, a), tf.mul(tf.div(covariance, variance), tf.sub(x, tf.mul(c.mean, alpha))));
    });
}

const rf = rectifiedFlow();
const base: GenerateOptions<Gaussian> = {
  model: gaussianModel(rf),
  cond: COND,
  uncond: UNCOND,
  shape: SHAPE,
  steps: 4,
  guidance: 4,
  sampler: createSampler('euler'),
  objective: rf,
  seed: 1,
};
const run = (options: Partial<GenerateOptions<Gaussian>>) => generate({ ...base, sampler: createSampler('euler'), ...options }).dataSync() as Float32Array;
const bytes = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const meanStd = (v: Float32Array) => {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  return { mean, std: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length) };
};

/**
 * Euler on rectified flow written out by hand: at each time, `output(c, u, t)` of the
 * conditional and unconditional models (u null where `guided(t)` is false: no pass).
 */
function handEuler(steps: number, output: (c: tf.Tensor, u: tf.Tensor | null, t: number) => tf.Tensor, guided: (t: number) => boolean = () => true) {
  const model = gaussianModel(rf);
  let x = noiseForSeeds([D], [1, 2, 3, 4]);
  for (let i = 0; i < steps; i++) {
    const [t, next] = [1 - i / steps, 1 - (i + 1) / steps];
    const time = tf.tensor1d(new Array(B).fill(t * MODEL_TIME_SCALE));
    const c = model(x, time, COND);
    const v = output(c, guided(t) ? model(x, time, UNCOND) : null, t);
    x = tf.add(x, tf.mul(v, next - t));
  }
  return x.dataSync() as Float32Array;
}
const cfgOutput = (g: number) => (c: tf.Tensor, u: tf.Tensor | null) => (u ? tf.add(u, tf.mul(tf.sub(c, u), g)) : c);

describe('cfg', () => {
  it("is the default, and bit-identical to the loop before guidance methods: uncond + g·(cond − uncond) from one batched pass", () => {
    const hand = handEuler(4, cfgOutput(4));
    expect(bytes(run({})).equals(bytes(hand))).toBe(true);
    expect(bytes(run({ guidanceMethod: 'cfg' })).equals(bytes(hand))).toBe(true);
  });
});

describe('interval (Kynkäänniemi et al. 2024)', () => {
  it('is CFG inside [lo, hi] and the conditional model alone outside, without the unconditional pass there', () => {
    const batches: number[] = [];
    const model = gaussianModel(rf);
    const counting = (x: tf.Tensor, t: tf.Tensor1D, c: Gaussian) => (batches.push(x.shape[0]), model(x, t, c));
    const inside = (t: number) => t >= 0.4 && t <= 0.8; // of the times 1, 0.75, 0.5, 0.25
    const guided = run({ model: counting, guidanceMethod: 'interval', guidanceSettings: { interval: [0.4, 0.8] } });
    expect(batches).toEqual([B, 2 * B, 2 * B, B]);
    expect(bytes(guided).equals(bytes(handEuler(4, cfgOutput(4), inside)))).toBe(true);
    expect(bytes(run({ guidanceMethod: 'interval', guidanceSettings: { interval: [0, 1] } })).equals(bytes(run({})))).toBe(true);
    expect(bytes(run({ guidanceMethod: 'interval', guidanceSettings: { interval: [0.9, 0.95] } })).equals(bytes(run({ guidance: 1 })))).toBe(true);
  });

  it('keeps more of the spread than CFG at the same scale (guidance at high noise is what narrows it)', () => {
    const steps = 50;
    const full = meanStd(run({ steps }));
    const limited = meanStd(run({ steps, guidanceMethod: 'interval' })); // the default [0.22, 0.84]
    console.log(`g 4: cfg mean ${full.mean.toFixed(3)} std ${full.std.toFixed(3)}; interval mean ${limited.mean.toFixed(3)} std ${limited.std.toFixed(3)}`);
    expect(limited.std).toBeGreaterThan(1.2 * full.std);
    expect(limited.mean).toBeGreaterThan(2.5); // still guided: the conditional model alone gives 2
  });
});

describe('APG (Sadat et al. 2024)', () => {
  for (const objective of [rectifiedFlow(), vPrediction(), xPrediction()]) {
    it(`${objective.name}: with η = 1, no momentum and no norm limit it is CFG (guided on x̂0 and read back)`, () => {
      const options = { model: gaussianModel(objective), objective, steps: 10 };
      const asCfg = run({ ...options, guidanceMethod: 'apg', guidanceSettings: { apg: { eta: 1, momentum: 0, normThreshold: 0 } } });
      const plain = run(options);
      expect(maxDiff(asCfg, plain)).toBeLessThan(2e-4);
      expect(maxDiff(run({ ...options, guidanceMethod: 'apg' }), plain)).toBeGreaterThan(0.1); // the defaults do something
    });
  }

  it('η = 0 drops the part of the update along x̂0_c, the oversaturation: the mean no longer overshoots', () => {
    const steps = 50;
    const cfgRun = meanStd(run({ steps }));
    const apgRun = meanStd(run({ steps, guidanceMethod: 'apg', guidanceSettings: { apg: { eta: 0, momentum: 0 } } }));
    console.log(`g 4: cfg mean ${cfgRun.mean.toFixed(3)} std ${cfgRun.std.toFixed(3)}; apg mean ${apgRun.mean.toFixed(3)} std ${apgRun.std.toFixed(3)}`);
    expect(cfgRun.mean).toBeGreaterThan(2.9); // μ_c = 2, pushed away from the unconditional mean 0
    expect(Math.abs(apgRun.mean - 2)).toBeLessThan(0.05);
  });

  it('combines as the paper writes it: the projection, the momentum and the norm limit', () => {
    const c = tf.tensor2d([[3, 4], [1, 0]]); // per row: x̂0_c
    const u = tf.tensor2d([[1, 1], [0, 1]]);
    const at = { t: 0.5, step: 0 };
    // η = 0: the update (guided − c) is orthogonal to c, row by row
    const orthogonal = tf.sub(apg(3, { eta: 0, momentum: 0 }).combine(c, u, at), c).arraySync() as number[][];
    const cRows = c.arraySync() as number[][];
    orthogonal.forEach((row, r) => expect(row[0] * cRows[r][0] + row[1] * cRows[r][1]).toBeCloseTo(0, 5));
    expect(orthogonal[1]).toEqual([0, -2]); // Δ = (1, −1), its part ⟂ (1, 0) is (0, −1), times g − 1 = 2
    // momentum β: the second update is Δ₂ + β·Δ₁ (η = 1, so no projection)
    const guide = apg(3, { eta: 1, momentum: -0.5 });
    guide.combine(c, u, at);
    const second = tf.sub(guide.combine(c, tf.zerosLike(u), at), c).arraySync() as number[][];
    guide.reset();
    expect(second[0][0]).toBeCloseTo(2 * (3 - 0.5 * 2), 5);
    expect(second[1][1]).toBeCloseTo(2 * (0 - 0.5 * -1), 5);
    // norm limit r: the update is (g − 1)·Δ·min(1, r/‖Δ‖)
    const limited = tf.sub(apg(3, { eta: 1, momentum: 0, normThreshold: 1 }).combine(c, u, at), c).arraySync() as number[][];
    expect(Math.hypot(...limited[0])).toBeCloseTo(2, 5); // ‖Δ‖ = √13 > 1
    expect(Math.hypot(...limited[1])).toBeCloseTo(2, 5); // ‖Δ‖ = √2 > 1
  });
});

describe('CFG-Zero* (Fan et al. 2025)', () => {
  it('scales the unconditional velocity by s* = ⟨v_c, v_u⟩/‖v_u‖² per video', () => {
    const c = tf.tensor2d([[1, 2, 3], [0, 1, 0]]);
    const u = tf.tensor2d([[2, 0, 1], [0, 3, 0]]);
    const out = cfgZeroStar(4, { zeroSteps: 0 }).combine(c, u, { t: 0.5, step: 0 }).arraySync() as number[][];
    const [cRows, uRows] = [c.arraySync() as number[][], u.arraySync() as number[][]];
    cRows.forEach((cRow, r) => {
      const s = cRow.reduce((sum, v, k) => sum + v * uRows[r][k], 0) / uRows[r].reduce((sum, v) => sum + v * v, 0); // 1, then 1/3
      cRow.forEach((cv, k) => expect(out[r][k]).toBeCloseTo(s * uRows[r][k] + 4 * (cv - s * uRows[r][k]), 5));
    });
    expect(out[1]).toEqual([0, 1, 0].map((v) => expect.closeTo(v, 5))); // v_u ∥ v_c: only the scale differed, and nothing is extrapolated
  });

  it('zero-init: the first step keeps the noise (both Heun evaluations of it); after it, the formula on the velocity', () => {
    const noise = noiseForSeeds([D], [1, 2, 3, 4]).dataSync() as Float32Array;
    expect(bytes(run({ steps: 1, guidanceMethod: 'cfg-zero-star' })).equals(bytes(noise))).toBe(true);
    expect(bytes(run({ steps: 1, guidanceMethod: 'cfg-zero-star', sampler: createSampler('heun') })).equals(bytes(noise))).toBe(true);
    const zeroStar = (c: tf.Tensor, u: tf.Tensor | null, t: number) => {
      if (t === 1) return tf.zerosLike(c);
      const s = tf.div(tf.sum(tf.mul(c, u!), 1, true), tf.add(tf.sum(tf.square(u!), 1, true), 1e-8)); // v_u = 0 at t = ½ for N(0, 1): s* = 0
      return tf.add(tf.mul(u!, s), tf.mul(tf.sub(c, tf.mul(u!, s)), 4));
    };
    expect(maxDiff(run({ guidanceMethod: 'cfg-zero-star' }), handEuler(4, zeroStar))).toBeLessThan(1e-5);
    expect(maxDiff(run({ guidanceMethod: 'cfg-zero-star' }), run({}))).toBeGreaterThan(0.1);
  });
});

describe('text and frame scales (three passes)', () => {
  const FRAMES_ONLY = gaussian(1, 0.7); // the frames without the text
  const frames = (scale: number) => ({ uncond: FRAMES_ONLY, frameGuidance: { scale, uncond: UNCOND } });

  it('combines ∅ + s_frames·(f − ∅) + s_text·(c − f), from one batch of 3B', () => {
    const batches: number[] = [];
    const model = gaussianModel(rf);
    const counting = (x: tf.Tensor, t: tf.Tensor1D, c: Gaussian) => (batches.push(x.shape[0]), model(x, t, c));
    const out = run({ ...frames(2), model: counting, steps: 1 }); // one Euler step from t = 1: x − output(x, 1)
    expect(batches).toEqual([3 * B]);
    const x = noiseForSeeds([D], [1, 2, 3, 4]).dataSync();
    const at = (g: Gaussian) => model(tf.tensor2d(x, SHAPE), tf.tensor1d(new Array(B).fill(MODEL_TIME_SCALE)), g).dataSync();
    const [c, f, n] = [at(COND), at(FRAMES_ONLY), at(UNCOND)];
    expect(maxDiff(out, Array.from(x, (xi, i) => xi - (n[i] + 2 * (f[i] - n[i]) + 4 * (c[i] - f[i]))))).toBeLessThan(1e-5);
  });

  it('s_frames = 1 is CFG on the text with the frames in both passes; s_frames = s_text = 1 is the conditional model', () => {
    expect(maxDiff(run({ ...frames(1), steps: 10 }), run({ uncond: FRAMES_ONLY, steps: 10 }))).toBeLessThan(1e-4);
    expect(maxDiff(run({ ...frames(1), guidance: 1, steps: 10 }), run({ guidance: 1, steps: 10 }))).toBeLessThan(1e-4);
    expect(maxDiff(run({ ...frames(3), steps: 10 }), run({ uncond: FRAMES_ONLY, steps: 10 }))).toBeGreaterThan(0.1);
  });

  it('is plain CFG only, and a finite scale', () => {
    expect(() => run({ ...frames(2), guidanceMethod: 'apg' })).toThrow('frame guidance combines with --guidance-method cfg only, not apg');
    expect(() => run({ ...frames(NaN) })).toThrow(UserError);
  });
});

describe('guidance registry', () => {
  it('makes each method by name and refuses an unknown one, or an interval for another method, with a UserError', () => {
    for (const name of GUIDANCE_METHODS) expect(createGuidance(name, 3).name).toBe(name);
    expect(() => createGuidance('pag', 3)).toThrow('unknown guidance method "pag" (expected one of: cfg, interval, apg, cfg-zero-star)');
    expect(() => run({ guidanceMethod: 'toString' })).toThrow(UserError);
    expect(() => createGuidance('apg', 3, { interval: [0, 1] })).toThrow(UserError);
  });

  it('checks the CLI flags: a method name, LO,HI in [0, 1], and an interval only with the interval method', () => {
    expect(guidanceFlags()).toEqual({});
    expect(guidanceFlags('interval', '0.2,0.8')).toEqual({ guidanceMethod: 'interval', guidanceInterval: [0.2, 0.8] });
    expect(parseGuidanceInterval('0, 1')).toEqual([0, 1]);
    for (const bad of ['0.5', '0.8,0.2', '-1,0.5', '0.2,1.5', 'a,b', ',', '0.1,0.2,0.3']) expect(() => parseGuidanceInterval(bad)).toThrow(UserError);
    expect(() => guidanceFlags('apg', '0.2,0.8')).toThrow('--guidance-interval needs --guidance-method interval');
    expect(() => guidanceFlags('nope')).toThrow(UserError);
    const thrown = (() => {
      try {
        guidanceFlags('nope', undefined, 1);
      } catch (err) {
        return err;
      }
    })();
    expect(thrown).toBeInstanceOf(UserError);
    expect((thrown as UserError).exitCode).toBe(1); // spacetime eval's usage errors exit 1
  });

  it('releases every tensor it makes except the result, APG momentum included', () => {
    for (const options of [{ guidanceMethod: 'apg' }, { guidanceMethod: 'cfg-zero-star' }, { guidanceMethod: 'interval' }, { uncond: gaussian(1, 0.7), frameGuidance: { scale: 2, uncond: UNCOND } }]) {
      const before = tf.memory().numTensors;
      const out = generate({ ...base, ...options, sampler: createSampler('heun') });
      expect(tf.memory().numTensors).toBe(before + 1);
      out.dispose();
    }
  });
});
