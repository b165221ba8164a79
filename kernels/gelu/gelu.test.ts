// GELU spec suite: the reference pinned on known values and against central differences,
// then gelu (the fused kernel where the backend has it) and geluOps on every tfjs backend
// against the float64 reference, forward and gradient. On `native` its own block checks
// that the kernel is what runs, that its forward equals the ops bit for bit, the same bits
// for 1/2/3 threads on every ISA, and that the ISA's GELU ops refuse bad arguments.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BINARY_OPS, loadNative, type Isa } from '../native/index.js';
import { onBackend, specBackends, testValues } from '../../base/compute/spec-backends.js';
import { BIAS_GELU_GRAD_KERNEL, BIAS_GELU_KERNEL, GELU_GRAD_KERNEL, GELU_KERNEL } from './native.js';
import { geluGradReference, geluReference } from './reference.js';
import { biasGelu, gelu, geluOps } from './tfjs.js';

const { BACKENDS, UNAVAILABLE } = specBackends('gelu');

interface Case {
  name: string;
  shape: number[];
}

const CASES: Case[] = [
  { name: "the reference model's MLP: [8, 256, 768] (many pool tasks)", shape: [8, 256, 768] },
  { name: 'one value', shape: [1] },
  { name: 'odd [3, 37, 21] (a vector tail)', shape: [3, 37, 21] },
];

const size = (shape: readonly number[]) => shape.reduce((a, n) => a * n, 1);

/** x in [−6, 6) with the extremes and zero in it; dy in [−1, 1). */
function inputsFor(c: Case, seed: number) {
  const x = testValues(size(c.shape), seed, 6);
  x.set([0, -20, 20, 1e-8, -1e-8].slice(0, x.length));
  return { x, dy: testValues(size(c.shape), seed + 1) };
}

/**
 * Largest |got − want| relative to |want| + |scale| per value: for y, scale 0 (plain
 * relative error); for dx, scale dy, since gelu′ sums O(1) terms that cancel near its
 * zero (x ≈ −0.75), where float32 can only promise an error relative to |dy|. The 1e-30
 * floor lets a denormal where the float64 tanh form gives exactly 0 (x ≪ 0) count as exact.
 */
function worstError(got: ArrayLike<number>, want: ArrayLike<number>, scale?: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (err > 0) worst = Math.max(worst, err / (Math.abs(want[i]) + Math.abs(scale?.[i] ?? 0) + 1e-30));
  }
  return worst;
}

function run(impl: typeof gelu, c: Case, v: ReturnType<typeof inputsFor>) {
  return tf.tidy(() => {
    const [x, dy] = [tf.tensor(v.x, c.shape), tf.tensor(v.dy, c.shape)];
    const y = impl(x);
    const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(impl(a), dy)))(x);
    return { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
  });
}

describe('gelu reference', () => {
  it('matches known values of the tanh approximation', () => {
    const y = geluReference([0, 1, -1, 3]);
    expect(y[0]).toBe(0);
    expect(y[1]).toBeCloseTo(0.8411919906, 9); // torch.nn.functional.gelu(1, approximate='tanh')
    expect(y[2]).toBeCloseTo(-0.1588080094, 9);
    expect(y[3]).toBeCloseTo(2.9963627, 6);
    const tanhForm = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    const xs = Array.from(testValues(200, 8, 5));
    geluReference(xs).forEach((g, i) => expect(Math.abs(g - tanhForm(xs[i]))).toBeLessThan(1e-12));
  });

  it('its gradient matches central differences', () => {
    const x = Array.from(testValues(50, 3, 5));
    const dy = Array.from(testValues(50, 4));
    const h = 1e-6;
    const numeric = x.map((v, i) => (dy[i] * (geluReference([v + h])[0] - geluReference([v - h])[0])) / (2 * h));
    expect(worstError(geluGradReference(x, dy), numeric, dy)).toBeLessThan(1e-6);
  });
});

describe.each(BACKENDS)('gelu on %s', (backend) => {
  const skip = UNAVAILABLE[backend] !== null;

  for (const [label, impl] of [['gelu', gelu], ['geluOps', geluOps]] as const) {
    it.skipIf(skip)(`${label}: y and dx within float32 rounding of the float64 reference`, async () => {
      for (const c of CASES) {
        const v = inputsFor(c, 7);
        const got = await onBackend(backend, () => run(impl, c, v));
        expect(worstError(got.y, geluReference(v.x)), `${c.name}: y`).toBeLessThan(1e-5);
        expect(worstError(got.dx, geluGradReference(v.x, v.dy), v.dy), `${c.name}: dx`).toBeLessThan(1e-5);
      }
    });
  }

  it.skipIf(skip)('biasGelu: gelu(x + bias) and its x and bias gradients within float32 rounding of the reference', async () => {
    for (const shape of [[2048, 768], [3, 5, 21], [1, 1]]) {
      const n = shape[shape.length - 1];
      const v = inputsFor({ name: '', shape }, 11);
      const bias = testValues(n, 13, 2);
      const got = await onBackend(backend, () =>
        tf.tidy(() => {
          const [x, b, dy] = [tf.tensor(v.x, shape), tf.tensor(bias, [n]), tf.tensor(v.dy, shape)];
          const [dx, db] = tf.grads((a: tf.Tensor, c: tf.Tensor) => biasGelu(a, c))([x, b], dy);
          return { y: biasGelu(x, b).dataSync(), dx: dx.dataSync(), db: db.dataSync() };
        }),
      );
      const u = Float64Array.from(v.x, (xi, i) => Math.fround(xi + bias[i % n]));
      const dx = geluGradReference(u, v.dy);
      const db = new Float64Array(n);
      dx.forEach((d, i) => (db[i % n] += d));
      const dyAbs = new Float64Array(n);
      v.dy.forEach((d, i) => (dyAbs[i % n] += Math.abs(d)));
      expect(worstError(got.y, geluReference(u)), `[${shape}]: y`).toBeLessThan(1e-5);
      expect(worstError(got.dx, dx, v.dy), `[${shape}]: dx`).toBeLessThan(1e-5);
      expect(worstError(got.db, db, dyAbs), `[${shape}]: dbias`).toBeLessThan(1e-5);
    }
  });

  it.skipIf(skip)('is bit-identical run to run, forward and backward', async () => {
    const c = CASES[0];
    const v = inputsFor(c, 9);
    const bytes = async () => {
      const r = await onBackend(backend, () => run(gelu, c, v));
      return Buffer.concat([Buffer.from(r.y.buffer), Buffer.from(r.dx.buffer)]);
    };
    const first = await bytes();
    expect((await bytes()).equals(first)).toBe(true);
  });
});

const KERNEL_UNAVAILABLE = UNAVAILABLE.native ?? (tf.getKernel(GELU_KERNEL, 'native') ? null : 'this addon build has no gelu op (rebuild it), or SPACETIME_NATIVE_GELU=0');

describe.skipIf(KERNEL_UNAVAILABLE !== null)(`gelu native kernel${KERNEL_UNAVAILABLE ? ` (skipped: ${KERNEL_UNAVAILABLE})` : ''}`, () => {
  const addon = loadNative()!;

  it('is what gelu runs on native for float32, forward and backward, and its forward equals the ops bit for bit', async () => {
    const c = CASES[2];
    const v = inputsFor(c, 1);
    const profile = await onBackend('native', () => tf.profile(() => run(gelu, c, v)));
    expect(profile.kernelNames).toEqual(expect.arrayContaining([GELU_KERNEL, GELU_GRAD_KERNEL]));
    expect(profile.kernelNames).not.toContain('Sigmoid');
    const [fused, ops] = await onBackend('native', () => [run(gelu, CASES[0], inputsFor(CASES[0], 2)), run(geluOps, CASES[0], inputsFor(CASES[0], 2))]);
    expect(Buffer.from(fused.y.buffer).equals(Buffer.from(ops.y.buffer))).toBe(true);
  });

  it('biasGelu is one kernel each way on native, with the bits of tf.add then gelu (values, dx and dbias)', async () => {
    const shape = [2048, 768];
    const v = inputsFor({ name: '', shape }, 3);
    const bias = testValues(768, 4, 2);
    const both = (fused: boolean) =>
      tf.tidy(() => {
        const [x, b, dy] = [tf.tensor(v.x, shape), tf.tensor(bias, [768]), tf.tensor(v.dy, shape)];
        const f = (a: tf.Tensor, c: tf.Tensor) => (fused ? biasGelu(a, c) : gelu(tf.add(a, c)));
        const [dx, db] = tf.grads(f)([x, b], dy);
        return Buffer.concat([f(x, b).dataSync(), dx.dataSync(), db.dataSync()].map((a) => Buffer.from(a.buffer)));
      });
    const profile = await onBackend('native', () => tf.profile(() => both(true)));
    expect(profile.kernelNames).toEqual(expect.arrayContaining([BIAS_GELU_KERNEL, BIAS_GELU_GRAD_KERNEL]));
    for (const op of ['Add', GELU_KERNEL]) expect(profile.kernelNames).not.toContain(op);
    const [fused, unfused] = await onBackend('native', () => [both(true), both(false)]);
    expect(fused.equals(unfused)).toBe(true);
  });

  it('biasGeluGrad rejects wrong lengths and shared memory in the addon', () => {
    const f = addon.biasGeluGrad!;
    const [x, b, dy, out] = [new Float32Array(12), new Float32Array(4), new Float32Array(12), new Float32Array(12)];
    expect(() => f(x, b, dy, out)).not.toThrow();
    expect(() => f(x, new Float32Array(5), dy, out)).toThrow(/multiple of bias.length/);
    expect(() => f(x, b, dy.subarray(1), out)).toThrow(/dy and out must have x's length/);
    expect(() => f(x, b, dy, dy)).toThrow(/out must not share memory with dy/);
  });

  it('gives the same bits with 1, 2 and 3 threads on every ISA', async () => {
    const c = CASES[0];
    const v = inputsFor(c, 5);
    const [threads, isa] = [addon.threads(), addon.isa()];
    try {
      for (const name of addon.availableIsas() as Isa[]) {
        addon.setIsa(name);
        const runs: Buffer[] = [];
        for (const n of [1, 2, 3]) {
          addon.setThreads(n);
          const r = await onBackend('native', () => run(gelu, c, v));
          expect(worstError(r.dx, geluGradReference(v.x, v.dy), v.dy), `${name}: dx`).toBeLessThan(1e-5);
          runs.push(Buffer.concat([Buffer.from(r.y.buffer), Buffer.from(r.dx.buffer)]));
        }
        expect(runs[1].equals(runs[0]) && runs[2].equals(runs[0]), `${name}: 2 and 3 threads vs 1`).toBe(true);
      }
    } finally {
      addon.setIsa(isa);
      addon.setThreads(threads);
    }
  });

  it('geluGrad broadcasts like any binary op (a value anywhere gets the same bits)', () => {
    const x = testValues(37, 3, 4);
    const dy = Float32Array.of(0.75);
    const out = new Float32Array(37);
    addon.binary(BINARY_OPS.geluGrad, x, dy, out, Int32Array.of(1, 37, 1, 0));
    const each = Array.from(x, (xi) => {
      const o = new Float32Array(1);
      addon.binary(BINARY_OPS.geluGrad, Float32Array.of(xi), dy, o, Int32Array.of(1, 1, 1, 1));
      return o[0];
    });
    expect(Array.from(out)).toEqual(each);
  });
});
