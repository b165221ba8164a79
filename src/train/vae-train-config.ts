/**
 * A video-autoencoder run's settings: saved as its config.json and in every checkpoint,
 * checked with the DiT run's rules (train-config.ts NUMBER_RULES) for the settings both have.
 *
 *   const config = readVaeRunConfig('runs/vae'); // "runs/vae/config.json: "lr" must be …"
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import { validateVaeConfig, type VaeConfig } from '../model/vae-config.js';
import { describeRule, NUMBER_RULES, obeys, type NumericSetting, type OptimisationSettings } from './train-config.js';
import { formatBuckets, parseBuckets, type Bucket } from './buckets.js';

export interface VaeTrainConfig extends OptimisationSettings {
  /** The VAE preset the run started from (tiny, small). */
  preset: string;
  vae: VaeConfig;
  /** λ of the loss MSE(x̂, x) + λ·mean(z²): keeps the latents bounded (what a KL term would). */
  latentPenalty: number;
  /**
   * β of the temporal term β·MSE(Δx̂, Δx), Δ the difference of consecutive frames: the motion the
   * harness measures velocities from (0 = off; absent in runs from before it existed).
   */
  temporalWeight: number;
  /** The shipped VAE folder a run started from (--init), and its weights' sha256. */
  initFrom?: { vae: string; sha256: string };
  /**
   * Bucketed training (--buckets, as the DiT's: src/train/buckets.ts): clips of several sizes
   * and lengths, `data` holding one dataset per bucket. Absent: the config's clip only.
   */
  buckets?: Bucket[];
}

/** The numeric settings a VAE run shares with a DiT run (same flags, same ranges). */
const SHARED: NumericSetting[] = ['steps', 'batchSize', 'lr', 'warmup', 'weightDecay', 'clipNorm', 'emaDecay', 'seed', 'checkpointEvery', 'keepCheckpoints'];

/** What the shipped VAE trained with (models/vae/MODEL_CARD.md); 200 steps are a few minutes on two cores. */
export const VAE_TRAIN_DEFAULTS = {
  batchSize: 16,
  lr: 1e-3,
  warmup: 100,
  weightDecay: 0,
  clipNorm: 1,
  emaDecay: 0.999,
  seed: 0,
  checkpointEvery: 200,
  keepCheckpoints: 3,
  latentPenalty: 1e-4,
  temporalWeight: 0,
};

/** A run's config.json, every field checked (unknown keys refused); a DiT run's is refused by name. */
export function readVaeRunConfig(runDir: string): VaeTrainConfig {
  const file = path.join(runDir, 'config.json');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`cannot read the run's ${file}: ${e.code ?? e.message.split('\n')[0]}`);
  }
  return validateVaeTrainConfig(raw, file);
}

export function validateVaeTrainConfig(raw: unknown, file: string): VaeTrainConfig {
  const bad = (field: string, problem: string, value: unknown): never => {
    throw new UserError(`${file}: "${field}" ${problem}, got ${JSON.stringify(value)?.slice(0, 60)}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError(`${file}: not a JSON object`);
  if (!('vae' in raw)) throw new UserError(`${file}: not a video-autoencoder run (no "vae" config)`);
  const c: Record<string, unknown> = { temporalWeight: 0, ...(raw as Record<string, unknown>) };
  const known = ['preset', 'vae', 'data', 'latentPenalty', 'temporalWeight', 'initFrom', 'buckets', ...SHARED];
  for (const key of Object.keys(c)) if (!known.includes(key)) throw new UserError(`${file}: unknown key "${key}"`);
  for (const key of ['preset', 'data'] as const) if (typeof c[key] !== 'string' || c[key] === '') bad(key, 'must be a non-empty string', c[key]);
  for (const name of SHARED) if (!obeys(NUMBER_RULES[name], c[name])) bad(name, `must be ${describeRule(NUMBER_RULES[name])}`, c[name]);
  if (!obeys({ min: 0 }, c.latentPenalty)) bad('latentPenalty', 'must be a finite number ≥ 0', c.latentPenalty);
  if (!obeys({ min: 0 }, c.temporalWeight)) bad('temporalWeight', 'must be a finite number ≥ 0', c.temporalWeight);
  if (c.initFrom !== undefined) {
    const i = c.initFrom as { vae?: unknown; sha256?: unknown } | null;
    if (typeof i?.vae !== 'string' || typeof i.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(i.sha256)) bad('initFrom', 'must be {"vae": FOLDER, "sha256": 64 hex digits}', c.initFrom);
  }
  if (c.buckets !== undefined) {
    const list = c.buckets as Bucket[];
    try {
      if (!Array.isArray(list) || list.length === 0) throw new UserError('not a list');
      parseBuckets(formatBuckets(list)); // the same checks as --buckets
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      bad('buckets', 'must be a non-empty list of {"width", "height", "frames", "ratio"} as --buckets takes them', c.buckets);
    }
  }
  if (typeof c.vae !== 'object' || c.vae === null || Array.isArray(c.vae)) bad('vae', 'must be an object', c.vae);
  try {
    validateVaeConfig(c.vae as Record<string, unknown>);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    throw new UserError(`${file}: "vae": ${err.message}`);
  }
  return c as unknown as VaeTrainConfig;
}
