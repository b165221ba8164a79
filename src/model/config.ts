/**
 * The model's configuration: one typed object with a one-line note per field, named
 * presets, and validation that rejects unknown keys and wrong types. The resolved config
 * is saved with every checkpoint and run.
 */
import { UserError } from '../../base/errors.js';

export interface DiTConfig {
  /** Colour channels of the video. */
  channels: number;
  /** Training clip size; the model itself accepts any T×H×W divisible by the patch. */
  frames: number;
  height: number;
  width: number;
  /** Spacetime tubelet [pt, ph, pw]: each token covers pt frames × ph × pw pixels. */
  patch: [number, number, number];
  /** Token width D. */
  hidden: number;
  /** Transformer blocks. */
  depth: number;
  /** Attention heads (hidden must divide by heads). */
  heads: number;
  /** MLP width as a multiple of hidden. */
  mlpRatio: number;
  /** Width of the text embedding the model is conditioned on. */
  textDim: number;
  /** Cross-attention to the text tokens in every block (off = the ../shared/bench reference). */
  crossAttention: boolean;
  /** Sinusoidal timestep features before the timestep MLP. */
  timestepFeatures: number;
  /**
   * The model can be given frames: each given frame and a per-frame mask enter the patch
   * embedding beside the noisy video (frame-conditioning.ts). Absent in configs from before
   * it existed, which means off.
   */
  frameConditioning?: boolean;
  /**
   * A latent model that takes partly given latent frames (train --frame-hints): the mask channel
   * holds the share of a latent frame's pixel frames given, and the given channels the VAE's
   * encoding of that latent frame with its given frames held still (latent-space.ts
   * `hintFrameSources`) — so one image, or PhyWorld's 3 frames, can be given although the VAE
   * encodes 4 frames at a time. Absent means whole latent frames only.
   */
  frameHints?: boolean;
}

const BASE: DiTConfig = {
  channels: 3,
  frames: 16,
  height: 32,
  width: 32,
  patch: [2, 4, 4],
  hidden: 192,
  depth: 6,
  heads: 6,
  mlpRatio: 4,
  textDim: 192,
  crossAttention: true,
  timestepFeatures: 256,
};

export const PRESETS = {
  /** Exactly ../shared/bench/reference_dit.py: video [B,3,8,32,32], 256 tokens, 4,270,368 parameters. */
  bench: { ...BASE, frames: 8, crossAttention: false },
  /** For tests and notebooks: tens of thousands of parameters. Its 2×2×2 tubelet (24 values per
   *  token) fits the 32-wide tokens; a 2×4×4 one (96 values) would cap what it can learn. */
  tiny: { ...BASE, frames: 4, height: 16, width: 16, patch: [2, 2, 2], hidden: 32, depth: 2, heads: 2, mlpRatio: 2, textDim: 32 },
  /** The shipped default model: 4×4×4 tubelets (192 values per 192-wide token) give 256 tokens
   *  per 16-frame 32×32 clip, so it trains on two CPU cores in hours (2×4×4 would be 512 tokens,
   *  about 4× the attention memory and time). */
  small: { ...BASE, patch: [4, 4, 4] },
  /** The small model at half the width and two thirds of the depth (about a sixth of its
   *  transformer's parameters): the second size of the scaling comparison (reports/phyworld). */
  mini: { ...BASE, patch: [4, 4, 4], hidden: 96, depth: 4, heads: 4, textDim: 96 },
  /** A larger model for longer training runs. */
  base: { ...BASE, hidden: 384, depth: 12, heads: 6, textDim: 384 },
} satisfies Record<string, DiTConfig>;
export type PresetName = keyof typeof PRESETS;

/** The preset `name`, with `overrides` validated and applied. */
export function resolveConfig(name: string, overrides: Record<string, unknown> = {}): DiTConfig {
  if (!(name in PRESETS)) throw new UserError(`unknown preset "${name}" (expected one of: ${Object.keys(PRESETS).join(', ')})`);
  return validateConfig({ ...PRESETS[name as PresetName], ...overrides });
}

/** Keys a config may lack (configs written before they existed). */
const OPTIONAL_KEYS = ['frameConditioning', 'frameHints'];

/** Check every field's presence and type, and the shape constraints; reject unknown keys. */
export function validateConfig(raw: Record<string, unknown>): DiTConfig {
  const known = Object.keys(BASE);
  for (const key of Object.keys(raw)) if (!known.includes(key) && !OPTIONAL_KEYS.includes(key)) throw new UserError(`unknown model config key "${key}"`);
  for (const key of OPTIONAL_KEYS) {
    if (raw[key] !== undefined && typeof raw[key] !== 'boolean') throw new UserError(`model config "${key}" must be a boolean, got ${JSON.stringify(raw[key])}`);
  }
  if (raw.frameHints && !raw.frameConditioning) throw new UserError('model config "frameHints" needs "frameConditioning"');
  for (const key of known) {
    const value = raw[key];
    const want = typeof BASE[key as keyof DiTConfig];
    if (key === 'patch') {
      if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => Number.isInteger(v) && v > 0)) {
        throw new UserError(`model config "patch" must be three positive integers, got ${JSON.stringify(value)}`);
      }
    } else if (typeof value !== want) {
      throw new UserError(`model config "${key}" must be a ${want}, got ${JSON.stringify(value)}`);
    } else if (want === 'number' && !(Number.isInteger(value) && (value as number) > 0)) {
      throw new UserError(`model config "${key}" must be a positive integer, got ${value}`);
    }
  }
  const c = raw as unknown as DiTConfig;
  if (c.hidden % c.heads !== 0) throw new UserError(`model config: hidden ${c.hidden} is not divisible by heads ${c.heads}`);
  if (c.hidden % 8 !== 0) throw new UserError(`model config: hidden ${c.hidden} must be divisible by 8 (3-D sin-cos positions)`);
  const [pt, ph, pw] = c.patch;
  for (const [dim, size, p] of [['frames', c.frames, pt], ['height', c.height, ph], ['width', c.width, pw]] as const) {
    if (size % p !== 0) throw new UserError(`model config: ${dim} ${size} is not divisible by the patch's ${p}`);
  }
  return { ...c, patch: [pt, ph, pw] };
}
