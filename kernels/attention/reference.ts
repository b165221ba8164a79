/**
 * Scaled dot-product attention, forward and backward, as plain float64 loops: the
 * ground truth every other implementation (tfjs.ts, native.ts) is checked against.
 * Written for clarity, not speed.
 *
 * For each batch b, head h and query i (all arrays row-major, shapes in shape.ts):
 *
 *   s_j   = scale · q_i · k_j                 for the keys j kept by the mask
 *   p_j   = exp(s_j − lse_i),  lse_i = log Σ_j exp(s_j)   (p_j = 0 for masked keys)
 *   out_i = Σ_j p_j · v_j
 *
 * A query whose keys are all masked (a batch entry with mask all zero) has no
 * distribution to average over: its output is zeros, its lse is −∞, and it passes no
 * gradient to q, k or v. The tfjs version does the same.
 *
 * The forward pass returns lse (log-sum-exp per query row, [B, heads, N]) as its
 * softmax statistic: with it the backward pass recomputes p exactly without storing the
 * [N, Nk] matrix, as a fused (flash-style) native kernel would.
 *
 *   const fwd = attentionForwardReference(q, k, v, dims);
 *   const { dq, dk, dv } = attentionBackwardReference(q, k, v, dims, fwd, dOut);
 */
import { type AttentionDims, defaultScale } from './shape.js';

export interface AttentionReferenceOptions {
  /** [B, Nk]: 0 = padded key (left out of the softmax), anything else = keep. */
  mask?: ArrayLike<number>;
  /** Multiplies q·k before the softmax; default 1/√d. */
  scale?: number;
}

export interface AttentionForwardResult {
  /** [B, heads, N, d] */
  out: Float64Array;
  /** [B, heads, N]: log Σ_j exp(s_j) over kept keys; −∞ where every key is masked. */
  logSumExp: Float64Array;
}

export interface AttentionGradients {
  /** [B, heads, N, d] */
  dq: Float64Array;
  /** [B, heads, Nk, d] */
  dk: Float64Array;
  /** [B, heads, Nk, d] */
  dv: Float64Array;
}

function checkLengths(
  dims: AttentionDims,
  arrays: Record<string, ArrayLike<number> | undefined>,
  mask: ArrayLike<number> | undefined,
): void {
  const { batch, heads, queries, keys, headDim } = dims;
  const want: Record<string, number> = {
    q: batch * heads * queries * headDim,
    k: batch * heads * keys * headDim,
    v: batch * heads * keys * headDim,
    dOut: batch * heads * queries * headDim,
  };
  for (const [name, array] of Object.entries(arrays)) {
    if (array && array.length !== want[name]) throw new Error(`attention reference: ${name} has ${array.length} values, expected ${want[name]}`);
  }
  if (mask && mask.length !== batch * keys) throw new Error(`attention reference: mask has ${mask.length} values, expected B·Nk = ${batch * keys}`);
}

/** Scores s_j = scale · q_i · k_j of one query row into `scores` (−∞ for masked keys). */
function scoreRow(
  q: ArrayLike<number>, k: ArrayLike<number>, mask: ArrayLike<number> | undefined,
  dims: AttentionDims, scale: number, b: number, bh: number, i: number, scores: Float64Array,
): void {
  const { queries, keys, headDim: d } = dims;
  const qo = (bh * queries + i) * d;
  for (let j = 0; j < keys; j++) {
    if (mask && mask[b * keys + j] === 0) {
      scores[j] = -Infinity;
      continue;
    }
    const ko = (bh * keys + j) * d;
    let dot = 0;
    for (let c = 0; c < d; c++) dot += q[qo + c] * k[ko + c];
    scores[j] = scale * dot;
  }
}

/** Forward pass: out and the per-row log-sum-exp. */
export function attentionForwardReference(
  q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>,
  dims: AttentionDims, options: AttentionReferenceOptions = {},
): AttentionForwardResult {
  const { mask } = options;
  checkLengths(dims, { q, k, v }, mask);
  const { batch, heads, queries, keys, headDim: d } = dims;
  const scale = options.scale ?? defaultScale(dims);
  const out = new Float64Array(batch * heads * queries * d);
  const logSumExp = new Float64Array(batch * heads * queries);
  const scores = new Float64Array(keys);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const bh = b * heads + h;
      for (let i = 0; i < queries; i++) {
        const row = bh * queries + i;
        scoreRow(q, k, mask, dims, scale, b, bh, i, scores);
        let max = -Infinity;
        for (let j = 0; j < keys; j++) max = Math.max(max, scores[j]);
        if (max === -Infinity) {
          logSumExp[row] = -Infinity; // every key masked: out row stays 0
          continue;
        }
        let sum = 0;
        for (let j = 0; j < keys; j++) sum += Math.exp(scores[j] - max);
        const lse = max + Math.log(sum);
        logSumExp[row] = lse;
        for (let j = 0; j < keys; j++) {
          const p = Math.exp(scores[j] - lse);
          if (p === 0) continue;
          const vo = (bh * keys + j) * d;
          for (let c = 0; c < d; c++) out[row * d + c] += p * v[vo + c];
        }
      }
    }
  }
  return { out, logSumExp };
}

/**
 * Backward pass given dOut = ∂L/∂out. Recomputes p from q, k and the forward lse, then
 * the standard softmax backward:
 *
 *   dv_j += p_j · dOut_i           dp_j = dOut_i · v_j
 *   ds_j  = p_j · (dp_j − Σ_l dp_l · p_l)
 *   dq_i += scale · Σ_j ds_j · k_j      dk_j += scale · ds_j · q_i
 *
 * (Σ_l dp_l · p_l equals dOut_i · out_i, which a fused kernel can use instead.)
 */
export function attentionBackwardReference(
  q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>,
  dims: AttentionDims, forward: Pick<AttentionForwardResult, 'logSumExp'>, dOut: ArrayLike<number>,
  options: AttentionReferenceOptions = {},
): AttentionGradients {
  const { mask } = options;
  checkLengths(dims, { q, k, v, dOut }, mask);
  const { batch, heads, queries, keys, headDim: d } = dims;
  const scale = options.scale ?? defaultScale(dims);
  const dq = new Float64Array(batch * heads * queries * d);
  const dk = new Float64Array(batch * heads * keys * d);
  const dv = new Float64Array(batch * heads * keys * d);
  const scores = new Float64Array(keys);
  const p = new Float64Array(keys);
  const dp = new Float64Array(keys);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const bh = b * heads + h;
      for (let i = 0; i < queries; i++) {
        const row = bh * queries + i;
        const lse = forward.logSumExp[row];
        if (lse === -Infinity) continue; // every key masked: no gradient
        scoreRow(q, k, mask, dims, scale, b, bh, i, scores);
        const qo = row * d;
        let rowDot = 0;
        for (let j = 0; j < keys; j++) {
          p[j] = Math.exp(scores[j] - lse);
          const vo = (bh * keys + j) * d;
          let dot = 0;
          for (let c = 0; c < d; c++) {
            dot += dOut[qo + c] * v[vo + c];
            dv[vo + c] += p[j] * dOut[qo + c];
          }
          dp[j] = dot;
          rowDot += dot * p[j];
        }
        for (let j = 0; j < keys; j++) {
          const ds = p[j] * (dp[j] - rowDot);
          const ko = (bh * keys + j) * d;
          for (let c = 0; c < d; c++) {
            dq[qo + c] += scale * ds * k[ko + c];
            dk[ko + c] += scale * ds * q[qo + c];
          }
        }
      }
    }
  }
  return { dq, dk, dv };
}
