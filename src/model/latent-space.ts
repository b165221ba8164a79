/**
 * Latent mode: a DiT that denoises a video autoencoder's latents instead of pixels (Sora's
 * "compressed video"). A latent model's config says which VAE it works with:
 *
 *   latent: {vae: FOLDER, sha256: WEIGHTS, patch: [pt, ph, pw]}
 *
 * and its DiTConfig describes the latent grid — channels c, frames T/pt, height H/ph, width W/pw
 * — so the DiT itself is the same code either way. Everything that speaks of the clip a model
 * makes (generate's defaults, eval, the server, given frames) asks `modelClip`, which is the
 * pixel clip in both modes.
 *
 * `vae` is the folder as given to `train --latent` (relative to the working folder, as a run's
 * `data` is); a shipped model folder carries its own copy, `vae` = "vae" inside the model
 * folder. `sha256` is the VAE's weights', checked when the codec is opened, so a model is never
 * decoded by a VAE it was not trained with.
 *
 *   const model = latentModelConfig(resolveConfig('small'), vaeConfig);  // [16, 4, 8, 8] latents, 1×2×2 patch: 64 tokens
 *   modelClip({ model, latent: { vae: 'models/vae', sha256, patch: [4, 4, 4] } });  // {frames: 16, height: 32, width: 32}
 */
import { validateConfig, type DiTConfig } from './config.js';
import type { VaeConfig } from './vae-config.js';

/** Which VAE a latent model works with (absent from a pixel model's config). */
export interface LatentSpace {
  /** The VAE folder: as given to `train --latent`, or "vae" inside a shipped model folder. */
  vae: string;
  /** sha256 of the VAE's weights file (its folder's config.json `weights.sha256`). */
  sha256: string;
  /** The VAE's tubelet [pt, ph, pw]: a latent cell stands for pt frames × ph × pw pixels. */
  patch: [number, number, number];
}

/**
 * The DiT's patch on the latent grid: 1 frame × 2 × 2 cells, so a 16×32×32 clip (4×8×8 latents)
 * is 64 tokens — a quarter of the pixel model's 256, and a quarter of its attention and MLP
 * work per clip. 1×1×1 would give the pixel model's 256 tokens at the same cost.
 */
export const LATENT_PATCH: [number, number, number] = [1, 2, 2];

/** A pixel preset's model moved onto a VAE's latent grid: same width, depth and heads. */
export function latentModelConfig(pixel: DiTConfig, vae: VaeConfig, patch: [number, number, number] = LATENT_PATCH): DiTConfig {
  const [pt, ph, pw] = vae.patch;
  return validateConfig({
    ...pixel,
    channels: vae.latentChannels,
    frames: pixel.frames / pt,
    height: pixel.height / ph,
    width: pixel.width / pw,
    patch,
  } as unknown as Record<string, unknown>);
}

/** What a config needs to say for its clip: the model, and its latent space if it has one. */
export interface ClipConfig {
  model: Pick<DiTConfig, 'frames' | 'height' | 'width'>;
  latent?: Pick<LatentSpace, 'patch'>;
}

/** The pixel clip a model makes by default: its config's grid, times the VAE's tubelet in latent mode. */
export function modelClip({ model, latent }: ClipConfig): { frames: number; height: number; width: number } {
  const [pt, ph, pw] = latent?.patch ?? [1, 1, 1];
  return { frames: model.frames * pt, height: model.height * ph, width: model.width * pw };
}

/** Pixel frames per model frame: the VAE's temporal tubelet (1 for a pixel model). */
export function framesPerModelFrame(config: Pick<ClipConfig, 'latent'>): number {
  return config.latent?.patch[0] ?? 1;
}

/** A config's `latent` entry, checked: a one-line problem, or null when it is well formed. */
export function checkLatentSpace(value: unknown): string | null {
  const l = value as Partial<LatentSpace> | null;
  const ok =
    typeof l === 'object' && l !== null && !Array.isArray(l) &&
    typeof l.vae === 'string' && l.vae !== '' &&
    typeof l.sha256 === 'string' && /^[0-9a-f]{64}$/.test(l.sha256) &&
    Array.isArray(l.patch) && l.patch.length === 3 && l.patch.every((p) => Number.isSafeInteger(p) && p > 0) &&
    Object.keys(l).every((k) => ['vae', 'sha256', 'patch'].includes(k));
  return ok ? null : `"latent" must be {"vae": FOLDER, "sha256": 64 hex digits, "patch": [pt, ph, pw]}, got ${JSON.stringify(value)?.slice(0, 80)}`;
}

/**
 * The model seen from the pixels it makes: clip and patch in pixels (a latent model's patch times
 * the VAE's tubelet), width and depth unchanged (channels too: nothing reads them from here) — what
 * memory limits and the sizes a request may ask for are computed from, in the units the user gives.
 */
export function pixelModel(config: { model: DiTConfig; latent?: Pick<LatentSpace, 'patch'> }): DiTConfig {
  const { model, latent } = config;
  if (!latent) return model;
  const patch = model.patch.map((p, i) => p * latent.patch[i]) as [number, number, number];
  return { ...model, ...modelClip(config), patch };
}

/**
 * The granularity in which a model takes given frames: a latent model trained without
 * --frame-hints takes them in whole latent frames (its VAE's tubelet); a pixel model, or a latent
 * model with frame hints, takes any frames.
 */
export function givenFrameGroup(config: { model: Pick<DiTConfig, 'frameHints'>; latent?: Pick<LatentSpace, 'patch'> }): number {
  return config.latent && !config.model.frameHints ? config.latent.patch[0] : 1;
}

/**
 * A mask over a clip's frames → the mask over the model's frames: a latent frame is given when
 * all the frames it stands for are (`mask`); `share` is the part of them given (0 to 1: a
 * partial latent frame is a hint to a model trained with --frame-hints), and a frame given
 * without the rest of its latent frame is reported (`partial`, the first such frame) for the
 * models that take only whole ones.
 */
export function modelFrameMask(mask: ArrayLike<boolean | number>, framesPerModelFrame: number): { mask: boolean[]; share: number[]; partial: number | null } {
  const k = framesPerModelFrame;
  const out: boolean[] = [];
  const share: number[] = [];
  let partial: number | null = null;
  for (let t = 0; t < mask.length; t += k) {
    const group = Array.from({ length: k }, (_, i) => Boolean(mask[t + i]));
    const given = group.filter(Boolean).length;
    if (given > 0 && given < k && partial === null) partial = t + group.findIndex(Boolean);
    out.push(given === k);
    share.push(given / k);
  }
  return { mask: out, share, partial };
}

/**
 * A frame hint's clip: each frame not given is replaced by the nearest given frame of its latent
 * frame (the earlier on a tie), so a partly given latent frame encodes as its given frames held
 * still — a 1-frame image becomes a still tubelet. Returns, for each frame t, the frame whose
 * content stands at t (t itself where given, or where nothing of its latent frame is).
 */
export function hintFrameSources(mask: ArrayLike<boolean | number>, framesPerModelFrame: number): Int32Array {
  const k = framesPerModelFrame;
  const source = Int32Array.from({ length: mask.length }, (_, t) => t);
  for (let t = 0; t < mask.length; t++) {
    if (mask[t]) continue;
    const start = t - (t % k);
    let best = -1;
    for (let s = start; s < Math.min(start + k, mask.length); s++) if (mask[s] && (best < 0 || Math.abs(s - t) < Math.abs(best - t))) best = s;
    if (best >= 0) source[t] = best;
  }
  return source;
}
