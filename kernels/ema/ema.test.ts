// EMA update spec suite: the reference pinned on a hand-worked value, then emaUpdate (the
// fused kernel where the backend has it) and emaUpdateOps on every tfjs backend against
// the float32 reference, bit for bit (every implementation performs the same correctly
// rounded float32 operations in the same order). On `native` its own block checks that
// the kernel is what runs, the update in place and when it is refused, every ISA and
// 1/2/3 threads, and the addon's argument checks.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadNative, type Isa } from '../native/index.js';
import { onBackend, specBackends, testValues } from '../../base/compute/spec-backends.js';
import { EMA_KERNEL } from './native.js';
import { emaReference } from './reference.js';
import { emaUpdate, emaUpdateOps } from './tfjs.js';

const { BACKENDS, UNAVAILABLE } = specBackends('ema');

interface Case {
  name: string;
  shape: number[];
  decay: number;
}

const CASES: Case[] = [
  { name: 'one value, warm-up decay 2/11', shape: [1], decay: 2 / 11 },
  { name: 'odd [3, 5, 17], decay 0.999', shape: [3, 5, 17], decay: 0.999 },
  { name: 'linear [192, 768] (several pool tasks), decay 0.9999', shape: [192, 768], decay: 0.9999 },
  { name: '70001 values (a ragged last task and vector tail), decay 0.5', shape: [70001], decay: 0.5 },
];

const size = (shape: readonly number[]) => shape.reduce((a, n) => a * n, 1);

function mismatches(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) n++;
  return n;
}

function run(update: typeof emaUpdateOps, c: Case, s: Float32Array, p: Float32Array): Float32Array {
  return tf.tidy(() => update(tf.tensor(s, c.shape), tf.tensor(p, c.shape), c.decay).dataSync() as Float32Array);
}

describe('ema reference', () => {
  it('matches a hand-worked update', () => {
    expect(emaReference([1], [3], 0.75)[0]).toBe(1.5); // 1·0.75 + 3·0.25
    const f32 = emaReference([1], [3], 0.9, 'float32')[0];
    expect(f32).toBe(Math.fround(Math.fround(Math.fround(0.9)) + Math.fround(3 * Math.fround(1 - 0.9))));
  });

  it('rejects arrays of different lengths', () => {
    expect(() => emaReference([1, 2], [1], 0.9)).toThrow(/p has 1 values, the average has 2/);
  });
});

describe.each(BACKENDS)('ema on %s', (backend) => {
  const skip = UNAVAILABLE[backend] !== null;

  for (const [label, update] of [['emaUpdate', emaUpdate], ['emaUpdateOps', emaUpdateOps]] as const) {
    it.skipIf(skip)(`${label}: bit-identical to the float32 reference, within 1e-7 of the float64 one`, async () => {
      for (const c of CASES) {
        const [s, p] = [testValues(size(c.shape), 1), testValues(size(c.shape), 2)];
        const got = await onBackend(backend, () => run(update, c, s, p));
        expect(mismatches(got, emaReference(s, p, c.decay, 'float32')), `${c.name}: values that differ from the float32 reference`).toBe(0);
        const exact = emaReference(s, p, c.decay);
        got.forEach((g, i) => expect(Math.abs(g - exact[i]), c.name).toBeLessThan(2e-7));
      }
    });
  }
});

const KERNEL_UNAVAILABLE = UNAVAILABLE.native ?? (tf.getKernel(EMA_KERNEL, 'native') ? null : 'this addon build has no ema (rebuild it), or SPACETIME_NATIVE_EMA=0');

describe.skipIf(KERNEL_UNAVAILABLE !== null)(`ema native kernel${KERNEL_UNAVAILABLE ? ` (skipped: ${KERNEL_UNAVAILABLE})` : ''}`, () => {
  const addon = loadNative()!;
  const c = CASES[3];

  it('is what emaUpdate runs on native for float32: one kernel, no element-wise ops', async () => {
    const [s, p] = [testValues(size(c.shape), 1), testValues(size(c.shape), 2)];
    const profile = await onBackend('native', () => tf.profile(() => run(emaUpdate, c, s, p)));
    expect(profile.kernelNames).toContain(EMA_KERNEL);
    for (const op of ['Multiply', 'Add']) expect(profile.kernelNames).not.toContain(op);
  });

  it('updates in place only when the caller hands the buffer over and nothing else shares it', async () => {
    await onBackend('native', () => {
      const [s0, p0] = [testValues(size(c.shape), 3), testValues(size(c.shape), 4)];
      const want = emaReference(s0, p0, c.decay, 'float32');
      const average = tf.variable(tf.tensor(s0, c.shape));
      const p = tf.tensor(p0, c.shape);
      const shared = tf.clone(average); // on native, Identity shares the buffer
      const id = average.dataId;
      tf.tidy(() => average.assign(emaUpdate(average, p, c.decay, { inPlace: true })));
      expect(average.dataId).not.toBe(id); // shared: a fresh buffer, the clone keeps its values
      expect(mismatches(shared.dataSync(), s0)).toBe(0);
      expect(mismatches(average.dataSync(), want)).toBe(0);
      const id2 = average.dataId;
      tf.tidy(() => average.assign(emaUpdate(average, p, c.decay, { inPlace: true })));
      expect(average.dataId).toBe(id2); // alone: in place
      expect(mismatches(average.dataSync(), emaReference(want, p0, c.decay, 'float32'))).toBe(0);
      const direct = emaUpdate(average, p, c.decay); // no inPlace: never writes its input
      expect(direct.dataId).not.toBe(average.dataId);
      tf.dispose([average, p, shared, direct]);
    });
  });

  it('gives the same bits on every ISA and for 1, 2 and 3 threads', async () => {
    const big: Case = { ...CASES[2], shape: [1, 300001] };
    const [s, p] = [testValues(size(big.shape), 5), testValues(size(big.shape), 6)];
    const want = emaReference(s, p, big.decay, 'float32');
    const [threads, isa] = [addon.threads(), addon.isa()];
    try {
      for (const name of addon.availableIsas() as Isa[]) {
        addon.setIsa(name);
        for (const n of [1, 2, 3]) {
          addon.setThreads(n);
          expect(mismatches(await onBackend('native', () => run(emaUpdate, big, s, p)), want), `${name}, ${n} threads`).toBe(0);
        }
      }
    } finally {
      addon.setIsa(isa);
      addon.setThreads(threads);
    }
  });

  it('rejects wrong lengths, bad constants and shared memory in the addon', () => {
    const ema = addon.ema!;
    const [s, p, out] = [new Float32Array(8), new Float32Array(8), new Float32Array(8)];
    expect(() => ema(s, p, out, 0.9, 0.1)).not.toThrow();
    expect(() => ema(s, p, s, 0.9, 0.1)).not.toThrow(); // in place
    expect(() => ema(s, p.subarray(1), out, 0.9, 0.1)).toThrow(/must have the same length/);
    expect(() => ema(s, p, p, 0.9, 0.1)).toThrow(/out must not share memory with p/);
    const big = new Float32Array(9);
    expect(() => ema(big.subarray(0, 8), p, big.subarray(1), 0.9, 0.1)).toThrow(/out must be s or not share memory with it/);
    expect(() => ema(s, p, out, NaN, 0.1)).toThrow(/decay must be a finite number/);
    expect(() => (ema as (...args: unknown[]) => void)(s, p, out, 0.9)).toThrow(/expects 5 arguments/);
  });
});
