// Spec suite for the native backend's Sum, SplitV, Identity and Cast kernels, on every backend,
// against the cpu backend (Sum within 1e-5 relative; SplitV and Identity exactly).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { onBackend, specBackends, testValues } from '../../../base/compute/spec-backends.js';

const { BACKENDS, UNAVAILABLE } = specBackends('Sum/SplitV/Identity/Cast');

const SUMS: { shape: number[]; axis: number | number[]; keepDims?: boolean }[] = [
  { shape: [2048, 96], axis: 0 }, // a bias gradient
  { shape: [8, 256, 192], axis: [0, 1] },
  { shape: [8, 256, 192], axis: 1, keepDims: true }, // a gate gradient
  { shape: [8, 256, 192], axis: 2 },
  { shape: [8, 256, 192], axis: [1, 2] },
  { shape: [4, 5, 6, 7], axis: [0, 2] }, // not contiguous: the wasm fallback
  { shape: [7], axis: 0 },
  { shape: [3, 1, 5], axis: 1 },
];

describe.each(BACKENDS)('data kernels on %s', (backend) => {
  const skip = UNAVAILABLE[backend] !== null;

  it.skipIf(skip)('Sum matches cpu over leading, middle, trailing and scattered axes', async () => {
    for (const c of SUMS) {
      const x = testValues(c.shape.reduce((a, b) => a * b, 1), 11);
      const run = (name: typeof backend) => onBackend(name, () => tf.tidy(() => tf.sum(tf.tensor(x, c.shape), c.axis, c.keepDims)).arraySync());
      const [got, want] = [await run(backend), await run('cpu')];
      const flat = (v: unknown) => [v].flat(4) as number[];
      expect(tf.tidy(() => tf.sum(tf.tensor(x, c.shape), c.axis, c.keepDims).shape)).toEqual(
        await onBackend(backend, () => tf.tidy(() => tf.sum(tf.tensor(x, c.shape), c.axis, c.keepDims).shape)),
      );
      const w = flat(want);
      const scale = Math.max(...w.map(Math.abs));
      flat(got).forEach((g, i) => expect(Math.abs(g - w[i]) / scale, JSON.stringify(c)).toBeLessThan(1e-5));
    }
  });

  it.skipIf(skip)('SplitV splits exactly along any axis', async () => {
    const x = testValues(2 * 6 * 9, 3);
    for (const [axis, sizes] of [[0, [1, 1]], [1, [2, 4]], [2, [3, 3, 3]], [2, 3]] as const) {
      const run = (name: typeof backend) =>
        onBackend(name, () => tf.tidy(() => tf.split(tf.tensor(x, [2, 6, 9]), sizes as number | number[], axis).map((t) => Array.from(t.dataSync()))));
      expect(await run(backend)).toEqual(await run('cpu'));
    }
  });

  it.skipIf(skip)('UnsortedSegmentSum (the gradient of Gather) matches cpu, dropping out-of-range ids', async () => {
    const x = testValues(6 * 5, 4);
    const ids = [2, 0, 2, 7, 1, 0];
    const run = (name: typeof backend) =>
      onBackend(name, () => tf.tidy(() => Array.from(tf.unsortedSegmentSum(tf.tensor(x, [6, 5]), tf.tensor1d(ids, 'int32'), 4).dataSync())));
    const [got, want] = [await run(backend), await run('cpu')];
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 6));
    // and through autodiff: the gradient of an embedding lookup
    const grad = (name: typeof backend) =>
      onBackend(name, () => tf.tidy(() => Array.from(tf.grad((e: tf.Tensor) => tf.sum(tf.gather(e, tf.tensor1d([1, 1, 3], 'int32'))))(tf.ones([4, 2])).dataSync())));
    expect(await grad(backend)).toEqual([0, 0, 2, 2, 0, 0, 1, 1]);
  });

  it.skipIf(skip)('Identity shares data safely: the copy survives disposing the original', async () => {
    await onBackend(backend, () => {
      const x = tf.tensor([1, 2, 3]);
      const y = tf.engine().runKernel('Identity', { x }) as tf.Tensor;
      x.dispose();
      expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
      y.dispose();
    });
  });

  it.skipIf(skip)('Cast converts exactly, and a cast to the same dtype survives disposing the original', async () => {
    await onBackend(backend, () => {
      const x = tf.tensor([1.5, -2, 3]);
      const same = tf.cast(x, 'float32');
      const ints = tf.cast(x, 'int32');
      const back = tf.cast(tf.tensor([7, -1], undefined, 'int32'), 'float32');
      x.dispose();
      expect(Array.from(same.dataSync())).toEqual([1.5, -2, 3]);
      expect([ints.dtype, ...ints.dataSync()]).toEqual(['int32', 1, -2, 3]);
      expect([back.dtype, ...back.dataSync()]).toEqual(['float32', 7, -1]);
      tf.dispose([same, ints, back]);
    });
  });
});
