// LayerNorm + modulate spec suite: the reference pinned on a hand-worked row and against
// finite differences, then layerNormModulate (the fused kernel where the backend has it)
// and layerNormModulateOps on every tfjs backend against the float64 reference, forward
// and gradients (dx, dshift, dscale), within float32 rounding of the magnitudes involved.
// On `native` its own block checks that the kernel is what runs forward and backward,
// the same bits run to run, for 1/2/3 threads, on every ISA within tolerance, and the
// addon's argument checks.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadNative, type Isa } from '../native/index.js';
import { onBackend, specBackends, testValues } from '../../base/compute/spec-backends.js';
import { LAYERNORM_MODULATE_GRAD_KERNEL, LAYERNORM_MODULATE_KERNEL } from './native.js';
import { layerNormModulateGradReference, layerNormModulateReference } from './reference.js';
import { layerNormModulate, layerNormModulateOps } from './tfjs.js';

// ---------------------------------------------------------------- backends

const { BACKENDS, UNAVAILABLE } = specBackends('layernorm-modulate');

// ---------------------------------------------------------------- cases

interface Case {
  name: string;
  shape: [number, number, number];
  eps: number;
}

const CASES: Case[] = [
  { name: 'the reference model: [8, 256, 192] (many pool tasks)', shape: [8, 256, 192], eps: 1e-6 },
  { name: 'one row of one value', shape: [1, 1, 1], eps: 1e-6 },
  { name: 'odd [3, 37, 21] (a ragged last chunk, a vector tail)', shape: [3, 37, 21], eps: 1e-5 },
  { name: 'batch 1, width 7 (below one vector)', shape: [1, 5, 7], eps: 1e-6 },
  { name: 'the shipped model at batch 2: [2, 256, 192]', shape: [2, 256, 192], eps: 1e-6 },
];

const size = (shape: readonly number[]) => shape.reduce((a, n) => a * n, 1);

/** x with a per-row offset (LayerNorm must remove it), shift and scale in [−0.5, 0.5), dy in [−1, 1). */
function inputsFor(c: Case, seed: number) {
  const [B, N, D] = c.shape;
  const x = testValues(B * N * D, seed, 2);
  for (let r = 0; r < B * N; r++) for (let i = 0; i < D; i++) x[r * D + i] += (r % 7) - 3;
  return { x, shift: testValues(B * D, seed + 1, 0.5), scale: testValues(B * D, seed + 2, 0.5), dy: testValues(B * N * D, seed + 3) };
}

/** Largest |got − want| relative to the largest |want| (float32 rounding of sums over D and N). */
function worstError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  return scale > 0 ? worst / scale : worst;
}

type Impl = typeof layerNormModulate;

/** Forward y, then dx, dshift, dscale of Σ y·dy, on the active backend. */
function run(impl: Impl, c: Case, v: ReturnType<typeof inputsFor>) {
  const [B, N, D] = c.shape;
  return tf.tidy(() => {
    const [x, shift, scale, dy] = [tf.tensor(v.x, c.shape), tf.tensor(v.shift, [B, D]), tf.tensor(v.scale, [B, D]), tf.tensor(v.dy, [B, N, D])];
    const y = impl(x, shift, scale, c.eps);
    const [dx, dshift, dscale] = tf.grads((a: tf.Tensor, b: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(impl(a, b, s, c.eps), dy)))([x, shift, scale]);
    return { y: y.dataSync(), dx: dx.dataSync(), dshift: dshift.dataSync(), dscale: dscale.dataSync() };
  });
}

function wantFor(c: Case, v: ReturnType<typeof inputsFor>) {
  return { y: layerNormModulateReference(v.x, v.shift, v.scale, c.shape, c.eps), ...layerNormModulateGradReference(v.x, v.scale, v.dy, c.shape, c.eps) };
}

// ---------------------------------------------------------------- the reference

describe('layernorm-modulate reference', () => {
  it('matches a hand-worked row', () => {
    // x = [1, 2, 3, 6]: mean 3, var (4 + 1 + 0 + 9)/4 = 3.5; scale 1 doubles x̂, shift 0.5 adds.
    const x = [1, 2, 3, 6];
    const y = layerNormModulateReference(x, [0.5, 0.5, 0.5, 0.5], [1, 1, 1, 1], [1, 1, 4], 0);
    const r = 1 / Math.sqrt(3.5);
    expect(Array.from(y)).toEqual([-2, -1, 0, 3].map((d) => 2 * d * r + 0.5));
  });

  it('its gradients match central differences of Σ y·dy', () => {
    const c: Case = { name: 'small', shape: [2, 3, 5], eps: 1e-5 };
    const v = inputsFor(c, 3);
    const want = wantFor(c, v);
    const loss = (x: ArrayLike<number>, shift: ArrayLike<number>, scale: ArrayLike<number>) =>
      layerNormModulateReference(x, shift, scale, c.shape, c.eps).reduce((s, y, i) => s + y * v.dy[i], 0);
    const h = 1e-6;
    const numeric = (which: 'x' | 'shift' | 'scale') =>
      Array.from(v[which], (_, i) => {
        const plus = { x: Float64Array.from(v.x), shift: Float64Array.from(v.shift), scale: Float64Array.from(v.scale) };
        const minus = { x: Float64Array.from(v.x), shift: Float64Array.from(v.shift), scale: Float64Array.from(v.scale) };
        plus[which][i] += h;
        minus[which][i] -= h;
        return (loss(plus.x, plus.shift, plus.scale) - loss(minus.x, minus.shift, minus.scale)) / (2 * h);
      });
    expect(worstError(want.dx, numeric('x'))).toBeLessThan(1e-6);
    expect(worstError(want.dshift, numeric('shift'))).toBeLessThan(1e-6);
    expect(worstError(want.dscale, numeric('scale'))).toBeLessThan(1e-6);
  });

  it('rejects shapes that do not match, naming the tensor', () => {
    expect(() => layerNormModulateReference(new Float32Array(6), new Float32Array(3), new Float32Array(3), [1, 2, 3], 1e-6)).not.toThrow();
    expect(() => layerNormModulateReference(new Float32Array(6), new Float32Array(3), new Float32Array(3), [6], 1e-6)).toThrow(/x must be \[B, N, D\]/);
    expect(() => layerNormModulateReference(new Float32Array(6), new Float32Array(2), new Float32Array(3), [1, 2, 3], 1e-6)).toThrow(/shift has 2 values, expected 3/);
  });
});

// ---------------------------------------------------------------- every backend

describe.each(BACKENDS)('layernorm-modulate on %s', (backend) => {
  const skip = UNAVAILABLE[backend] !== null;

  for (const [label, impl] of [['layerNormModulate', layerNormModulate], ['layerNormModulateOps', layerNormModulateOps]] as const) {
    it.skipIf(skip)(`${label}: y, dx, dshift, dscale within float32 rounding of the float64 reference`, async () => {
      for (const c of CASES) {
        const v = inputsFor(c, 7);
        const got = await onBackend(backend, () => run(impl, c, v));
        const want = wantFor(c, v);
        for (const k of ['y', 'dx', 'dshift', 'dscale'] as const) expect(worstError(got[k], want[k]), `${c.name}: ${k}`).toBeLessThan(2e-5);
      }
    });
  }

  it.skipIf(skip)('rejects shift or scale of the wrong shape, naming it', async () => {
    await onBackend(backend, () => {
      expect(() => tf.tidy(() => layerNormModulate(tf.zeros([2, 3, 4]), tf.zeros([2, 4]), tf.zeros([2, 3]), 1e-6))).toThrow(/scale must be \[B, D\] = \[2, 4\]/);
      expect(() => tf.tidy(() => layerNormModulate(tf.zeros([2, 3, 4]), tf.zeros([4]), tf.zeros([2, 4]), 1e-6))).toThrow(/shift must be \[B, D\]/);
    });
  });

  it.skipIf(skip)('leaves no tensor behind but its result', async () => {
    await onBackend(backend, () => {
      const [x, shift, scale] = [tf.ones([2, 3, 4]), tf.zeros([2, 4]), tf.zeros([2, 4])];
      const before = tf.memory().numTensors;
      const y = layerNormModulate(x, shift, scale, 1e-6);
      expect(tf.memory().numTensors).toBe(before + 1);
      tf.dispose([x, shift, scale, y]);
    });
  });

  it.skipIf(skip)('is bit-identical run to run, forward and backward', async () => {
    const c = CASES[0];
    const v = inputsFor(c, 9);
    const bytes = async () => {
      const r = await onBackend(backend, () => run(layerNormModulate, c, v));
      return Buffer.concat([r.y, r.dx, r.dshift, r.dscale].map((a) => Buffer.from(a.buffer)));
    };
    const first = await bytes();
    expect((await bytes()).equals(first)).toBe(true);
  });
});

// ---------------------------------------------------------------- the native kernel

const KERNEL_UNAVAILABLE =
  UNAVAILABLE.native ?? (tf.getKernel(LAYERNORM_MODULATE_KERNEL, 'native') ? null : 'this addon build has no layerNormModulate (rebuild it), or SPACETIME_NATIVE_ADALN=0');

describe.skipIf(KERNEL_UNAVAILABLE !== null)(`layernorm-modulate native kernel${KERNEL_UNAVAILABLE ? ` (skipped: ${KERNEL_UNAVAILABLE})` : ''}`, () => {
  const addon = loadNative()!;
  const c = CASES[2];

  it('is what layerNormModulate runs on native for float32, forward and backward: no element-wise ops', async () => {
    const v = inputsFor(c, 1);
    const profile = await onBackend('native', () => tf.profile(() => run(layerNormModulate, c, v)));
    expect(profile.kernelNames).toContain(LAYERNORM_MODULATE_KERNEL);
    expect(profile.kernelNames).toContain(LAYERNORM_MODULATE_GRAD_KERNEL);
    for (const op of ['Mean', 'Rsqrt', 'Sub', 'SquaredDifference']) expect(profile.kernelNames).not.toContain(op);
  });

  it('gives the same bits with 1, 2 and 3 threads, and stays within tolerance on every ISA', async () => {
    const big = CASES[0];
    const v = inputsFor(big, 5);
    const want = wantFor(big, v);
    const [threads, isa] = [addon.threads(), addon.isa()];
    const concat = (r: ReturnType<typeof run>) => Buffer.concat([r.y, r.dx, r.dshift, r.dscale].map((a) => Buffer.from(a.buffer)));
    try {
      for (const name of addon.availableIsas() as Isa[]) {
        addon.setIsa(name);
        const runs: Buffer[] = [];
        for (const n of [1, 2, 3]) {
          addon.setThreads(n);
          const r = await onBackend('native', () => run(layerNormModulate, big, v));
          for (const k of ['y', 'dx', 'dshift', 'dscale'] as const) expect(worstError(r[k], want[k]), `${name}, ${n} threads: ${k}`).toBeLessThan(2e-5);
          runs.push(concat(r));
        }
        expect(runs[1].equals(runs[0]), `${name}: 2 threads vs 1`).toBe(true);
        expect(runs[2].equals(runs[0]), `${name}: 3 threads vs 1`).toBe(true);
      }
    } finally {
      addon.setIsa(isa);
      addon.setThreads(threads);
    }
  });

  it('rejects wrong lengths, a bad eps and shared memory in the addon', () => {
    const [B, N, D] = [2, 3, 4];
    const f = (n: number) => new Float32Array(n);
    const [x, shift, scale, y, mean, rstd] = [f(B * N * D), f(B * D), f(B * D), f(B * N * D), f(B * N), f(B * N)];
    const fwd = addon.layerNormModulate!;
    expect(() => fwd(x, shift, scale, y, mean, rstd, B, N, D, 1e-6)).not.toThrow();
    expect(() => fwd(x, shift, scale, y.subarray(1), mean, rstd, B, N, D, 1e-6)).toThrow(/y.length must be batch\*tokens\*d/);
    expect(() => fwd(x, shift.subarray(1), scale, y, mean, rstd, B, N, D, 1e-6)).toThrow(/shift.length must be batch\*d/);
    expect(() => fwd(x, shift, scale, y, mean, rstd.subarray(1), B, N, D, 1e-6)).toThrow(/rstd.length must be batch\*tokens/);
    expect(() => fwd(x, shift, scale, y, mean, rstd, B, N, D, -1)).toThrow(/eps must be a finite number/);
    expect(() => fwd(x, shift, scale, x, mean, rstd, B, N, D, 1e-6)).toThrow(/y must not share memory with x/);
    expect(() => (fwd as (...args: unknown[]) => void)(x, shift, scale, y, mean, rstd, B, N, D)).toThrow(/expects 10 arguments/);
    const [dy, dx, dscale, dshift] = [f(B * N * D), f(B * N * D), f(B * D), f(B * D)];
    const bwd = addon.layerNormModulateGrad!;
    expect(() => bwd(x, scale, mean, rstd, dy, dx, dscale, dshift, B, N, D)).not.toThrow();
    expect(() => bwd(x, scale, mean, rstd, dy, dx, dscale, dscale, B, N, D)).toThrow(/dscale must not share memory with dshift/);
    expect(() => bwd(x, scale, mean, rstd, dy, dx.subarray(2), dscale, dshift, B, N, D)).toThrow(/dx.length must be batch\*tokens\*d/);
  });
});
