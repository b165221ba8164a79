/**
 * Checking a run's settings. Every numeric training setting has one rule (integer or not,
 * its allowed range) used three ways: a CLI flag before anything runs or is written, the
 * options of train() from code, and a run's config.json (and the data cursor of its
 * checkpoints) when the run is resumed. A bad value is a one-line UserError naming the flag,
 * or the file and the field.
 *
 *   checkSetting('lr', -1);                    // --lr must be a finite number > 0, got -1
 *   const config = readRunConfig('runs/small'); // "runs/small/config.json: "lr" must be …"
 */
import fs from 'node:fs';
import path from 'node:path';
import { OBJECTIVE_NAMES, type LogitNormal, type ObjectiveName } from '../diffusion/objective.js';
import { UserError } from '../../base/errors.js';
import { validateConfig, type DiTConfig } from '../model/config.js';
import { validateTextEncoderConfig, type TextEncoderConfig } from '../text/config.js';
import type { NetworkConfig } from '../model/video-model.js';
import { checkLatentSpace } from '../model/latent-space.js';
import { checkClipSizes, type ClipSize } from '../model/clip-sizes.js';
import type { BatchCursor } from './batches.js';
import type { Bucket } from './buckets.js';

/** The optimisation and checkpointing settings every trainer's run has (the DiT's and the VAE's). */
export interface OptimisationSettings {
  data: string;
  steps: number;
  batchSize: number;
  lr: number;
  warmup: number;
  weightDecay: number;
  clipNorm: number;
  emaDecay: number;
  seed: number;
  checkpointEvery: number;
  keepCheckpoints: number;
}

/** Everything that defines a run; saved as the run's config.json and in every checkpoint. */
export interface TrainConfig extends NetworkConfig, OptimisationSettings {
  preset: string;
  /** Share of captions replaced by the null caption (classifier-free guidance). */
  captionDropout: number;
  /** Every this many steps, sample videos and a loss plot into the run folder (0 = never). */
  sampleEvery: number;
  /** Training timesteps' logit-normal (absent: the objective's default). */
  timesteps?: LogitNormal;
  /**
   * Hard-negative captions: each caption with these word pairs swapped ("left" ↔ "right") is
   * a false description of its clip, and the model is trained to denoise the clip worse with
   * it than with the true caption (see hard-negatives.ts). Absent: off.
   */
  negatives?: { swaps: [string, string][]; weight: number };
  /** The checkpoint whose weights (and EMA) this run started from, instead of a fresh initialisation. */
  initFrom?: { checkpoint: string; step: number };
  /** Physics tracked while training (--eval-every): see TrainingEvaluation. Absent: off. */
  evaluation?: TrainingEvaluation;
  /**
   * Bucketed training (--buckets, buckets.ts): each batch one of these clip sizes, drawn by
   * ratio, from `data`/WIDTHxHEIGHTxFRAMES; also the record of the sizes the model was trained
   * at (model ship carries it). Absent: every batch from the one dataset in `data`.
   */
  buckets?: Bucket[];
}

/**
 * Every `every` steps (and at the last), the EMA weights generate `perCategory` prompts of
 * each category of `suite` — given their first `keepFrames` true frames when keepFrames ≥ 1 —
 * and the harness scores them; the headline goes into metrics.jsonl beside the loss.
 */
export interface TrainingEvaluation {
  every: number;
  suite: string;
  keepFrames: number;
  perCategory: number;
  /** Clip sizes to evaluate at, each one of the run's trained sizes (`--eval-sizes`); absent: the model's clip. */
  sizes?: ClipSize[];
}

export const TRAIN_DEFAULTS = {
  objective: 'rectified-flow' as ObjectiveName,
  batchSize: 8,
  lr: 3e-4,
  warmup: 100,
  weightDecay: 0,
  clipNorm: 1,
  emaDecay: 0.999,
  captionDropout: 0.1,
  seed: 0,
  checkpointEvery: 200,
  keepCheckpoints: 3,
  sampleEvery: 500,
};

/** Seeds feed `seed · 7919 + k` into TensorFlow's seeded initialisers: kept well inside 2^53. */
export const MAX_SEED = 2 ** 32 - 1;

interface NumberRule {
  /** The CLI flag that sets it (absent: settable from code and config.json only). */
  flag?: string;
  /** A safe integer (exact in a double). */
  integer?: boolean;
  min: number;
  max?: number;
  /** min itself is excluded (lr > 0). */
  minExclusive?: boolean;
  /** max itself is excluded (EMA decay < 1). */
  maxExclusive?: boolean;
}

/** Every numeric setting of TrainConfig, with the range that makes sense for it. */
export const NUMBER_RULES = {
  steps: { flag: '--steps', integer: true, min: 1 },
  /** Also at most the dataset's clip count: checked in train(), which opens the dataset. */
  batchSize: { flag: '--batch-size', integer: true, min: 1 },
  lr: { flag: '--lr', min: 0, minExclusive: true },
  warmup: { flag: '--warmup', integer: true, min: 0 },
  weightDecay: { min: 0 },
  clipNorm: { min: 0, minExclusive: true },
  emaDecay: { min: 0, max: 1, maxExclusive: true },
  captionDropout: { flag: '--caption-dropout', min: 0, max: 1 },
  seed: { flag: '--seed', integer: true, min: 0, max: MAX_SEED },
  checkpointEvery: { flag: '--checkpoint-every', integer: true, min: 1 },
  keepCheckpoints: { integer: true, min: 1 },
  sampleEvery: { flag: '--sample-every', integer: true, min: 0 },
} satisfies Record<string, NumberRule>;
export type NumericSetting = keyof typeof NUMBER_RULES;

/** "an integer ≥ 1", "a finite number > 0", "a number from 0 to 1", "a number ≥ 0 and < 1". */
export function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : rule.max === undefined ? 'a finite number' : 'a number';
  if (rule.max === undefined) return `${kind} ${rule.minExclusive ? '>' : '≥'} ${rule.min}`;
  if (!rule.minExclusive && !rule.maxExclusive) return `${kind} from ${rule.min} to ${rule.max}`;
  return `${kind} ${rule.minExclusive ? '>' : '≥'} ${rule.min} and ${rule.maxExclusive ? '<' : '≤'} ${rule.max}`;
}

export function obeys(rule: NumberRule, value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (rule.integer && !Number.isSafeInteger(value)) return false;
  if (rule.minExclusive ? value <= rule.min : value < rule.min) return false;
  if (rule.max !== undefined && (rule.maxExclusive ? value >= rule.max : value > rule.max)) return false;
  return true;
}

/** A setting as given to train() or on the command line: "--lr must be a finite number > 0, got -1". */
export function checkSetting(name: NumericSetting, value: number | undefined): void {
  if (value === undefined) return;
  const rule: NumberRule = NUMBER_RULES[name];
  if (!obeys(rule, value)) throw new UserError(`${rule.flag ?? name} must be ${describeRule(rule)}, got ${value}`);
}

/** Every numeric setting present in `options`, checked. */
export function checkSettings(options: Partial<Record<NumericSetting, number>>): void {
  for (const name of Object.keys(NUMBER_RULES) as NumericSetting[]) checkSetting(name, options[name]);
}

/** The timesteps' logit-normal: a finite mean and a positive, finite spread. */
export function checkTimesteps(t: { m: number; s: number } | undefined, where: (field: 'm' | 's') => string = (field) => (field === 'm' ? '--logit-mean' : '--logit-std')): void {
  if (!t) return;
  if (typeof t.m !== 'number' || !Number.isFinite(t.m)) throw new UserError(`${where('m')} must be a finite number, got ${JSON.stringify(t.m)}`);
  if (typeof t.s !== 'number' || !Number.isFinite(t.s) || t.s <= 0) throw new UserError(`${where('s')} must be a finite number > 0, got ${JSON.stringify(t.s)}`);
}

// ---------------------------------------------------------------- a run's config.json

const CONFIG_FILE = 'config.json';
const KNOWN_KEYS = ['preset', 'model', 'text', 'objective', 'latent', 'data', 'timesteps', 'negatives', 'initFrom', 'evaluation', 'buckets', ...Object.keys(NUMBER_RULES)];

/**
 * A run's config.json, every field checked (unknown keys refused). Numeric settings a run
 * written by an older version lacks take `defaults` (what that version ran with).
 */
export function readRunConfig(runDir: string, defaults: Partial<TrainConfig>): TrainConfig {
  const file = path.join(runDir, CONFIG_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`cannot read the run's ${file}: ${e.code ?? e.message.split('\n')[0]}`);
  }
  return validateTrainConfig(raw, file, defaults);
}

export function validateTrainConfig(raw: unknown, file: string, defaults: Partial<TrainConfig> = {}): TrainConfig {
  const bad = (field: string, problem: string, value: unknown): never => {
    throw new UserError(`${file}: "${field}" ${problem}, got ${JSON.stringify(value)?.slice(0, 60)}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError(`${file}: not a JSON object`);
  const c: Record<string, unknown> = { ...defaults, ...(raw as Record<string, unknown>) };
  for (const key of Object.keys(raw)) if (!KNOWN_KEYS.includes(key)) throw new UserError(`${file}: unknown key "${key}"`);
  for (const key of ['preset', 'data'] as const) if (typeof c[key] !== 'string' || c[key] === '') bad(key, 'must be a non-empty string', c[key]);
  if (!(OBJECTIVE_NAMES as readonly unknown[]).includes(c.objective)) bad('objective', `must be one of ${OBJECTIVE_NAMES.join(', ')}`, c.objective);
  for (const [name, rule] of Object.entries(NUMBER_RULES) as [NumericSetting, NumberRule][]) {
    if (!obeys(rule, c[name])) bad(name, `must be ${describeRule(rule)}`, c[name]);
  }
  for (const [key, validate] of [['model', validateConfig], ['text', validateTextEncoderConfig]] as const) {
    const value = c[key];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(key, 'must be an object', value);
    try {
      validate(value as Record<string, unknown>);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      throw new UserError(`${file}: "${key}": ${err.message}`);
    }
  }
  if (c.latent !== undefined) {
    const problem = checkLatentSpace(c.latent);
    if (problem) throw new UserError(`${file}: ${problem}`);
  }
  if (c.timesteps !== undefined) checkTimesteps(c.timesteps as { m: number; s: number }, (f) => `${file}: "timesteps.${f}"`);
  if (c.negatives !== undefined) {
    const n = c.negatives as { swaps?: unknown; weight?: unknown };
    const pair = (p: unknown) => Array.isArray(p) && p.length === 2 && p.every((w) => typeof w === 'string' && w !== '');
    if (!Array.isArray(n?.swaps) || n.swaps.length === 0 || !n.swaps.every(pair)) bad('negatives.swaps', 'must be a list of [word, word] pairs', n?.swaps);
    if (!obeys({ min: 0, minExclusive: true }, n.weight)) bad('negatives.weight', 'must be a finite number > 0', n.weight);
  }
  if (c.initFrom !== undefined) {
    const i = c.initFrom as { checkpoint?: unknown; step?: unknown };
    if (typeof i?.checkpoint !== 'string' || !obeys({ integer: true, min: 0 }, i.step)) bad('initFrom', 'must be {"checkpoint": PATH, "step": N}', c.initFrom);
  }
  if (c.evaluation !== undefined) {
    const e = c.evaluation as Partial<TrainingEvaluation> | null;
    const ok = typeof e === 'object' && e !== null && typeof e.suite === 'string' && e.suite !== '';
    if (!ok || !obeys({ integer: true, min: 1 }, e.every) || !obeys({ integer: true, min: 0 }, e.keepFrames) || !obeys({ integer: true, min: 1 }, e.perCategory)) {
      bad('evaluation', 'must be {"every": N ≥ 1, "suite": NAME, "keepFrames": K ≥ 0, "perCategory": M ≥ 1}', c.evaluation);
    }
    if (e!.sizes !== undefined && checkClipSizes(e!.sizes)) bad('evaluation.sizes', 'must be a non-empty list of {"width", "height", "frames"} (positive integers)', e!.sizes);
  }
  if (c.buckets !== undefined) {
    const positive = (v: unknown) => obeys({ integer: true, min: 1 }, v);
    const ok = Array.isArray(c.buckets) && c.buckets.length > 0 && c.buckets.every((b: Partial<Bucket>) => positive(b?.width) && positive(b?.height) && positive(b?.frames) && obeys({ min: 0, minExclusive: true }, b?.ratio));
    if (!ok) bad('buckets', 'must be a list of {"width", "height", "frames", "ratio"} (positive)', c.buckets);
  }
  return c as unknown as TrainConfig;
}

// ---------------------------------------------------------------- a checkpoint's saved state

/** The data cursor saved in a checkpoint's state.json, checked against the dataset it indexes. */
export function checkCursor(value: unknown, file: string, datasetLength: number): BatchCursor {
  const c = value as Partial<BatchCursor> | null;
  const ok = typeof c === 'object' && c !== null && !Array.isArray(c) && Number.isSafeInteger(c.epoch) && c.epoch! >= 0 && Number.isSafeInteger(c.position) && c.position! >= 0;
  if (!ok) throw new UserError(`${file}: "state.cursor" must be {"epoch": N, "position": N} with non-negative integers, got ${JSON.stringify(value)?.slice(0, 60)}`);
  if (c.position! > datasetLength) {
    throw new UserError(`${file}: "state.cursor.position" ${c.position} is past the dataset's ${datasetLength} clips (was the dataset changed since?)`);
  }
  return { epoch: c.epoch!, position: c.position! };
}
