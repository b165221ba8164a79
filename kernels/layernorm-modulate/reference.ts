/**
 * DiT's adaLN as plain float64 loops, the ground truth tfjs.ts and native.ts are checked
 * against: LayerNorm over the last axis without affine (biased variance, as
 * torch.nn.LayerNorm(elementwise_affine=False) and tf.moments), then modulate:
 *
 *   mean = Σx/D,  var = Σ(x − mean)²/D,  x̂ = (x − mean)/√(var + eps)
 *   y = x̂·(1 + scale) + shift                         x [B, N, D]; shift, scale [B, D]
 *
 * and its backward from dy: with g = dy·(1 + scale),
 *
 *   dx = (g − mean(g) − x̂·mean(g·x̂))/√(var + eps)   (means over D)
 *   dscale = Σ_N dy·x̂,  dshift = Σ_N dy
 *
 *   const y = layerNormModulateReference(x, shift, scale, [B, N, D], 1e-6);
 *   const { dx, dscale, dshift } = layerNormModulateGradReference(x, shift, scale, dy, [B, N, D], 1e-6);
 */
import { layerNormModulateDims } from './shape.js';

type Values = ArrayLike<number>;

/** Each row's x̂ and 1/√(var + eps), in float64. */
function normalise(x: Values, rows: number, D: number, eps: number): { xhat: Float64Array; rstd: Float64Array } {
  const xhat = new Float64Array(rows * D);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let i = 0; i < D; i++) sum += x[r * D + i];
    const mean = sum / D;
    let sq = 0;
    for (let i = 0; i < D; i++) sq += (x[r * D + i] - mean) ** 2;
    rstd[r] = 1 / Math.sqrt(sq / D + eps);
    for (let i = 0; i < D; i++) xhat[r * D + i] = (x[r * D + i] - mean) * rstd[r];
  }
  return { xhat, rstd };
}

export function layerNormModulateReference(x: Values, shift: Values, scale: Values, shape: readonly number[], eps: number): Float64Array {
  const { batch: B, tokens: N, width: D } = layerNormModulateDims(shape, [shape[0], shape[2]], [shape[0], shape[2]]);
  checkLengths({ x, shift, scale }, B, N, D);
  const { xhat } = normalise(x, B * N, D, eps);
  const y = new Float64Array(B * N * D);
  for (let b = 0; b < B; b++)
    for (let n = 0; n < N; n++)
      for (let i = 0; i < D; i++) {
        const o = (b * N + n) * D + i;
        y[o] = xhat[o] * (1 + scale[b * D + i]) + shift[b * D + i];
      }
  return y;
}

export function layerNormModulateGradReference(
  x: Values, scale: Values, dy: Values, shape: readonly number[], eps: number,
): { dx: Float64Array; dscale: Float64Array; dshift: Float64Array } {
  const { batch: B, tokens: N, width: D } = layerNormModulateDims(shape, [shape[0], shape[2]], [shape[0], shape[2]]);
  checkLengths({ x, scale, dy }, B, N, D);
  const { xhat, rstd } = normalise(x, B * N, D, eps);
  const dx = new Float64Array(B * N * D);
  const dscale = new Float64Array(B * D);
  const dshift = new Float64Array(B * D);
  const g = new Float64Array(D);
  for (let b = 0; b < B; b++)
    for (let n = 0; n < N; n++) {
      const r = b * N + n;
      let mg = 0;
      let mgx = 0;
      for (let i = 0; i < D; i++) {
        const o = r * D + i;
        g[i] = dy[o] * (1 + scale[b * D + i]);
        mg += g[i] / D;
        mgx += (g[i] * xhat[o]) / D;
        dscale[b * D + i] += dy[o] * xhat[o];
        dshift[b * D + i] += dy[o];
      }
      for (let i = 0; i < D; i++) dx[r * D + i] = (g[i] - mg - xhat[r * D + i] * mgx) * rstd[r];
    }
  return { dx, dscale, dshift };
}

function checkLengths(arrays: Record<string, Values>, B: number, N: number, D: number): void {
  for (const [name, a] of Object.entries(arrays)) {
    const want = name === 'shift' || name === 'scale' ? B * D : B * N * D;
    if (a.length !== want) throw new Error(`layerNormModulate reference: ${name} has ${a.length} values, expected ${want}`);
  }
}
