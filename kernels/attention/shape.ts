/**
 * Shapes of an attention call, checked once and shared by every implementation
 * (reference.ts, tfjs.ts, and later native.ts).
 *
 *   q    [B, heads, N, d]     queries
 *   k, v [B, heads, Nk, d]    keys and values (Nk ≠ N for cross-attention)
 *   mask [B, Nk]              optional: 0 = padded key, anything else = keep
 *   out  [B, heads, N, d]
 */
export interface AttentionDims {
  batch: number;
  heads: number;
  /** N: query tokens. */
  queries: number;
  /** Nk: key/value tokens. */
  keys: number;
  /** d: features per head (q, k and v share it). */
  headDim: number;
}

const show = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Dims of q, k, v (and the mask, if any); throws naming the tensor whose shape is wrong. */
export function attentionDims(
  qShape: readonly number[],
  kShape: readonly number[],
  vShape: readonly number[],
  maskShape?: readonly number[],
): AttentionDims {
  if (qShape.length !== 4) throw new Error(`attention: q must be [B, heads, N, d], got ${show(qShape)}`);
  const [batch, heads, queries, headDim] = qShape;
  const keys = kShape[2];
  if (kShape.length !== 4 || kShape[0] !== batch || kShape[1] !== heads || kShape[3] !== headDim) {
    throw new Error(`attention: k must be [B, heads, Nk, d] = [${batch}, ${heads}, Nk, ${headDim}] to match q ${show(qShape)}, got ${show(kShape)}`);
  }
  if (vShape.length !== 4 || vShape.some((n, i) => n !== kShape[i])) {
    throw new Error(`attention: v must have k's shape ${show(kShape)}, got ${show(vShape)}`);
  }
  if (maskShape && (maskShape.length !== 2 || maskShape[0] !== batch || maskShape[1] !== keys)) {
    throw new Error(`attention: mask must be [B, Nk] = [${batch}, ${keys}], got ${show(maskShape)}`);
  }
  if ([batch, heads, queries, keys, headDim].some((n) => !(Number.isInteger(n) && n > 0))) {
    throw new Error(`attention: every dimension must be a positive integer, got q ${show(qShape)}, k ${show(kShape)}`);
  }
  return { batch, heads, queries, keys, headDim };
}

/** The default softmax temperature, 1/√d. */
export function defaultScale(dims: AttentionDims): number {
  return 1 / Math.sqrt(dims.headDim);
}

/** Multiply-adds ×2 of the forward pass: q·kᵀ and p·v, each 2·B·h·N·Nk·d. Softmax not counted. */
export function attentionForwardFlops(dims: AttentionDims): number {
  return 4 * dims.batch * dims.heads * dims.queries * dims.keys * dims.headDim;
}

/**
 * The backward pass's four products (dv = pᵀ·dOut, dp = dOut·vᵀ, dq = ds·k, dk = dsᵀ·q),
 * each 2·B·h·N·Nk·d, so 8·B·h·N·Nk·d: twice the forward. No recomputation is counted
 * (tfjs keeps p from the forward pass); softmax and masking are not counted.
 */
export function attentionBackwardFlops(dims: AttentionDims): number {
  return 2 * attentionForwardFlops(dims);
}
