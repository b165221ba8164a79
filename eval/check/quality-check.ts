/**
 * The model quality check (a small stand-in until the evaluation harness exists): generate
 * one video for each of N held-out `id` prompts and measure, against each prompt's world
 * sample, whether every prompted object's colour is present and whether every moving
 * object moves in the prompted direction (eval/check/quality-measures.ts).
 *
 *   const result = runQualityCheck(loadPipeline('models/default'), { n: 50, seed: 1 });
 *   result.rates   // { color: 0.96, motion: 0.85 }
 *   result.passed  // colour ≥ 90% and motion ≥ 80%
 *
 * Held-out prompts. A world sample is a pure function of (seed, split, family, index)
 * (datasets/world/sample.ts), and `data make` gives sample i of a selection the family
 * families[i mod F] and the index ⌊i / F⌋ within it (datasets/selection.ts requestAt). The
 * default model's data, `data make --families all --split id --n 20000 --seed 0`, so used
 * indices 0…2857 of each family. The check takes seed 0 and indices from 1,000,000 on: the
 * same generator and split, never a scene the model was trained on (any `data make` of
 * fewer than 7,000,000 samples leaves them out; `assertHeldOut` checks a run's data).
 * Captions come from templates, so a held-out prompt's wording may equal a training
 * caption's; the scene (sizes, positions, speeds) it must be rendered for does not.
 */
import { FAMILIES, type Family, type Split, type WorldSampleMeta } from '../../datasets/world/spec.js';
import { makeSample } from '../../datasets/world/sample.js';
import { UserError } from '../../base/errors.js';
import type { Video } from '../../base/video/index.js';
import { measureQuality, type QualityMeasures } from './quality-measures.js';
import { generateBatch, type Pipeline } from '../../src/infer/pipeline.js';
import { modelClip } from '../../src/model/latent-space.js';
import { resolveGenerateSettings, samplingRequest } from '../run/generate.js';

export const CHECK_FORMAT = 'spacetime-model-check';

/**
 * The settings the brief fixes for the check: 50 prompts, seed 1, sampled as `generate` samples by
 * default — the model folder's own sampling settings (config.json `generation`), else
 * GENERATE_DEFAULTS (resolved as an eval run resolves them: eval/run/generate.ts).
 */
export const CHECK_DEFAULTS = { n: 50, seed: 1 };
/** Pass marks: share of videos with every colour present / every motion right. */
export const CHECK_REQUIRED = { color: 0.9, motion: 0.8 };
/** Where the held-out prompts come from (see the file comment). */
export const HELD_OUT = { split: 'id' as Split, seed: 0, firstIndex: 1_000_000, families: [...FAMILIES] as Family[] };
/** Videos sampled per batch (each with its own prompt and the check's seed). */
const BATCH = 10;

export interface CheckOptions {
  n?: number;
  seed?: number;
  steps?: number;
  guidance?: number;
  sampler?: string;
  /** SD3's time shift of the sampler's grid; defaults to the model's own (1 when it names none). */
  shift?: number;
  /** The guidance method and interval; default the model's own (plain CFG when it names none). */
  guidanceMethod?: string;
  guidanceInterval?: [number, number];
  /**
   * The clip size to check at (a bucketed model at each of its trained sizes): the held-out
   * scenes are rendered, and the videos generated, at it. Default: the model's own clip.
   */
  size?: { width: number; height: number };
  frames?: number;
  /** Called after each batch with the number of videos done. */
  onProgress?: (done: number, total: number) => void;
}

export interface CheckedVideo extends QualityMeasures {
  name: string;
  family: Family;
  caption: string;
}

export interface QualityCheckResult {
  format: typeof CHECK_FORMAT;
  version: 1;
  /** The model folder or checkpoint checked. */
  model: string;
  /** guidanceMethod (and guidanceInterval) named only when not plain CFG, as in run.json. */
  settings: { n: number; seed: number; steps: number; guidance: number; sampler: string; shift: number; guidanceMethod?: string; guidanceInterval?: [number, number]; frames: number; height: number; width: number };
  heldOut: typeof HELD_OUT;
  counts: { videos: number; colorOk: number; motionVideos: number; motionOk: number };
  /** colorOk / videos and motionOk / motionVideos (videos with a measurable motion). */
  rates: { color: number; motion: number };
  required: typeof CHECK_REQUIRED;
  passed: boolean;
  videos: CheckedVideo[];
}

/** The n held-out world samples at the model's clip size: families in turn, indices from HELD_OUT.firstIndex. */
export function heldOutSamples(n: number, clip: { frames: number; height: number; width: number }): { frames: Uint8Array; meta: WorldSampleMeta }[] {
  const { families, split, seed, firstIndex } = HELD_OUT;
  return Array.from({ length: n }, (_, k) =>
    makeSample({ family: families[k % families.length], split, seed, index: firstIndex + Math.floor(k / families.length), numFrames: clip.frames, height: clip.height, width: clip.width }),
  );
}

/** Throw when a `data make` selection (a dataset manifest's `source`) could contain a held-out sample. */
export function assertHeldOut(source: { seed?: unknown; split?: unknown; n?: unknown; families?: unknown }): void {
  const families = Array.isArray(source.families) ? source.families.length : FAMILIES.length;
  const perFamily = Math.ceil(Number(source.n) / families);
  if (source.seed === HELD_OUT.seed && source.split === HELD_OUT.split && !(perFamily <= HELD_OUT.firstIndex)) {
    throw new UserError(`the training data (seed ${source.seed}, n ${String(source.n)}) reaches index ${perFamily - 1} of a family, overlapping the check's held-out indices from ${HELD_OUT.firstIndex}`);
  }
}

/** Generate one video per held-out prompt and score them all. */
export function runQualityCheck(pipe: Pipeline, options: CheckOptions = {}): QualityCheckResult {
  const n = options.n ?? CHECK_DEFAULTS.n;
  const seed = options.seed ?? CHECK_DEFAULTS.seed;
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--n must be a positive integer, got ${n}`);
  const settings = resolveGenerateSettings(pipe, options); // the options given, else the model folder's, else generate's
  const own = modelClip(pipe.config); // in pixels: a latent model's grid times its VAE's tubelet
  const frames = options.frames ?? own.frames;
  const { height, width } = options.size ?? own;
  const samples = heldOutSamples(n, { frames, height, width });
  const videos: Video[] = [];
  for (let first = 0; first < samples.length; first += BATCH) {
    const batch = samples.slice(first, first + BATCH);
    videos.push(...generateBatch(pipe, { prompts: batch.map((s) => s.meta.caption), seeds: batch.map(() => seed), frames, height, width, ...samplingRequest(settings) }));
    options.onProgress?.(videos.length, samples.length);
  }
  return scoreCheck(
    videos,
    samples.map((s) => s.meta),
    { model: pipe.checkpoint, settings: { n, seed, ...settings, frames, height, width } },
  );
}

/** Score videos against their samples' truth and aggregate (also what the tests run on true renders). */
export function scoreCheck(videos: Video[], truths: WorldSampleMeta[], about: Pick<QualityCheckResult, 'model' | 'settings'>): QualityCheckResult {
  const scored: CheckedVideo[] = videos.map((video, k) => ({
    name: truths[k].name,
    family: truths[k].spec.family,
    caption: truths[k].caption,
    ...measureQuality(video, truths[k]),
  }));
  const counts = {
    videos: scored.length,
    colorOk: scored.filter((v) => v.colorOk).length,
    motionVideos: scored.filter((v) => v.motionOk !== null).length,
    motionOk: scored.filter((v) => v.motionOk === true).length,
  };
  const rates = { color: counts.colorOk / counts.videos, motion: counts.motionVideos ? counts.motionOk / counts.motionVideos : 0 };
  return {
    format: CHECK_FORMAT,
    version: 1,
    ...about,
    heldOut: HELD_OUT,
    counts,
    rates,
    required: CHECK_REQUIRED,
    passed: rates.color >= CHECK_REQUIRED.color && rates.motion >= CHECK_REQUIRED.motion,
    videos: scored,
  };
}

/** The check's verdict in a few lines, as the CLI prints it. */
export function formatCheck(result: QualityCheckResult): string[] {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const line = (what: string, ok: number, of: number, rate: number, required: number) =>
    `${what.padEnd(18)} ${ok}/${of} videos = ${pct(rate)} (required ≥ ${pct(required)}) ${rate >= required ? 'pass' : 'FAIL'}`;
  return [
    line('colour present', result.counts.colorOk, result.counts.videos, result.rates.color, result.required.color),
    line('moves as prompted', result.counts.motionOk, result.counts.motionVideos, result.rates.motion, result.required.motion),
    `quality check ${result.passed ? 'passed' : 'FAILED'}`,
  ];
}
