/**
 * Clip gradients by their global L2 norm (as torch.nn.utils.clip_grad_norm_): when the
 * norm exceeds `maxNorm`, every gradient is scaled by maxNorm / norm. Returns the clipped
 * gradients (new tensors) and the norm before clipping.
 */
import * as tf from '@tensorflow/tfjs';

export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number): { grads: Record<string, tf.Tensor>; norm: number } {
  const norm = tf.tidy(() => Math.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))).dataSync()[0]));
  const factor = norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
  const clipped: Record<string, tf.Tensor> = {};
  for (const [name, g] of Object.entries(grads)) clipped[name] = factor === 1 ? g.clone() : tf.mul(g, factor);
  return { grads: clipped, norm };
}
