/**
 * AdamW's update as a plain loop (torch.optim.AdamW's math), the ground truth tfjs.ts and
 * native.ts are checked against:
 *
 *   m ← β1·m + (1−β1)·g
 *   v ← β2·v + (1−β2)·g²
 *   p ← p·(1 − lr·wd) − lr · (m/c1) / (√(v/c2) + eps),   c1 = 1 − β1^t, c2 = 1 − β2^t
 *
 * `precision: 'float64'` (default) is the exact math on the given float32 values; the
 * backends agree with it to about 1e-7 relative. `precision: 'float32'` rounds every
 * constant and every intermediate to float32 (Math.fround) in the order the tfjs ops and
 * the native kernel use, so those must equal it bit for bit.
 *
 *   const next = adamwReference({ p, m, v }, g, adamwConstants({ ...options, step: 1 }));
 */
import type { AdamWConstants } from './constants.js';

/** A type, not an interface, so that it is a tfjs TensorContainer when T is a tensor. */
export type AdamWArrays<T = ArrayLike<number>> = {
  p: T;
  m: T;
  v: T;
};

export function adamwReference(
  state: AdamWArrays, g: ArrayLike<number>, c: AdamWConstants, precision: 'float64' | 'float32' = 'float64',
): AdamWArrays<Float64Array> {
  const n = g.length;
  for (const [name, x] of Object.entries(state)) {
    if (x.length !== n) throw new Error(`adamw reference: ${name} has ${x.length} values, g has ${n}`);
  }
  const r = precision === 'float32' ? Math.fround : (x: number) => x;
  const [beta1, oneMinusBeta1, beta2, oneMinusBeta2] = [c.beta1, c.oneMinusBeta1, c.beta2, c.oneMinusBeta2].map(r);
  const [c1, c2, eps, decay, lr] = [c.biasCorrection1, c.biasCorrection2, c.eps, c.decay, c.lr].map(r);
  const out = { p: new Float64Array(n), m: new Float64Array(n), v: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const m = r(r(state.m[i] * beta1) + r(gi * oneMinusBeta1));
    const v = r(r(state.v[i] * beta2) + r(r(gi * gi) * oneMinusBeta2));
    const step = r(r(m / c1) / r(r(Math.sqrt(r(v / c2))) + eps));
    out.p[i] = r(r(state.p[i] * decay) - r(step * lr));
    out.m[i] = m;
    out.v[i] = v;
  }
  return out;
}
