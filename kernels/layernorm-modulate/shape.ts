/**
 * Shapes of a fused adaLN call, checked once and shared by every implementation
 * (reference.ts, tfjs.ts, native.ts):
 *
 *   x            [B, N, D]   tokens
 *   shift, scale [B, D]      one per batch entry, broadcast over its N tokens
 *   y            [B, N, D]
 */
export interface LayerNormModulateDims {
  batch: number;
  /** N: tokens per batch entry. */
  tokens: number;
  /** D: the normalised (last) axis. */
  width: number;
}

const show = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Dims of x, shift and scale; throws naming the tensor whose shape is wrong. */
export function layerNormModulateDims(
  xShape: readonly number[], shiftShape: readonly number[], scaleShape: readonly number[],
): LayerNormModulateDims {
  if (xShape.length !== 3) throw new Error(`layerNormModulate: x must be [B, N, D], got ${show(xShape)}`);
  const [batch, tokens, width] = xShape;
  for (const [name, shape] of [['shift', shiftShape], ['scale', scaleShape]] as const) {
    if (shape.length !== 2 || shape[0] !== batch || shape[1] !== width) {
      throw new Error(`layerNormModulate: ${name} must be [B, D] = [${batch}, ${width}] to match x ${show(xShape)}, got ${show(shape)}`);
    }
  }
  return { batch, tokens, width };
}
