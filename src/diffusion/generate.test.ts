// The sampling loop: classifier-free guidance at g = 1 and g = 0 is exactly one model, the
// noise is a pure function of the seed, and the output is bit-identical run to run.
import crypto from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../base/rng.js';
import { UserError } from '../../base/errors.js';
import { resolveConfig } from '../model/config.js';
import { DiT, type Condition } from '../model/dit.js';
import { concatBatch, generate, type GenerateOptions } from './generate.js';
import { gaussian, noiseForSeeds } from './noise.js';
import { rectifiedFlow, vPrediction } from './objective.js';
import { createSampler } from './samplers/index.js';

await tf.setBackend('cpu');

const config = resolveConfig('tiny');
const model = new DiT(config, 0);
// adaLN-Zero makes a fresh DiT output zeros whatever the text; wake the zero layers up
Object.values(model.params).forEach((p, k) => {
  if (tf.tidy(() => tf.max(tf.abs(p)).dataSync()[0]) === 0) p.assign(gaussian(p.shape, Rng.from(`wake/${k}`)).mul(0.05));
});
const forward = (x: tf.Tensor, t: tf.Tensor1D, text: Condition) => model.forward(x as tf.Tensor5D, t, text);

const B = 2;
const L = 3;
const text = (key: string, fill?: number): Condition => ({
  pooled: (fill === undefined ? gaussian([B, config.textDim], Rng.from(`${key}/pooled`)) : tf.fill([B, config.textDim], fill)) as tf.Tensor2D,
  tokens: gaussian([B, L, config.textDim], Rng.from(`${key}/tokens`)) as tf.Tensor3D,
  mask: tf.tensor2d([1, 1, 0, 1, 0, 0], [B, L]),
});
const cond = text('a red ball');
const uncond = text('');

const base: GenerateOptions<Condition> = {
  model: forward,
  cond,
  uncond,
  shape: [B, config.channels, config.frames, config.height, config.width],
  steps: 3,
  guidance: 3,
  sampler: createSampler('heun'),
  objective: rectifiedFlow(),
  seed: 1,
};
const run = (options: Partial<GenerateOptions<Condition>>) => generate({ ...base, ...options }).dataSync() as Float32Array;
const bytes = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

describe('generate', () => {
  it('guidance 1 is exactly the conditional model: no unconditional pass, same bits as a hand-written loop', () => {
    const batches: number[] = [];
    const counting = (x: tf.Tensor, t: tf.Tensor1D, c: Condition) => (batches.push(x.shape[0]), forward(x, t, c));
    const poisoned = text('', NaN); // would turn the output to NaN if it were used
    const guided = run({ model: counting, guidance: 1, uncond: poisoned, sampler: createSampler('euler') });
    expect(batches).toEqual([B, B, B]);
    // the same three Euler steps written out by hand on the conditional model
    const times = [1, 2 / 3, 1 / 3, 0];
    let x = noiseForSeeds(base.shape.slice(1), [1, 2]);
    for (let i = 0; i < 3; i++) {
      const v = forward(x, tf.tensor1d([times[i] * 1000, times[i] * 1000]), cond);
      x = tf.add(x, tf.mul(v, times[i + 1] - times[i]));
    }
    expect(bytes(guided).equals(bytes(x.dataSync() as Float32Array))).toBe(true);
    expect(guided.every(Number.isFinite)).toBe(true);
  });

  it('guidance 0 is exactly the unconditional model, from one batched call of cond and uncond', () => {
    const batches: number[] = [];
    const counting = (x: tf.Tensor, t: tf.Tensor1D, c: Condition) => (batches.push(x.shape[0]), forward(x, t, c));
    const unguided = run({ model: counting, guidance: 0 });
    expect(batches).toEqual([2 * B, 2 * B, 2 * B, 2 * B, 2 * B, 2 * B]); // Heun: 2 calls a step
    expect(bytes(unguided).equals(bytes(run({ guidance: 1, cond: uncond })))).toBe(true);
    expect(bytes(unguided).equals(bytes(run({ guidance: 1 })))).toBe(false);
  });

  it('guidance g extrapolates: one Euler step is affine in g, uncond + g·(cond − uncond)', () => {
    const step = (guidance: number) => run({ guidance, steps: 1, sampler: createSampler('euler') });
    const [u, c, g3] = [step(0), step(1), step(3)];
    let worst = 0;
    for (let i = 0; i < u.length; i++) worst = Math.max(worst, Math.abs(g3[i] - (u[i] + 3 * (c[i] - u[i]))));
    expect(worst).toBeLessThan(1e-4);
    expect(Math.max(...c.map((ci, i) => Math.abs(ci - u[i])))).toBeGreaterThan(0.01); // the text matters
  });

  it('is bit-identical for a seed, differs across seeds, and each video keeps its seed in any batch', () => {
    for (const name of ['euler', 'heun', 'dpm-solver-2m']) {
      const sampler = createSampler(name); // reused: setTimesteps must forget the last run's history
      const a = run({ sampler, steps: 3 });
      expect(bytes(a).equals(bytes(run({ sampler, steps: 3 })))).toBe(true);
      expect(bytes(a).equals(bytes(run({ sampler, steps: 3, seed: 2 })))).toBe(false);
    }
    const v = run({ objective: vPrediction(), steps: 2 });
    expect(bytes(v).equals(bytes(run({ objective: vPrediction(), steps: 2 })))).toBe(true);
    expect(bytes(run({ seed: 5 })).equals(bytes(run({ seed: [5, 6] })))).toBe(true);
    // video 2 of seeds [9, 7] is the video of seed 7 (with the same text in both rows)
    const same = { cond: concatBatch(sliced(cond, 0), sliced(cond, 0)), uncond: concatBatch(sliced(uncond, 0), sliced(uncond, 0)) };
    const pair = run({ ...same, seed: [9, 7] });
    const alone = run({ ...same, seed: [7, 7] });
    const half = pair.length / 2;
    expect(bytes(pair.subarray(half)).equals(bytes(alone.subarray(half)))).toBe(true);
  });

  it("'cfg', the default guidance method, is bit-identical to the loop before guidance methods existed (pinned)", () => {
    const hash = (values: Float32Array) => crypto.createHash('sha256').update(bytes(values)).digest('hex');
    expect(hash(run({}))).toBe(PINNED_CFG_HEUN); // computed with the inline CFG of commit 366a8de
    expect(hash(run({ guidanceMethod: 'cfg' }))).toBe(PINNED_CFG_HEUN);
  });

  it('pins the noise of seed 1 (made in JavaScript, so the same on every backend)', () => {
    const values = Array.from(noiseForSeeds([4], [1]).dataSync());
    expect(values.map((v) => Number(v.toFixed(6)))).toEqual(PINNED_NOISE);
  });

  it('releases every tensor it makes except the result, and checks its options', () => {
    const before = tf.memory().numTensors;
    const out = generate({ ...base, sampler: createSampler('dpm-solver-2m') });
    expect(tf.memory().numTensors).toBe(before + 1);
    out.dispose();
    expect(() => run({ steps: 0 })).toThrow(UserError);
    expect(() => run({ guidance: NaN })).toThrow(UserError);
    expect(() => run({ uncond: undefined })).toThrow('needs the unconditional');
    expect(() => run({ seed: [1, 2, 3] })).toThrow('3 seeds for a batch of 2');
  });
});

function sliced(c: Condition, row: number): Condition {
  return { pooled: c.pooled.slice(row, 1), tokens: c.tokens?.slice(row, 1), mask: c.mask?.slice(row, 1) };
}

const PINNED_CFG_HEUN = '254f5e6e35b884aea98300ba7a7b01607a9705fa0fffa575ffa1f8d865f4ef00'; // 3 Heun steps, guidance 3, seed 1
const PINNED_NOISE = [-0.872847, -0.409794, -0.452197, 0.613044];
