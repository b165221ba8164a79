/**
 * Fréchet distance between two sets of feature vectors, each summarised as a Gaussian
 * (the FID/FVD family), with a seeded bootstrap interval because the distance is biased
 * and noisy at the small n a suite gives.
 *
 *   FD² = ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2(Σ1Σ2)^½)
 *
 * Tr((Σ1Σ2)^½) is Σ√λ over the eigenvalues of the symmetric PSD matrix Σ1^½ Σ2 Σ1^½
 * (λ clamped at 0), so only symmetric eigen-decompositions are needed (Jacobi, float64).
 * As FID and FVD do, we report FD² and call it "the Fréchet distance".
 *
 *   const r = frechetWithInterval(generatedFeatures, referenceFeatures, { seed: 'gravity-id' });
 *   r.fd, r.ci95 // 3.1, [2.2, 5.0]
 */
import { Rng } from '../../base/rng.js';

/** A Gaussian summary of a feature set: mean and covariance (row-major d×d). */
export interface Gaussian {
  dim: number;
  mean: Float64Array;
  cov: Float64Array;
}

/** Mean and unbiased covariance (n − 1; 0 when n = 1) of `features` (n vectors of one length). */
export function fitGaussian(features: readonly (readonly number[])[]): Gaussian {
  const n = features.length;
  if (n === 0) throw new RangeError('fitGaussian needs at least one feature vector');
  const dim = features[0].length;
  const mean = new Float64Array(dim);
  for (const f of features) {
    if (f.length !== dim) throw new RangeError(`feature vectors differ in length: ${f.length} vs ${dim}`);
    for (let i = 0; i < dim; i++) mean[i] += f[i] / n;
  }
  const cov = new Float64Array(dim * dim);
  if (n > 1) {
    const centred = new Float64Array(dim);
    for (const f of features) {
      for (let i = 0; i < dim; i++) centred[i] = f[i] - mean[i];
      for (let i = 0; i < dim; i++) for (let j = i; j < dim; j++) cov[i * dim + j] += (centred[i] * centred[j]) / (n - 1);
    }
    for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) cov[i * dim + j] = cov[j * dim + i];
  }
  return { dim, mean, cov };
}

/**
 * Eigenvalues and eigenvectors of a symmetric matrix (row-major d×d) by cyclic Jacobi
 * rotations. `vectors` holds eigenvector k in column k.
 */
export function symmetricEigen(matrix: Float64Array, dim: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) v[i * dim + i] = 1;
  const MAX_SWEEPS = 100;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    let scale = 0;
    for (let i = 0; i < dim; i++)
      for (let j = 0; j < dim; j++) {
        if (i !== j) off += a[i * dim + j] ** 2;
        scale += a[i * dim + j] ** 2;
      }
    if (off <= 1e-30 * Math.max(scale, 1e-300)) break;
    for (let p = 0; p < dim - 1; p++)
      for (let q = p + 1; q < dim; q++) {
        const apq = a[p * dim + q];
        if (apq === 0) continue;
        const theta = (a[q * dim + q] - a[p * dim + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < dim; k++) {
          const akp = a[k * dim + p];
          const akq = a[k * dim + q];
          a[k * dim + p] = c * akp - s * akq;
          a[k * dim + q] = s * akp + c * akq;
        }
        for (let k = 0; k < dim; k++) {
          const apk = a[p * dim + k];
          const aqk = a[q * dim + k];
          a[p * dim + k] = c * apk - s * aqk;
          a[q * dim + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < dim; k++) {
          const vkp = v[k * dim + p];
          const vkq = v[k * dim + q];
          v[k * dim + p] = c * vkp - s * vkq;
          v[k * dim + q] = s * vkp + c * vkq;
        }
      }
  }
  const values = new Float64Array(dim);
  for (let i = 0; i < dim; i++) values[i] = a[i * dim + i];
  return { values, vectors: v };
}

/** The PSD square root of a symmetric PSD matrix (negative eigenvalues from round-off clamp to 0). */
export function symmetricSqrt(matrix: Float64Array, dim: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, dim);
  const out = new Float64Array(dim * dim);
  for (let k = 0; k < dim; k++) {
    const root = Math.sqrt(Math.max(values[k], 0));
    if (root === 0) continue;
    for (let i = 0; i < dim; i++) {
      const vik = vectors[i * dim + k] * root;
      for (let j = 0; j < dim; j++) out[i * dim + j] += vik * vectors[j * dim + k];
    }
  }
  return out;
}

function matmul(a: Float64Array, b: Float64Array, dim: number): Float64Array {
  const out = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++)
    for (let k = 0; k < dim; k++) {
      const aik = a[i * dim + k];
      if (aik === 0) continue;
      for (let j = 0; j < dim; j++) out[i * dim + j] += aik * b[k * dim + j];
    }
  return out;
}

/** FD² between two Gaussians (≥ 0; exactly 0 for identical inputs up to round-off). */
export function frechetDistance(a: Gaussian, b: Gaussian): number {
  if (a.dim !== b.dim) throw new RangeError(`feature dimensions differ: ${a.dim} vs ${b.dim}`);
  const d = a.dim;
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;
  let trace = 0;
  for (let i = 0; i < d; i++) trace += a.cov[i * d + i] + b.cov[i * d + i];
  const rootA = symmetricSqrt(a.cov, d);
  const middle = matmul(matmul(rootA, b.cov, d), rootA, d);
  // Symmetrise away round-off so Jacobi sees an exactly symmetric matrix.
  for (let i = 0; i < d; i++)
    for (let j = 0; j < i; j++) {
      const m = (middle[i * d + j] + middle[j * d + i]) / 2;
      middle[i * d + j] = m;
      middle[j * d + i] = m;
    }
  const { values } = symmetricEigen(middle, d);
  let traceRoot = 0;
  for (const lambda of values) traceRoot += Math.sqrt(Math.max(lambda, 0));
  return Math.max(meanTerm + trace - 2 * traceRoot, 0);
}

export interface FrechetResult {
  /** FD² of the full sets. */
  fd: number;
  /** Sizes of the two sets (the distance is biased upward at small n). */
  n: [number, number];
  dim: number;
  /** 2.5th and 97.5th percentiles of FD² over bootstrap resamples. */
  ci95: [number, number];
  /** 'paired': prompts resampled (both sets together); 'independent': each set resampled alone. */
  bootstrap: 'paired' | 'independent';
  resamples: number;
  /** The bootstrap's seed key: the same key and inputs give the same interval. */
  seed: string;
}

export interface BootstrapOptions {
  /** Number of bootstrap resamples (default 200). */
  resamples?: number;
  /** Seed key of the resampling (default 'frechet'). */
  seed?: string;
  /**
   * Group keys (e.g. prompt ids) of the vectors of `a` and of `b` when the sets are paired:
   * then each resample draws keys with replacement and takes every vector of both sets with
   * each drawn key, so the interval reflects which prompts were drawn, and two renderings of
   * the same prompts are not pulled apart by resampling them independently.
   */
  groups?: { a: readonly string[]; b: readonly string[] };
}

export const DEFAULT_RESAMPLES = 200;

/**
 * FD² of `a` against `b`, with a percentile bootstrap 95% interval: each resample draws
 * both sets again with replacement (seeded, so deterministic) and recomputes FD².
 */
export function frechetWithInterval(a: readonly (readonly number[])[], b: readonly (readonly number[])[], options: BootstrapOptions = {}): FrechetResult {
  if (a.length === 0 || b.length === 0) throw new RangeError(`Fréchet distance needs two non-empty sets, got ${a.length} and ${b.length}`);
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? 'frechet';
  const fd = frechetDistance(fitGaussian(a), fitGaussian(b));
  const rng = Rng.from(`spacetime-eval/bootstrap/v1/${seed}`);
  const draw = (set: readonly (readonly number[])[]) => Array.from({ length: set.length }, () => set[Math.floor(rng.next() * set.length)]);
  const samples: number[] = [];
  const groups = options.groups;
  if (groups) {
    if (groups.a.length !== a.length || groups.b.length !== b.length) throw new RangeError('groups must give one key per vector of a and of b');
    const keys = [...new Set([...groups.a, ...groups.b])].sort();
    const members = (set: readonly (readonly number[])[], keysOf: readonly string[]) => {
      const by = new Map<string, (readonly number[])[]>(keys.map((k) => [k, []]));
      set.forEach((v, i) => by.get(keysOf[i])!.push(v));
      return by;
    };
    const [byA, byB] = [members(a, groups.a), members(b, groups.b)];
    for (let r = 0; r < resamples; r++) {
      const drawn = Array.from({ length: keys.length }, () => keys[Math.floor(rng.next() * keys.length)]);
      const [ra, rb] = [drawn.flatMap((k) => byA.get(k)!), drawn.flatMap((k) => byB.get(k)!)];
      if (ra.length && rb.length) samples.push(frechetDistance(fitGaussian(ra), fitGaussian(rb)));
    }
  } else {
    for (let r = 0; r < resamples; r++) samples.push(frechetDistance(fitGaussian(draw(a)), fitGaussian(draw(b))));
  }
  samples.sort((x, y) => x - y);
  return { fd, n: [a.length, b.length], dim: a[0].length, ci95: [percentile(samples, 0.025), percentile(samples, 0.975)], bootstrap: groups ? 'paired' : 'independent', resamples, seed };
}

/** Linear-interpolated percentile of sorted values (q in [0, 1]). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
