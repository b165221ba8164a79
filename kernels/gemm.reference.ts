// The plain-loop GEMM every faster implementation is checked against. Slow
// on purpose: one output element at a time, summing k in order in float64,
// so it is easy to read and a little more accurate than any float32 kernel.
import { type GemmArgs, type ResolvedGemm, resolveGemmArgs } from './gemm.args.js';

/**
 * One element of the result: alpha · Σ_q op(a[p])[i, q] · op(b[p])[q, j] + beta · out[p, i, j].
 * Reads `out` (when beta ≠ 0) but does not write it.
 */
export function gemmReferenceElement(g: ResolvedGemm, p: number, i: number, j: number): number {
  const { m, n, k, a, b } = g;
  const aBase = (g.batchA === 1 ? 0 : p) * m * k;
  const bBase = (g.batchB === 1 ? 0 : p) * k * n;
  let sum = 0;
  for (let q = 0; q < k; q++) {
    const av = g.transposeA ? a[aBase + q * m + i] : a[aBase + i * k + q];
    const bv = g.transposeB ? b[bBase + j * k + q] : b[bBase + q * n + j];
    sum += av * bv;
  }
  const old = g.beta === 0 ? 0 : g.beta * g.out[p * m * n + i * n + j];
  return g.alpha * sum + old;
}

/**
 * out[i] = alpha · op(a[i]) · op(b[i]) + beta · out[i], see GemmArgs.
 * @example
 *   const out = new Float32Array(4);
 *   gemmReference({ a: new Float32Array([1, 2, 3, 4]), b: new Float32Array([1, 0, 0, 1]), out, m: 2, n: 2, k: 2 });
 *   // out = [1, 2, 3, 4]
 */
export function gemmReference(args: GemmArgs): Float32Array {
  const g = resolveGemmArgs(args);
  for (let p = 0; p < g.batch; p++) {
    for (let i = 0; i < g.m; i++) {
      for (let j = 0; j < g.n; j++) g.out[p * g.m * g.n + i * g.n + j] = gemmReferenceElement(g, p, i, j);
    }
  }
  return g.out;
}
