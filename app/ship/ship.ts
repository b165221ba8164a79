/**
 * Turn a training run into a shipped model folder (src/model/model-folder.ts): the EMA
 * weights of its latest (or a given) checkpoint at half precision, the config, a summary
 * of the training log, the quality check of the shipped weights, and a model card.
 *
 *   shipModel({ run: 'runs/default', out: 'models/default', backend: 'native' });
 *
 * Written atomically: everything goes into a temporary folder beside `out`, the check runs
 * on the weights as written there (so it measures the F16 weights users get), and only then
 * is the folder renamed into place. A failure leaves `out` as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import { ensureWritableDir, makeStagingFolder, replaceFolderAtomically, writeFileSynced } from '../../base/io/atomic.js';
import { sha256 } from '../../base/io/hash.js';
import { serializeSafetensors, type SafeTensor } from '../../base/io/safetensors.js';
import { validateConfig } from '../../src/model/config.js';
import { trainedSizes } from '../../src/model/clip-sizes.js';
import { validateTextEncoderConfig } from '../../src/text/config.js';
import { loadCheckpoint, type LoadedTensor } from '../../src/model/checkpoint.js';
import type { TrainConfig } from '../../src/train/train-config.js';
import { modelCard } from './model-card.js';
import { MODEL_FILES, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelFolderConfig } from '../../src/model/model-folder.js';
import { CHECK_DEFAULTS, assertHeldOut, runQualityCheck, type CheckOptions, type QualityCheckResult } from '../../eval/check/quality-check.js';
import { summarizeTraining, trainingSources } from './training-summary.js';
import { checkGuidanceDefaults, GENERATE_DEFAULTS, namedGuidance } from '../../src/diffusion/generation-defaults.js';
import { disposePipeline, loadPipeline } from '../../src/infer/pipeline.js';
import { openModelCodec } from '../../src/model/vae-codec.js';
import { VAE_FILES } from '../../src/model/vae-folder.js';

/** The largest weights file we commit to the repository. */
export const MAX_SHIPPED_BYTES = 25_000_000;
/** A latent model folder's copy of its VAE folder. */
const SHIPPED_VAE = 'vae';
/** The largest finite half: weights beyond it cannot be stored at F16. */
const F16_MAX = 65504;

export interface ShipOptions {
  /** The run folder (config.json, metrics.jsonl, checkpoints/). */
  run: string;
  /** A checkpoint folder of that run; its latest when omitted. */
  checkpoint?: string;
  out: string;
  /** Replace an existing `out`. */
  force?: boolean;
  /** The backend in use, recorded as the hardware's. */
  backend: string;
  /** Run the quality check on the shipped weights (default true); its options. */
  check?: boolean | CheckOptions;
  onCheckProgress?: (done: number, total: number) => void;
  /** The time shift the model folder recommends for sampling (generation.shift; default 1). */
  shift?: number;
  /** The guidance method it recommends (generation.guidanceMethod; default plain CFG) and the interval method's bounds. */
  guidanceMethod?: string;
  guidanceInterval?: [number, number];
  /** Hand-written notes on the training for the model card (markdown). */
  notes?: string;
}

export interface ShipResult {
  dir: string;
  step: number;
  parameters: number;
  bytes: number;
  check: QualityCheckResult | null;
}

export function shipModel(options: ShipOptions): ShipResult {
  const out = options.out.replace(/[/\\]+$/, '');
  const recommended = namedGuidance({ method: options.guidanceMethod ?? 'cfg', interval: options.guidanceInterval });
  const guidanceProblem = checkGuidanceDefaults(recommended);
  if (guidanceProblem) throw new UserError(guidanceProblem);
  if (fs.existsSync(out) && !options.force) throw new UserError(`${out} already exists; pass --force to replace it`);
  if (!fs.existsSync(path.join(options.run, 'config.json'))) throw new UserError(`${options.run} is not a run folder (no config.json)`);
  const ck = loadCheckpoint(options.checkpoint ?? options.run);
  if (path.resolve(path.dirname(path.dirname(ck.path))) !== path.resolve(options.run)) throw new UserError(`checkpoint ${ck.path} is not one of run ${options.run}'s`);
  const trainConfig = ck.config as TrainConfig;
  const model = validateConfig(trainConfig.model as unknown as Record<string, unknown>);
  const text = validateTextEncoderConfig(trainConfig.text as unknown as Record<string, unknown>);
  const source = ck.ema ? 'ema' : 'weights';
  const weights = serializeSafetensors(toHalf(ck.ema ?? ck.params, ck.path), { format: 'pt', source, step: String(ck.step) });
  if (weights.length > MAX_SHIPPED_BYTES) throw new UserError(`the F16 weights are ${weights.length} bytes, over the ${MAX_SHIPPED_BYTES}-byte limit for a shipped model`);

  const config: ModelFolderConfig = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    model,
    text,
    objective: trainConfig.objective,
    generation: { ...GENERATE_DEFAULTS, shift: options.shift ?? GENERATE_DEFAULTS.shift, ...recommended },
    ...(trainConfig.buckets && { trainedSizes: trainedSizes(trainConfig) }),
    // A latent model carries its VAE: the folder is copied into vae/ (checked first to be the one it trained with).
    ...(trainConfig.latent && { latent: { ...trainConfig.latent, vae: SHIPPED_VAE } }),
    weights: {
      file: MODEL_FILES.weights,
      dtype: 'F16',
      source,
      parameters: Object.values(ck.ema ?? ck.params).reduce((sum, t) => sum + t.data.length, 0),
      bytes: weights.length,
      sha256: sha256(weights),
    },
  };
  const training = summarizeTraining(options.run, ck.step, { backend: options.backend });
  for (const source of trainingSources(training)) assertHeldOut(source); // every leg's, every bucket's

  const staging = stagingFolderFor(out);
  try {
    const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';
    writeFileSynced(path.join(staging, MODEL_FILES.weights), weights);
    writeFileSynced(path.join(staging, MODEL_FILES.config), json(config));
    writeFileSynced(path.join(staging, MODEL_FILES.training), json(training));
    if (trainConfig.latent) copyVae(trainConfig, options.run, path.join(staging, SHIPPED_VAE));

    let check: QualityCheckResult | null = null;
    if (options.check !== false) {
      const checkOptions = typeof options.check === 'object' ? options.check : {};
      const pipe = loadPipeline(staging); // the F16 weights exactly as shipped
      pipe.checkpoint = out;
      try {
        check = runQualityCheck(pipe, { ...checkOptions, onProgress: options.onCheckProgress });
      } finally {
        disposePipeline(pipe);
      }
      writeFileSynced(path.join(staging, MODEL_FILES.check), json(check));
    }
    const n = check?.settings.n ?? CHECK_DEFAULTS.n;
    const card = modelCard({
      out,
      config,
      training,
      check,
      notes: options.notes,
      shipCommand: `npx spacetime model ship --run ${options.run}${options.checkpoint ? ` --checkpoint ${options.checkpoint}` : ''}${options.shift !== undefined ? ` --shift ${options.shift}` : ''}${recommended.guidanceMethod ? ` --guidance-method ${recommended.guidanceMethod}` : ''}${recommended.guidanceInterval ? ` --guidance-interval ${recommended.guidanceInterval.join(',')}` : ''} --out ${out}`,
      checkCommand: `npx spacetime model check --checkpoint ${out} --n ${n} --seed ${check?.settings.seed ?? CHECK_DEFAULTS.seed} --out check.json`,
    });
    writeFileSynced(path.join(staging, MODEL_FILES.card), card);
    replaceFolderAtomically(staging, out);
    return { dir: out, step: ck.step, parameters: config.weights.parameters, bytes: weights.length, check };
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** A latent run's VAE folder, checked to be the one the run trained with, copied to `to` (its files only). */
function copyVae(config: TrainConfig, run: string, to: string): void {
  openModelCodec(config, '.', run).dispose?.(); // a moved, replaced or damaged VAE is refused by name
  fs.mkdirSync(to);
  for (const file of Object.values(VAE_FILES)) {
    const from = path.join(config.latent!.vae, file);
    if (fs.existsSync(from)) writeFileSynced(path.join(to, file), fs.readFileSync(from));
  }
}

/**
 * A fresh staging folder beside `out`, after removing what an interrupted ship left there (one
 * shipper per folder, as with checkpoints; `.old-`: the name ships set the old folder aside
 * under before base/io/atomic.ts named them). Shared with vae-ship.ts.
 */
export function stagingFolderFor(out: string): string {
  const parent = path.dirname(out);
  ensureWritableDir(parent);
  for (const entry of fs.readdirSync(parent)) {
    if (entry.startsWith(`.${path.basename(out)}.tmp-`) || entry.startsWith(`.${path.basename(out)}.old-`)) fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
  return makeStagingFolder(out);
}

/** The weights as F16 safetensors entries; a value a half cannot hold is refused by name. */
export function toHalf(tensors: Record<string, LoadedTensor>, from: string): Record<string, SafeTensor> {
  const out: Record<string, SafeTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    for (const x of t.data) {
      if (!(Math.abs(x) <= F16_MAX)) throw new UserError(`${from}: weight "${name}" holds ${x}, which half precision cannot store`);
    }
    out[name] = { dtype: 'F16', shape: t.shape, data: t.data };
  }
  return out;
}
