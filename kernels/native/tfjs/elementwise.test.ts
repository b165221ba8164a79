// Spec suite for the element-wise kernels the native backend replaces (Add, Sub, Multiply,
// RealDiv, SquaredDifference; Sigmoid, Neg, Square, Sqrt, Rsqrt; Mean), on every backend,
// against the cpu backend: values within 1e-6 relative (reductions 1e-5), every
// broadcast pattern the model makes plus odd sizes, gradients through them within 1e-5,
// and run-to-run bit identity. The raw addon's broadcast collapsing is checked too.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { onBackend, specBackends, testValues, type SpecBackend } from '../../../base/compute/spec-backends.js';
import { broadcastDims, loadNative } from '../index.js';

const { BACKENDS, UNAVAILABLE } = specBackends('element-wise');

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

/** [a shape, b shape]: same shape, scalar either side, row vector, adaLN gate, column, odd sizes. */
const BROADCASTS: [number[], number[]][] = [
  [[8, 256, 192], [8, 256, 192]], // same shape, above the threading threshold
  [[1000], [1000]],
  [[37, 129], []], // scalar on the right
  [[], [5, 17]], // scalar on the left
  [[2048, 96], [96]], // a bias row against [M, D]
  [[7, 33], [1, 33]],
  [[8, 256, 192], [8, 1, 192]], // an adaLN gate [B, 1, D] against [B, N, D]
  [[3, 1, 19], [3, 41, 19]], // the gate on the left
  [[129, 1], [129, 67]], // a column (innermost stride 0)
  [[2, 1, 5, 1], [1, 3, 1, 4]], // both sides broadcast
  [[1], [1]],
];

const BINARY: Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  Add: tf.add,
  Sub: tf.sub,
  Multiply: tf.mul,
  RealDiv: tf.div,
  SquaredDifference: tf.squaredDifference,
};

// Sqrt and Rsqrt get positive inputs; the others the whole range, including the far tails.
const UNARY: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  Sigmoid: tf.sigmoid,
  Neg: tf.neg,
  Square: tf.square,
  Sqrt: (x) => tf.sqrt(tf.abs(x)),
  Rsqrt: (x) => tf.rsqrt(tf.add(tf.abs(x), 0.5)),
};

/** Largest |got − want| / |want| (elements with |want| below `floor` compare absolutely against floor). */
function worstRelative(got: ArrayLike<number>, want: ArrayLike<number>, floor = 1e-30): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (Number.isNaN(got[i]) !== Number.isNaN(want[i])) return Infinity;
    if (err > 0) worst = Math.max(worst, err / Math.max(Math.abs(want[i]), floor));
  }
  return worst;
}

/** Largest error relative to the largest |want|: the measure for sums and gradients. */
function worstScaled(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 1e-30;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / scale);
  return worst;
}

describe('broadcastDims (the addon\'s view of a broadcast)', () => {
  it('drops unit dimensions and merges contiguous ones', () => {
    expect(Array.from(broadcastDims([8, 256, 192], [8, 256, 192])!)).toEqual([1, 393216, 1, 1]);
    expect(Array.from(broadcastDims([2048, 96], [96])!)).toEqual([2, 2048, 96, 96, 1, 0, 1]);
    expect(Array.from(broadcastDims([8, 256, 192], [8, 1, 192])!)).toEqual([3, 8, 256, 192, 49152, 192, 1, 192, 0, 1]);
    expect(Array.from(broadcastDims([37, 129], [])!)).toEqual([1, 4773, 1, 0]);
    expect(Array.from(broadcastDims([], [])!)).toEqual([1, 1, 0, 0]);
    expect(() => broadcastDims([3, 4], [5])).toThrow(/do not broadcast/);
  });
});

describe.each(BACKENDS)('element-wise kernels on %s', (backend) => {
  const skip = UNAVAILABLE[backend] !== null;

  it.skipIf(skip)('binary ops match cpu within 1e-6 relative over every broadcast pattern', async () => {
    for (const [name, op] of Object.entries(BINARY)) {
      for (const [sa, sb] of BROADCASTS) {
        const a = testValues(size(sa), 1, 3);
        // Divisors kept away from 0 so the relative error means something.
        const b = testValues(size(sb), 2).map((v) => (name === 'RealDiv' ? Math.sign(v || 1) * (0.25 + Math.abs(v)) : v));
        const run = (be: SpecBackend) => onBackend(be, () => tf.tidy(() => {
          const out = op(tf.tensor(a, sa), tf.tensor(b, sb));
          return { shape: out.shape, values: out.dataSync() };
        }));
        const [got, want] = [await run(backend), await run('cpu')];
        expect(got.shape, `${name} ${JSON.stringify([sa, sb])}`).toEqual(want.shape);
        expect(worstRelative(got.values, want.values), `${name} ${JSON.stringify([sa, sb])}`).toBeLessThan(1e-6);
      }
    }
  });

  it.skipIf(skip)('unary ops match cpu within 1e-6 relative, odd sizes and far tails included', async () => {
    const x = testValues(12345, 5, 30);
    x.set([0, -0, 1e-30, -1e-30, 80, -80, 87, -87, 100, -100, 1e-7, -1e-7], 0);
    for (const [name, op] of Object.entries(UNARY)) {
      for (const n of [1, 15, 17, 1000, 12345]) {
        const run = (be: SpecBackend) => onBackend(be, () => tf.tidy(() => op(tf.tensor(x.subarray(0, n))).dataSync()));
        const [got, want] = [await run(backend), await run('cpu')];
        expect(worstRelative(got, want), `${name} n=${n}`).toBeLessThan(1e-6);
      }
    }
    // Sigmoid underflows towards 0 (denormal or flushed, as the backend does), never to garbage.
    const tail = await onBackend(backend, () => tf.tidy(() => Array.from(tf.sigmoid(tf.tensor([-110, -90, Infinity, -Infinity, NaN])).dataSync())));
    expect(tail[0]).toBe(0);
    expect(tail[1]).toBeGreaterThanOrEqual(0);
    expect(tail[1]).toBeLessThan(1e-38);
    expect(tail.slice(2, 4)).toEqual([1, 0]);
    expect(tail[4]).toBeNaN();
  });

  it.skipIf(skip)('Mean matches cpu within 1e-5 over leading, middle, trailing and all axes', async () => {
    for (const [shape, axis] of [[[2048, 96], 0], [[8, 256, 192], 1], [[8, 256, 192], -1], [[8, 3, 8, 32, 32], undefined], [[5, 7, 9], [0, 2]]] as const) {
      const x = testValues(size([...shape]), 7);
      const run = (be: SpecBackend) => onBackend(be, () => tf.tidy(() => tf.mean(tf.tensor(x, [...shape]), axis as number | number[] | undefined).dataSync()));
      expect(worstScaled(await run(backend), await run('cpu')), `${shape} ${axis}`).toBeLessThan(1e-5);
    }
  });

  it.skipIf(skip)('gradients through broadcasting ops, sigmoid and sums equal cpu within 1e-5', async () => {
    const shapes = [[4, 33, 24], [4, 1, 24], [24]];
    const inputs = shapes.map((s, k) => testValues(size(s), 20 + k));
    const f = (x: tf.Tensor, g: tf.Tensor, bias: tf.Tensor) => {
      const h = tf.add(tf.mul(x, tf.add(g, 1)), bias); // adaLN modulate
      const act = tf.mul(h, tf.sigmoid(tf.mul(h, 1.702))); // GELU through sigmoid
      return tf.add(tf.mean(tf.squaredDifference(act, tf.neg(x))), tf.sum(tf.div(tf.sqrt(tf.add(tf.square(h), 1)), tf.sub(3, g))));
    };
    const grads = (be: SpecBackend) =>
      onBackend(be, () => tf.tidy(() => tf.grads(f)(inputs.map((v, k) => tf.tensor(v, shapes[k]))).map((t) => t.dataSync())));
    const [mine, cpu] = [await grads(backend), await grads('cpu')];
    mine.forEach((g, k) => expect(worstScaled(g, cpu[k]), `d/d input ${k}`).toBeLessThan(1e-5));
  });

  it.skipIf(skip)('is bit-identical run to run (threaded sizes)', async () => {
    const [a, g] = [testValues(8 * 256 * 192, 8), testValues(8 * 192, 9)];
    const run = () => onBackend(backend, () => tf.tidy(() => {
      const x = tf.tensor(a, [8, 256, 192]);
      const y = tf.sigmoid(tf.mul(x, tf.tensor(g, [8, 1, 192])));
      return [y, tf.sum(y, [0, 1]), tf.sum(y, 1), tf.sum(y, -1), tf.mean(y)].map((t) => Buffer.from(t.dataSync().buffer.slice(0)));
    }));
    const first = await run();
    for (let r = 0; r < 3; r++) (await run()).forEach((buf, k) => expect(buf.equals(first[k]), `output ${k}`).toBe(true));
  });

  it.skipIf(skip)('leaves int32 to the wasm kernels (exact integer results)', async () => {
    const got = await onBackend(backend, () => tf.tidy(() => {
      const a = tf.tensor([7, -3, 2 ** 24 + 1], [3], 'int32');
      const b = tf.tensor([2], [1], 'int32');
      return [tf.add(a, b), tf.mul(a, b), tf.sub(a, b), tf.sum(a)].map((t) => [t.dtype, Array.from(t.dataSync())]);
    }));
    expect(got).toEqual([
      ['int32', [9, -1, 2 ** 24 + 3]],
      ['int32', [14, -6, 2 ** 25 + 2]],
      ['int32', [5, -5, 2 ** 24 - 1]],
      ['int32', [2 ** 24 + 5]],
    ]);
  });
});

// The raw addon on every ISA this machine has: the same element-wise bits everywhere, sums
// within float32 rounding of each other, and the addon's own argument checks.
describe.skipIf(!loadNative())('native addon element-wise entry points', () => {
  const addon = loadNative()!;

  it('gives identical binary results on every ISA and sigmoid within 1e-6 of float64', () => {
    const before = addon.isa();
    try {
      const a = testValues(100003, 1, 40);
      const b = testValues(100003, 2);
      const results = addon.availableIsas().map((isa) => {
        addon.setIsa(isa);
        const mul = new Float32Array(a.length);
        addon.binary(2, a, b, mul, broadcastDims([a.length], [b.length])!);
        const sig = new Float32Array(a.length);
        addon.unary(0, a, sig);
        const sum = new Float32Array(7);
        addon.sum(a.subarray(0, 7 * 14285), sum, 1, 14285, 7, false);
        return { isa, mul, sig, sum };
      });
      for (const r of results) {
        expect(Buffer.from(r.mul.buffer).equals(Buffer.from(results[0].mul.buffer)), r.isa).toBe(true);
        let worst = 0;
        for (let i = 0; i < a.length; i++) {
          const want = 1 / (1 + Math.exp(-a[i]));
          worst = Math.max(worst, Math.abs(r.sig[i] - want) / want);
        }
        expect(worst, r.isa).toBeLessThan(1e-6);
        expect(worstScaled(r.sum, results[0].sum), r.isa).toBeLessThan(1e-5);
      }
    } finally {
      addon.setIsa(before);
    }
  });

  it('rejects arguments that would read or write out of bounds', () => {
    const [a, out] = [new Float32Array(10), new Float32Array(10)];
    expect(() => addon.binary(2, a, a, out, Int32Array.from([1, 11, 1, 1]))).toThrow(/out.length/);
    expect(() => addon.binary(2, a, new Float32Array(2), out, Int32Array.from([2, 2, 5, 5, 1, 5, 1]))).toThrow(/past/);
    expect(() => addon.binary(9, a, a, out, Int32Array.from([1, 10, 1, 1]))).toThrow(/op code/);
    expect(() => addon.unary(0, a, new Float32Array(9))).toThrow(/same length/);
    expect(() => addon.sum(a, new Float32Array(3), 2, 5, 1, false)).toThrow(/outer\*inner/);
  });
});
