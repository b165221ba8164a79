/**
 * A shipped model folder (what `spacetime model ship` writes and `spacetime generate`
 * loads by default from models/default/):
 *
 *   model.safetensors   the EMA weights at half precision (F16), PyTorch names and layout
 *   config.json         {"format": "spacetime-model", "version": 1, model, text, objective,
 *                        generation defaults, [trainedSizes,] [latent,] weights: {file, dtype, parameters, bytes, sha256}}
 *   vae/                a latent model's VAE folder (vae-folder.ts), a copy of the one it was trained with
 *   training.json       a summary of the run it came from (steps, samples, time, losses, data, hardware)
 *   check.json          the quality check of these very weights (when it was run)
 *   MODEL_CARD.md       the same, for people
 *
 * Unlike a training checkpoint there are no optimizer moments, and the weights are F16:
 * loading converts them to float32 (exactly: every half is a float32).
 *
 *   if (isModelFolder('models/default')) {
 *     const { config, weights } = readModelFolder('models/default');
 *   }
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import { sha256 } from '../../base/io/hash.js';
import { parseSafetensors } from '../../base/io/safetensors.js';
import { validateConfig, type DiTConfig } from './config.js';
import { checkGuidanceDefaults, type GenerationDefaults } from '../diffusion/generation-defaults.js';
import { OBJECTIVE_NAMES, type ObjectiveName } from '../diffusion/objective.js';
import { validateTextEncoderConfig, type TextEncoderConfig } from '../text/config.js';
import { findPackageRoot } from '../../kernels/native/index.js';
import type { LoadedTensor } from './checkpoint.js';
import { checkClipSizes, type ClipSize } from './clip-sizes.js';
import { checkLatentSpace, type LatentSpace } from './latent-space.js';

export const MODEL_FORMAT = 'spacetime-model';
export const MODEL_FORMAT_VERSION = 1;
export const MODEL_FILES = {
  weights: 'model.safetensors',
  config: 'config.json',
  training: 'training.json',
  check: 'check.json',
  card: 'MODEL_CARD.md',
} as const;

/** Where the shipped default model lives, relative to the repository root. */
export const DEFAULT_MODEL_DIR = path.join('models', 'default');

export interface ModelFolderConfig {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_FORMAT_VERSION;
  model: DiTConfig;
  text: TextEncoderConfig;
  objective: ObjectiveName;
  generation: GenerationDefaults;
  /** The clip sizes it was trained at (a bucketed run's); absent: its model config's clip (clip-sizes.ts). */
  trainedSizes?: ClipSize[];
  /** A latent model's VAE: `vae` is "vae", the copy inside this folder (latent-space.ts). */
  latent?: LatentSpace;
  weights: {
    file: string;
    dtype: 'F16' | 'F32';
    /** 'ema' (the EMA of the training weights) or 'weights' (the raw ones, when the run kept no EMA). */
    source: 'ema' | 'weights';
    parameters: number;
    bytes: number;
    sha256: string;
  };
}

/** Whether `dir` holds a shipped model (its config.json says so), not a run or checkpoint. */
export function isModelFolder(dir: string): boolean {
  const file = path.join(dir, MODEL_FILES.config);
  if (!fs.existsSync(file)) return false;
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { format?: unknown }).format === MODEL_FORMAT;
  } catch {
    return false;
  }
}

/**
 * Read and check a model folder: the config (every field validated) and the weights as
 * float32, after checking the file's size and sha256 against the config. Any defect is a
 * one-line UserError naming the file (a Git LFS pointer instead of the weights is caught
 * by the size check).
 */
export function readModelFolder(dir: string): { config: ModelFolderConfig; weights: Record<string, LoadedTensor> } {
  const configFile = path.join(dir, MODEL_FILES.config);
  const config = parseModelConfig(fs.readFileSync(configFile, 'utf8'), configFile);
  const weights = readCheckedWeights(dir, config.weights);
  return { config, weights };
}

/**
 * A folder's weights file as float32, after checking its size and sha256 against what the
 * folder's config.json says (a Git LFS pointer instead of the weights fails the size check).
 * Shared by model folders and VAE folders (vae-folder.ts).
 */
export function readCheckedWeights(dir: string, entry: { file: string; bytes: number; sha256: string }): Record<string, LoadedTensor> {
  const weightsFile = path.join(dir, entry.file);
  if (!fs.existsSync(weightsFile)) throw new UserError(`model folder ${dir} lacks its weights ${entry.file}`);
  const bytes = fs.readFileSync(weightsFile);
  if (bytes.length !== entry.bytes) {
    throw new UserError(`model weights ${weightsFile} are ${bytes.length} bytes, ${MODEL_FILES.config} says ${entry.bytes} (truncated, or a Git LFS pointer?)`);
  }
  if (sha256(bytes) !== entry.sha256) throw new UserError(`model weights ${weightsFile} do not match the sha256 in ${MODEL_FILES.config} (damaged or replaced)`);
  const weights: Record<string, LoadedTensor> = {};
  for (const [name, t] of Object.entries(parseSafetensors(bytes, weightsFile).tensors)) {
    if (!(t.data instanceof Float32Array)) throw new UserError(`model weights ${weightsFile}: tensor "${name}" is ${t.dtype}, expected floats`);
    weights[name] = { shape: t.shape, data: t.data };
  }
  return weights;
}

/** Validate a model folder's config.json text. */
export function parseModelConfig(json: string, file: string): ModelFolderConfig {
  let raw: Partial<ModelFolderConfig>;
  try {
    raw = JSON.parse(json) as Partial<ModelFolderConfig>;
  } catch (err) {
    throw new UserError(`bad model config ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const bad = (problem: string): never => {
    throw new UserError(`bad model config ${file}: ${problem}`);
  };
  if (raw.format !== MODEL_FORMAT || raw.version !== MODEL_FORMAT_VERSION) bad(`not a ${MODEL_FORMAT} version ${MODEL_FORMAT_VERSION} config`);
  if (!raw.model || !raw.text) bad('no "model" or "text" config');
  const model = validateConfig(raw.model as unknown as Record<string, unknown>);
  const text = validateTextEncoderConfig(raw.text as unknown as Record<string, unknown>);
  if (!OBJECTIVE_NAMES.includes(raw.objective as ObjectiveName)) bad(`unknown objective ${JSON.stringify(raw.objective)}`);
  const g = raw.generation as Partial<GenerationDefaults> | undefined;
  if (!g || !Number.isInteger(g.steps) || typeof g.guidance !== 'number' || typeof g.sampler !== 'string' || typeof g.fps !== 'number') bad('bad "generation" defaults');
  const shift = g?.shift;
  if (shift !== undefined && !(typeof shift === 'number' && Number.isFinite(shift) && shift > 0)) bad(`bad "generation" shift ${JSON.stringify(shift)}`);
  const guidanceProblem = checkGuidanceDefaults(g!);
  if (guidanceProblem) bad(guidanceProblem);
  const sizesProblem = raw.trainedSizes === undefined ? null : checkClipSizes(raw.trainedSizes);
  if (sizesProblem) bad(sizesProblem);
  const latentProblem = raw.latent === undefined ? null : checkLatentSpace(raw.latent);
  if (latentProblem) bad(latentProblem);
  const w = raw.weights as Partial<ModelFolderConfig['weights']> | undefined;
  if (!w || typeof w.file !== 'string' || path.basename(w.file) !== w.file || !Number.isSafeInteger(w.bytes) || typeof w.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(w.sha256)) {
    bad('bad "weights" entry');
  }
  return { ...(raw as ModelFolderConfig), model, text };
}

/**
 * The repository root: above the running script (bin/spacetime.js, a bench, a test), else
 * above the working folder. Not the working folder itself, so `spacetime generate` finds
 * models/default from anywhere.
 */
export function repoRoot(): string {
  const starts: string[] = [];
  if (process.argv[1]) {
    try {
      starts.push(path.dirname(fs.realpathSync(process.argv[1])));
    } catch {
      // the script path is not a file (a REPL): skip it
    }
  }
  starts.push(process.cwd());
  for (const start of starts) {
    const root = findPackageRoot(start);
    if (root) return root;
  }
  throw new UserError(`cannot find the spacetime-lab repository above ${starts.join(' or ')}`);
}

/** The shipped default model's folder (absolute): REPO/models/default. */
export function defaultModelDir(): string {
  return path.join(repoRoot(), DEFAULT_MODEL_DIR);
}
