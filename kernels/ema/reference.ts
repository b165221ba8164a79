/**
 * One EMA update of the weights as a plain loop, the ground truth tfjs.ts and native.ts
 * are checked against (src/train/ema.ts calls it for every parameter after each step):
 *
 *   ema ← ema·d + p·(1 − d)
 *
 * `precision: 'float64'` (default) is the exact math on the given float32 values;
 * `precision: 'float32'` rounds d, 1 − d (computed in float64) and every intermediate to
 * float32 in the order the tfjs ops and the native kernel use, so those must equal it bit
 * for bit.
 *
 *   const next = emaReference(shadow, weights, 0.999, 'float32');
 */
export function emaReference(s: ArrayLike<number>, p: ArrayLike<number>, decay: number, precision: 'float64' | 'float32' = 'float64'): Float64Array {
  if (p.length !== s.length) throw new Error(`ema reference: p has ${p.length} values, the average has ${s.length}`);
  const r = precision === 'float32' ? Math.fround : (x: number) => x;
  const [d, oneMinusD] = [r(decay), r(1 - decay)];
  return Float64Array.from(s, (si, i) => r(r(si * d) + r(p[i] * oneMinusD)));
}
