/**
 * A shipped video autoencoder (what `spacetime vae ship` writes; models/vae/ by default):
 *
 *   model.safetensors    the EMA weights at half precision (F16), names like encoder.blocks.0.attn.qkv.weight
 *   config.json          {"format": "spacetime-vae", "version": 1, vae (VaeConfig), latent: {shift, scale},
 *                         training: {run, step, samples, seconds, data, [initFrom: {vae, sha256}]},
 *                         weights: {file, dtype, parameters, bytes, sha256}}
 *   reconstruction.json  the reconstruction evaluation of these very weights (eval/reconstruction)
 *   MODEL_CARD.md        the same, for people
 *
 * `latent` maps the encoder's output z to the codec's unit-variance latents (z − shift)·scale,
 * measured on training clips when the folder was shipped (SD's scale factor, with a shift).
 *
 *   const { config, weights } = readVaeFolder('models/vae');
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import type { LoadedTensor } from './checkpoint.js';
import { readCheckedWeights, repoRoot } from './model-folder.js';
import { validateVaeConfig, type VaeConfig } from './vae-config.js';

export const VAE_FORMAT = 'spacetime-vae';
export const VAE_FORMAT_VERSION = 1;
export const VAE_FILES = { weights: 'model.safetensors', config: 'config.json', reconstruction: 'reconstruction.json', card: 'MODEL_CARD.md' } as const;
/** Where the shipped VAE lives, relative to the repository root. */
export const DEFAULT_VAE_DIR = path.join('models', 'vae');

/** The affine map from encoder output to codec latents: (z − shift)·scale. */
export interface LatentScaling {
  shift: number;
  scale: number;
}

export interface VaeFolderConfig {
  format: typeof VAE_FORMAT;
  version: typeof VAE_FORMAT_VERSION;
  vae: VaeConfig;
  latent: LatentScaling;
  /**
   * Where the weights came from: the run, its step, samples seen, wall-clock seconds, data, and
   * for a run started with --init the VAE folder it continued and that folder's sha256 (its parent).
   */
  training: { run: string; step: number; samples: number; seconds: number; data: string; initFrom?: { vae: string; sha256: string } };
  weights: { file: string; dtype: 'F16' | 'F32'; parameters: number; bytes: number; sha256: string };
}

/** Whether `dir` holds a shipped VAE (its config.json says so). */
export function isVaeFolder(dir: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, VAE_FILES.config), 'utf8')) as { format?: unknown }).format === VAE_FORMAT;
  } catch {
    return false;
  }
}

/** Read and check a VAE folder: config (every field validated) and weights (size and sha256 checked). */
export function readVaeFolder(dir: string): { config: VaeFolderConfig; weights: Record<string, LoadedTensor> } {
  const file = path.join(dir, VAE_FILES.config);
  if (!fs.existsSync(file)) throw new UserError(`${dir} is not a VAE folder (no ${VAE_FILES.config})`);
  const config = parseVaeFolderConfig(fs.readFileSync(file, 'utf8'), file);
  return { config, weights: readCheckedWeights(dir, config.weights) };
}

export function parseVaeFolderConfig(json: string, file: string): VaeFolderConfig {
  const bad = (problem: string): never => {
    throw new UserError(`bad VAE config ${file}: ${problem}`);
  };
  let raw: Partial<VaeFolderConfig>;
  try {
    raw = JSON.parse(json) as Partial<VaeFolderConfig>;
  } catch (err) {
    return bad((err as Error).message.split('\n')[0]);
  }
  if (raw?.format !== VAE_FORMAT || raw.version !== VAE_FORMAT_VERSION) bad(`not a ${VAE_FORMAT} version ${VAE_FORMAT_VERSION} config (a VAE folder is what \`spacetime vae ship\` writes)`);
  if (typeof raw.vae !== 'object' || raw.vae === null) bad('no "vae" config');
  let vae: VaeConfig;
  try {
    vae = validateVaeConfig(raw.vae as unknown as Record<string, unknown>);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return bad(err.message);
  }
  const l = raw.latent;
  if (!l || !Number.isFinite(l.shift) || !(Number.isFinite(l.scale) && l.scale > 0)) bad('"latent" must be {"shift": number, "scale": number > 0}');
  const w = raw.weights;
  if (!w || typeof w.file !== 'string' || path.basename(w.file) !== w.file || !Number.isSafeInteger(w.bytes) || typeof w.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(w.sha256)) {
    bad('bad "weights" entry');
  }
  const parent = raw.training?.initFrom;
  if (parent !== undefined && (typeof parent?.vae !== 'string' || typeof parent.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(parent.sha256))) {
    bad('"training.initFrom" must be {"vae": FOLDER, "sha256": 64 hex digits}');
  }
  return { ...(raw as VaeFolderConfig), vae: vae! };
}

/**
 * The sha256 of a VAE folder's weights and of each VAE it was continued from (--init legs), nearest
 * first: its own, its parent's (recorded in it), the parent's parent's (recorded in the parent
 * folder, while that folder is there to read), …
 */
export function vaeLineage(dir: string): string[] {
  const { config } = readVaeFolder(dir);
  const shas = [config.weights.sha256];
  let parent = config.training.initFrom;
  const seen = new Set(shas);
  while (parent && !seen.has(parent.sha256)) {
    shas.push(parent.sha256);
    seen.add(parent.sha256);
    const file = path.join(parent.vae, VAE_FILES.config);
    if (!fs.existsSync(file)) break;
    const above = parseVaeFolderConfig(fs.readFileSync(file, 'utf8'), file);
    parent = above.weights.sha256 === parent.sha256 ? above.training.initFrom : undefined; // a folder replaced since ends the known line
  }
  return shas;
}

/** The shipped VAE's folder (absolute): REPO/models/vae. */
export function defaultVaeDir(): string {
  return path.join(repoRoot(), DEFAULT_VAE_DIR);
}
