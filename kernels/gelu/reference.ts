/**
 * GELU, tanh approximation (PyTorch's `gelu(approximate='tanh')`, DiT's MLP activation),
 * as plain float64 loops: the ground truth tfjs.ts and native.ts are checked against.
 *
 *   gelu(x) = ½x·(1 + tanh(√(2/π)·(x + 0.044715x³))) = x·σ(2√(2/π)·(x + 0.044715x³))
 *   gelu′(x) = s + x·s·(1 − s)·2√(2/π)·(1 + 3·0.044715x²),   s = σ(2√(2/π)·(x + 0.044715x³))
 *
 *   const y = geluReference(x);           // Float64Array
 *   const dx = geluGradReference(x, dy);  // dy·gelu′(x)
 */

export const GELU_C = 0.044715;
/** 2·√(2/π): tanh(z) = 2σ(2z) − 1, so the tanh form becomes one sigmoid. */
export const GELU_K = 2 * Math.sqrt(2 / Math.PI);

const sigmoid = (u: number) => 1 / (1 + Math.exp(-u));

/**
 * In the sigmoid form: ½(1 + tanh z) = σ(2z) is the same number, but 1 + tanh z cancels to
 * 0 in float64 for z < −19 (x < −7) where σ(2z) keeps its digits; the test of known values
 * checks the two forms agree where both are accurate.
 */
export function geluReference(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, (v) => v * sigmoid(GELU_K * (v + GELU_C * v ** 3)));
}

export function geluGradReference(x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  if (dy.length !== x.length) throw new Error(`gelu reference: dy has ${dy.length} values, x has ${x.length}`);
  return Float64Array.from(x, (v, i) => {
    const s = sigmoid(GELU_K * (v + GELU_C * v ** 3));
    return dy[i] * (s + v * s * (1 - s) * GELU_K * (1 + 3 * GELU_C * v * v));
  });
}
