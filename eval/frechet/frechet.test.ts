import { describe, expect, it } from 'vitest';
import { Rng } from '../../base/rng.js';
import { fitGaussian, frechetDistance, frechetWithInterval, percentile, symmetricEigen, symmetricSqrt, type Gaussian } from './frechet.js';

const gaussian = (mean: number[], cov: number[][]): Gaussian => ({ dim: mean.length, mean: Float64Array.from(mean), cov: Float64Array.from(cov.flat()) });

/** n draws from N(mean, L·Lᵀ) with a Box–Muller normal from a seeded generator. */
function draws(n: number, mean: number[], chol: number[][], key: string): number[][] {
  const rng = Rng.from(key);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return Array.from({ length: n }, () => {
    const z = mean.map(() => normal());
    return mean.map((m, i) => m + chol[i].reduce((s, l, j) => s + l * z[j], 0));
  });
}

describe('frechetDistance against closed forms', () => {
  it('diagonal covariances: ‖Δμ‖² + Σ(σ1 − σ2)²', () => {
    const a = gaussian([0, 0], [[1, 0], [0, 4]]);
    const b = gaussian([1, 2], [[4, 0], [0, 9]]);
    expect(frechetDistance(a, b)).toBeCloseTo(1 + 4 + (1 - 2) ** 2 + (2 - 3) ** 2, 10); // 7
  });

  it('covariances that do not commute: Tr√(Σ1Σ2) = √(tr + 2√det) for 2×2', () => {
    const a = gaussian([0, 0], [[2, 1], [1, 2]]);
    const b = gaussian([0, 0], [[1, 0], [0, 3]]);
    // Σ1Σ2 = [[2,3],[1,6]]: trace 8, det 9, so Tr√ = √14; FD² = tr Σ1 + tr Σ2 − 2√14.
    expect(frechetDistance(a, b)).toBeCloseTo(8 - 2 * Math.sqrt(14), 10);
    expect(frechetDistance(b, a)).toBeCloseTo(8 - 2 * Math.sqrt(14), 10);
  });

  it('is zero for identical Gaussians, singular ones included', () => {
    const a = gaussian([1, -2, 3], [[2, 1, 0], [1, 2, 0], [0, 0, 0]]);
    expect(frechetDistance(a, a)).toBeLessThan(1e-9);
  });

  it('estimated from samples, approaches the closed form', () => {
    const chol1 = [[1, 0, 0], [0.5, 1, 0], [0.2, -0.3, 0.7]];
    const chol2 = [[1.5, 0, 0], [0, 0.5, 0], [0.4, 0, 1]];
    const cov = (l: number[][]) => l.map((r) => l.map((s) => r.reduce((acc, v, k) => acc + v * s[k], 0)));
    const exact = frechetDistance(gaussian([0, 0, 0], cov(chol1)), gaussian([1, 0, -1], cov(chol2)));
    const estimate = frechetDistance(fitGaussian(draws(20000, [0, 0, 0], chol1, 'a')), fitGaussian(draws(20000, [1, 0, -1], chol2, 'b')));
    expect(exact).toBeGreaterThan(2);
    expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.03);
  });
});

describe('linear algebra helpers', () => {
  it('Jacobi finds the eigenvalues of a known symmetric matrix', () => {
    const { values } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect([...values].sort()).toEqual([expect.closeTo(1, 12), expect.closeTo(3, 12)]);
  });

  it('the square root squares back to the matrix', () => {
    const m = Float64Array.from([4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2]);
    const r = symmetricSqrt(m, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        const v = [0, 1, 2].reduce((s, k) => s + r[i * 3 + k] * r[k * 3 + j], 0);
        expect(v).toBeCloseTo(m[i * 3 + j], 10);
      }
  });

  it('fitGaussian uses the unbiased covariance', () => {
    const g = fitGaussian([[0, 0], [2, 2], [4, 1]]);
    expect([...g.mean]).toEqual([2, 1]);
    expect(g.cov[0]).toBeCloseTo(4, 12); // ((−2)² + 0 + 2²) / 2
    expect(g.cov[1]).toBeCloseTo(1, 12); // (2·1 + 0·1 + 2·0) / 2
  });
});

describe('frechetWithInterval', () => {
  const a = draws(40, [0, 0], [[1, 0], [0, 1]], 'set-a');
  const b = draws(30, [1, 0], [[1, 0], [0, 2]], 'set-b');

  it('is deterministic for a seed, reports n, and brackets the point estimate', () => {
    const r1 = frechetWithInterval(a, b, { seed: 's', resamples: 100 });
    const r2 = frechetWithInterval(a, b, { seed: 's', resamples: 100 });
    expect(r1).toEqual(r2);
    expect(r1.n).toEqual([40, 30]);
    expect(r1.ci95[0]).toBeLessThan(r1.fd);
    expect(r1.ci95[1]).toBeGreaterThan(r1.fd);
    const r3 = frechetWithInterval(a, b, { seed: 'other', resamples: 100 });
    expect(r3.fd).toBe(r1.fd);
    expect(r3.ci95).not.toEqual(r1.ci95);
  });

  it('narrows as n grows (10× the samples, a much tighter interval)', () => {
    const small = frechetWithInterval(draws(40, [0, 0], [[1, 0], [0, 1]], 'x'), draws(40, [1, 0], [[1, 0], [0, 1]], 'y'), { seed: 'w' });
    const large = frechetWithInterval(draws(400, [0, 0], [[1, 0], [0, 1]], 'x'), draws(400, [1, 0], [[1, 0], [0, 1]], 'y'), { seed: 'w' });
    const width = (r: typeof small) => r.ci95[1] - r.ci95[0];
    expect(width(large)).toBeLessThan(width(small) / 2);
    expect(large.fd).toBeCloseTo(1, 0); // true FD² = 1
  });

  it('paired by prompt: two near-identical renderings of the same prompts get an interval near 0', () => {
    const truth = draws(12, [0, 0], [[1, 0], [0, 1]], 'truth');
    const parsed = truth.map(([x, y], i) => [x + 0.01 * Math.sin(i), y - 0.01 * Math.cos(i)]);
    const keys = truth.map((_, i) => `p${i}`);
    const paired = frechetWithInterval(parsed, truth, { seed: 'p', groups: { a: keys, b: keys } });
    const independent = frechetWithInterval(parsed, truth, { seed: 'p' });
    expect(paired.bootstrap).toBe('paired');
    expect(paired.fd).toBeLessThan(1e-3);
    expect(paired.ci95[1]).toBeLessThan(0.01);
    expect(independent.ci95[0]).toBeGreaterThan(0.05); // resampling each set alone pulls them apart
  });

  it('percentile interpolates linearly', () => {
    expect(percentile([0, 10, 20, 30, 40], 0.5)).toBe(20);
    expect(percentile([0, 10], 0.25)).toBe(2.5);
  });
});
