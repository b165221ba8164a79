/**
 * The clip sizes a model was trained at, and the warning for any other. A bucketed run
 * (src/train/buckets.ts) records its buckets in config.json, and `model ship` carries them into
 * the model folder as `trainedSizes`; a model with neither was trained at its config's clip.
 *
 *   trainedSizes(pipe.config)                                   // [{ width: 32, height: 32, frames: 16 }]
 *   untrainedSizeWarning(pipe.config, { width: 48, height: 32, frames: 32 })
 *   // "48x32x32 is not a size this model was trained at (32x32x16): expect a worse clip"
 */
import type { DiTConfig } from './config.js';
import { modelClip, type LatentSpace } from './latent-space.js';

/** A clip's size: width × height pixels, and frames. */
export interface ClipSize {
  width: number;
  height: number;
  frames: number;
}

/** `WIDTHxHEIGHTxFRAMES`, as `--buckets` and the bucket folders name a size. */
export function clipSizeLabel(s: ClipSize): string {
  return `${s.width}x${s.height}x${s.frames}`;
}

/** What a run's or a model folder's config may say about its training sizes. */
export interface SizedConfig {
  model: Pick<DiTConfig, 'frames' | 'height' | 'width'>;
  /** A latent model's VAE tubelet (its model config is the latent grid). */
  latent?: Pick<LatentSpace, 'patch'>;
  /** A model folder's record. */
  trainedSizes?: readonly ClipSize[];
  /** A bucketed run's buckets (sizes with ratios). */
  buckets?: readonly ClipSize[];
}

/** The sizes the model was trained at: its record, else its config's clip. */
export function trainedSizes(config: SizedConfig): ClipSize[] {
  const recorded = config.trainedSizes ?? config.buckets;
  if (recorded?.length) return recorded.map(({ width, height, frames }) => ({ width, height, frames }));
  const { width, height, frames } = modelClip(config);
  return [{ width, height, frames }];
}

/** One line when `size` is none of the trained sizes; null when it is one. */
export function untrainedSizeWarning(config: SizedConfig, size: ClipSize): string | null {
  const trained = trainedSizes(config);
  if (trained.some((s) => clipSizeLabel(s) === clipSizeLabel(size))) return null;
  return `${clipSizeLabel(size)} is not a size this model was trained at (${trained.map(clipSizeLabel).join(', ')}): expect a worse clip`;
}

/** A model folder's `trainedSizes`, checked: a list of positive integer sizes, or a one-line problem. */
export function checkClipSizes(value: unknown): string | null {
  const ok = Array.isArray(value) && value.length > 0 && value.every((s) => ['width', 'height', 'frames'].every((k) => Number.isSafeInteger((s as Record<string, unknown>)?.[k]) && (s as Record<string, number>)[k] > 0));
  return ok ? null : `"trainedSizes" must be a non-empty list of {"width", "height", "frames"} positive integers, got ${JSON.stringify(value)?.slice(0, 60)}`;
}
