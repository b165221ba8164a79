// The diffusion transformer: parameter counts, shapes for any T×H×W, adaLN-Zero at
// initialisation, determinism and gradients.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../base/errors.js';
import { leanVariableGrads } from '../../base/compute/lean-grads.js';
import { onBackend, specBackends } from '../../base/compute/spec-backends.js';
import { PRESETS, resolveConfig } from './config.js';
import { DiT, parameterCount, spacetimePositions, timestepFeatures } from './dit.js';

await tf.setBackend('cpu');

const tiny = resolveConfig('tiny');
const text = (B: number, E = tiny.textDim, L = 5) => ({
  pooled: tf.randomNormal([B, E], 0, 1, 'float32', 1) as tf.Tensor2D,
  tokens: tf.randomNormal([B, L, E], 0, 1, 'float32', 2) as tf.Tensor3D,
  mask: tf.tensor2d(Array.from({ length: B * L }, (_, i) => (i % L < 3 ? 1 : 0)), [B, L]),
});

/** Give the zero-initialised layers (adaLN, output, cross-attention out) small random values. */
function perturb(model: DiT): void {
  Object.entries(model.params).forEach(([name, v], k) => {
    if (tf.tidy(() => tf.max(tf.abs(v)).dataSync()[0]) === 0) v.assign(tf.randomNormal(v.shape, 0, 0.05, 'float32', 100 + k));
    void name;
  });
}

describe('DiT', () => {
  it('the bench preset has exactly the reference model’s 4,270,368 parameters', () => {
    expect(parameterCount(PRESETS.bench)).toBe(4_270_368);
    expect(parameterCount(PRESETS.small)).toBeGreaterThan(parameterCount(PRESETS.bench)); // + cross-attention
  });

  it('maps [B, C, T, H, W] to the same shape for several T×H×W, and is zero at initialisation (adaLN-Zero)', () => {
    const model = new DiT(tiny, 0);
    for (const [T, H, W] of [[4, 16, 16], [2, 8, 24], [6, 16, 8]]) {
      const x = tf.randomNormal([2, 3, T, H, W]) as tf.Tensor5D;
      const y = model.forward(x, tf.tensor1d([10, 500]), text(2));
      expect(y.shape).toEqual([2, 3, T, H, W]);
      expect(tf.max(tf.abs(y)).dataSync()[0]).toBe(0);
    }
    model.dispose();
  });

  const { UNAVAILABLE } = specBackends('dit lean gradients');
  it.each(['cpu', 'native'] as const)('on %s, the trainers\' leanVariableGrads gives tf.variableGrads\'s gradients bit for bit', (backend) => {
    if (UNAVAILABLE[backend] !== null) return void console.log(`skipped on ${backend}: ${UNAVAILABLE[backend]}`);
    return onBackend(backend, () => {
      const model = new DiT({ ...tiny, frameConditioning: true }, 3);
      perturb(model);
      const x = tf.randomNormal([2, 3, 4, 16, 16], 0, 1, 'float32', 7) as tf.Tensor5D;
      const t = tf.tensor1d([3, 900]);
      const cond = text(2);
      const loss = () => tf.mean(tf.square(model.forward(x, t, cond))) as tf.Scalar;
      const want = tf.variableGrads(loss, Object.values(model.params));
      const got = leanVariableGrads(loss, Object.values(model.params));
      expect(got.value.dataSync()[0]).toBe(want.value.dataSync()[0]);
      expect(Object.keys(got.grads)).toEqual(Object.keys(want.grads));
      for (const [name, g] of Object.entries(want.grads)) expect(got.grads[name].dataSync(), name).toEqual(g.dataSync());
      tf.dispose([want.value, got.value, ...Object.values(want.grads), ...Object.values(got.grads), x, t, ...Object.values(cond)]);
      model.dispose();
    }).finally(() => tf.setBackend('cpu'));
  });

  it('is deterministic for a seed, differs across seeds, and every parameter gets a gradient', () => {
    const run = (seed: number) => {
      const model = new DiT(tiny, seed);
      perturb(model);
      const x = tf.randomNormal([2, 3, 4, 16, 16], 0, 1, 'float32', 7) as tf.Tensor5D;
      const t = tf.tensor1d([3, 900]);
      const cond = text(2);
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.forward(x, t, cond))) as tf.Scalar, Object.values(model.params));
      const loss = value.dataSync()[0];
      const zeroGrads = Object.entries(grads).filter(([, g]) => tf.max(tf.abs(g)).dataSync()[0] === 0).map(([n]) => n);
      model.dispose();
      return { loss, zeroGrads };
    };
    const [a, b, c] = [run(1), run(1), run(2)];
    expect(a.loss).toBe(b.loss);
    expect(a.loss).not.toBe(c.loss);
    expect(a.zeroGrads).toEqual([]);
  });

  it('ignores padded text tokens', () => {
    const model = new DiT(tiny, 3);
    perturb(model);
    const x = tf.randomNormal([2, 3, 4, 16, 16], 0, 1, 'float32', 8) as tf.Tensor5D;
    const t = tf.tensor1d([100, 200]);
    const cond = text(2);
    // Change only the padded tokens (positions 3, 4): the output must not move.
    const keep = tf.reshape(cond.mask, [2, 5, 1]);
    const changed = { ...cond, tokens: tf.add(tf.mul(cond.tokens, keep), tf.mul(tf.sub(1, keep), 5)) as tf.Tensor3D };
    const [y1, y2] = [model.forward(x, t, cond), model.forward(x, t, changed)];
    expect(tf.max(tf.abs(tf.sub(y1, y2))).dataSync()[0]).toBeLessThan(1e-6);
    model.dispose();
  });

  it('builds embeddings as the reference does', () => {
    // Timestep features: cos then sin; position 0 of the grid is sin 0 = 0 / cos 0 = 1.
    const f = timestepFeatures(tf.tensor1d([0, 1]), 8).arraySync();
    expect(f[0]).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    expect(f[1][0]).toBeCloseTo(Math.cos(1), 6);
    expect(f[1][4]).toBeCloseTo(Math.sin(1), 6);
    const pos = spacetimePositions(16, 2, 2, 2); // D/4 = 4 time channels, 6 + 6 space
    expect(pos.length).toBe(8 * 16);
    expect(Array.from(pos.slice(0, 16))).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]);
    expect(pos[16 * 4]).toBeCloseTo(Math.sin(1), 6); // token (t=1, h=0, w=0): time channel 0
  });

  it('validates configs: unknown keys, wrong types, indivisible sizes', () => {
    expect(() => resolveConfig('huge')).toThrow(/unknown preset "huge"/);
    expect(() => resolveConfig('tiny', { depht: 3 })).toThrow(UserError);
    expect(() => resolveConfig('tiny', { depth: '3' })).toThrow(/"depth" must be a number/);
    expect(() => resolveConfig('tiny', { heads: 3 })).toThrow(/hidden 32 is not divisible by heads 3/);
    expect(() => resolveConfig('tiny', { frames: 5 })).toThrow(/frames 5 is not divisible/);
  });
});
