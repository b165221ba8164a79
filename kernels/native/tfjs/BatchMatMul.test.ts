// BatchMatMul spec suite on every available tfjs backend: values against a float64
// plain-loop reference, gradients against the cpu backend's, and run-to-run bit identity.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { onBackend, specBackends, testValues, type SpecBackend } from '../../../base/compute/spec-backends.js';

const { BACKENDS, UNAVAILABLE } = specBackends('BatchMatMul');

/** float64 reference: out[b] = op(a[b]) · op(b[b]) with single-batch broadcasting. */
function reference(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], tA: boolean, tB: boolean): Float64Array {
  const [ba, r0, c0] = aShape.length === 3 ? aShape : [1, ...aShape];
  const [bb, r1, c1] = bShape.length === 3 ? bShape : [1, ...bShape];
  const [m, k] = tA ? [c0, r0] : [r0, c0];
  const n = tB ? r1 : c1;
  const batch = Math.max(ba, bb);
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const ao = (ba === 1 ? 0 : p) * r0 * c0;
    const bo = (bb === 1 ? 0 : p) * r1 * c1;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a[ao + (tA ? q * c0 + i : i * c0 + q)] * b[bo + (tB ? j * c1 + q : q * c1 + j)];
        out[p * m * n + i * n + j] = s;
      }
  }
  return out;
}

const CASES: { a: number[]; b: number[]; tA: boolean; tB: boolean }[] = [
  { a: [1, 1], b: [1, 1], tA: false, tB: false },
  { a: [7, 13], b: [13, 5], tA: false, tB: false },
  { a: [33, 65], b: [17, 65], tA: false, tB: true },
  { a: [3, 65, 33], b: [3, 65, 17], tA: true, tB: false },
  { a: [2, 40, 31], b: [2, 29, 40], tA: true, tB: true },
  { a: [6, 64, 32], b: [1, 32, 48], tA: false, tB: false }, // broadcast b
  { a: [1, 48, 96], b: [4, 96, 40], tA: false, tB: false }, // broadcast a
  { a: [2, 257, 96], b: [96, 129], tA: false, tB: false }, // 3-D × 2-D linear layer
];

const values = (shape: number[], seed: number) => testValues(shape.reduce((p, d) => p * d, 1), seed);

describe.each(BACKENDS)('BatchMatMul on %s', (backend) => {
  const skip = UNAVAILABLE[backend] !== null;

  it.skipIf(skip)('matches the float64 reference within 1e-4 (relative to the largest |value|)', async () => {
    for (const c of CASES) {
      const [a, b] = [values(c.a, 1), values(c.b, 2)];
      const got = await onBackend(backend, () => tf.tidy(() => tf.matMul(tf.tensor(a, c.a), tf.tensor(b, c.b), c.tA, c.tB).dataSync()));
      const bShape3 = c.b.length === 2 && c.a.length === 3 ? [1, ...c.b] : c.b;
      const want = reference(a, c.a, b, bShape3, c.tA, c.tB);
      expect(got.length).toBe(want.length);
      const scale = Math.max(1e-6, ...Array.from(want, Math.abs));
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / scale);
      expect(worst, `${JSON.stringify(c)}`).toBeLessThan(1e-4);
    }
  });

  // tfjs's BatchMatMul gradient does not reduce over broadcast batch dimensions, on any
  // backend, so the broadcasting cases are left out here.
  it.skipIf(skip)('gives the same gradients as the cpu backend', async () => {
    for (const c of CASES.slice(1, 5)) {
      const [a, b] = [values(c.a, 3), values(c.b, 4)];
      const grads = (name: SpecBackend) =>
        onBackend(name, () =>
          tf.tidy(() => {
            const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, c.tA, c.tB), tf.sin(tf.matMul(x, y, c.tA, c.tB))));
            return tf.grads(f)([tf.tensor(a, c.a), tf.tensor(b, c.b)]).map((g) => g.dataSync());
          }),
        );
      const [mine, cpu] = [await grads(backend), await grads('cpu')];
      for (const [k, g] of mine.entries()) {
        const scale = Math.max(...Array.from(cpu[k], Math.abs));
        for (let i = 0; i < g.length; i++) expect(Math.abs(g[i] - cpu[k][i]) / scale).toBeLessThan(1e-4);
      }
    }
  });

  it.skipIf(skip)('is bit-identical run to run', async () => {
    const [a, b] = [values([4, 128, 32], 5), values([4, 32, 128], 6)];
    const run = () => onBackend(backend, () => tf.tidy(() => Buffer.from(tf.matMul(tf.tensor(a, [4, 128, 32]), tf.tensor(b, [4, 32, 128])).dataSync().buffer)));
    const first = await run();
    for (let r = 0; r < 3; r++) expect((await run()).equals(first)).toBe(true);
  });
});
