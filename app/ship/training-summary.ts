/**
 * What a shipped model says about the run it came from (training.json in the model
 * folder, and the model card's numbers): steps, samples seen, time, losses, the data's
 * selection, the machine, and the commands that reproduce it.
 *
 *   const summary = summarizeTraining('runs/default', 6000, { backend: 'native' });
 *   summary.loss.smoothed   // mean loss of the last 100 steps
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import { CHECKPOINTS_DIR, checkpointName } from '../../src/model/checkpoint.js';
import { isModelFolder, MODEL_FILES } from '../../src/model/model-folder.js';
import { formatSwaps } from '../../src/text/swaps.js';
import { TRAIN_DEFAULTS, type TrainConfig } from '../../src/train/train-config.js';
import { bucketDir, formatBuckets } from '../../src/train/buckets.js';
import { clipSizeLabel } from '../../src/model/clip-sizes.js';
import { isStepLine, type EvalMetrics, type StepMetrics } from '../../src/train/step-metrics.js';

/** Steps at which the card reports the (smoothed) loss, where the run reached them. */
const MILESTONES = [1, 100, 250, 500, 1000, 2000, 3000, 4000, 5000, 6000, 8000, 10000, 20000, 50000];
/** The smoothed loss is the mean over this many steps ending at the step. */
const SMOOTHING = 100;

export interface TrainingSummary {
  run: string;
  /** The checkpoint the weights came from, and its step. */
  checkpoint: string;
  step: number;
  preset: string;
  objective: string;
  batchSize: number;
  samplesSeen: number;
  lr: number;
  warmup: number;
  emaDecay: number;
  captionDropout: number;
  seed: number;
  /** Sum of the per-step times in metrics.jsonl (forward, backward, update; no checkpoint or sample writing). */
  stepSeconds: number;
  /**
   * From writing config.json to writing the checkpoint (file times), so it includes
   * checkpoints and preview samples; null when the times make no sense (a copied run).
   * A resumed run rewrites config.json, so this then counts from the last resume.
   */
  wallSeconds: number | null;
  loss: {
    final: number;
    /** Mean of the last SMOOTHING steps. */
    smoothed: number;
    smoothingSteps: number;
    milestones: { step: number; loss: number }[];
  };
  data: {
    path: string;
    /** The dataset manifest's `source` (the `data make` selection), when the manifest is there. */
    source: Record<string, unknown> | null;
    samples: number | null;
    /** A bucketed run's datasets, one per bucket (DATA/WIDTHxHEIGHTxFRAMES); `source` and `samples` above are its first's and the sum. */
    buckets?: { path: string; source: Record<string, unknown> | null; samples: number | null }[];
  };
  hardware: { cpu: string; cores: number; platform: string; backend: string; node: string };
  /** Commands that rebuild the data and rerun the training. */
  reproduce: { data: string | null; train: string };
  /** The training timesteps' logit-normal when the run set one (else the objective's default). */
  timesteps: { m: number; s: number } | null;
  /** Hard-negative captions (`--negatives`), when the run trained with them; its loss then includes their weighted hinge. */
  negatives: { swaps: string; weight: number } | null;
  /** Whether the leg trained a model that takes given frames (`--frame-conditioning`); absent in summaries from before. */
  frameConditioning?: boolean;
  /** The leg's last training-time evaluation (`--eval-every`), if it ran any up to `step`. */
  lastEvaluation?: EvalMetrics | null;
  /** With `--eval-sizes`: every line of that last evaluation, one per clip size (absent otherwise). */
  lastEvaluations?: EvalMetrics[];
  /** The run this one started from (`--init`), summarised up to the step it was taken at; null for a fresh start. */
  earlier: TrainingSummary | null;
}

/** The run's legs in training order: the earliest `--init` ancestor first, this run last. */
export function trainingLegs(summary: TrainingSummary): TrainingSummary[] {
  return summary.earlier ? [...trainingLegs(summary.earlier), summary] : [summary];
}

/** Read a run's config.json and metrics.jsonl up to `step` and summarise them. */
export function summarizeTraining(runDir: string, step: number, options: { backend: string }): TrainingSummary {
  const config = JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8')) as TrainConfig;
  const lines = fs
    .readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepMetrics | EvalMetrics)
    .filter((m) => m.step <= step);
  const evaluations = lines.filter((m): m is EvalMetrics => !isStepLine(m));
  const last = evaluations.at(-1);
  const metrics = lines.filter(isStepLine);
  const byStep = new Map(metrics.map((m) => [m.step, m.loss]));
  const meanBefore = (at: number) => {
    const xs: number[] = [];
    for (let s = Math.max(1, at - SMOOTHING + 1); s <= at; s++) if (byStep.has(s)) xs.push(byStep.get(s)!);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const checkpoint = path.join(runDir, CHECKPOINTS_DIR, checkpointName(step));
  const datasets = runDatasets(config);
  const samples = datasets.every((d) => d.samples !== null) ? datasets.reduce((sum, d) => sum + d.samples!, 0) : null;
  const dataCommands = datasets.every((d) => d.source) ? datasets.map((d) => dataCommand(d.source!, d.path)).join('\n') : null;
  const cpus = os.cpus();
  return {
    run: runDir,
    checkpoint,
    step,
    preset: config.preset,
    objective: config.objective,
    batchSize: config.batchSize,
    // Each step's batch is samples_per_s · seconds: exact even for a run whose batch size changed on a resume.
    samplesSeen: metrics.reduce((sum, m) => sum + Math.round(m.samples_per_s * m.seconds), 0),
    lr: config.lr,
    warmup: config.warmup,
    emaDecay: config.emaDecay,
    captionDropout: config.captionDropout,
    seed: config.seed,
    stepSeconds: metrics.reduce((sum, m) => sum + m.seconds, 0),
    wallSeconds: wallSeconds(path.join(runDir, 'config.json'), path.join(checkpoint, 'manifest.json')),
    loss: {
      final: byStep.get(step) ?? NaN,
      smoothed: meanBefore(step),
      smoothingSteps: SMOOTHING,
      milestones: [...MILESTONES.filter((s) => s < step && byStep.has(s)), step].map((s) => ({ step: s, loss: s === 1 ? byStep.get(1)! : meanBefore(s) })),
    },
    data: { path: config.data, source: datasets[0].source, samples, ...(config.buckets && { buckets: datasets }) },
    hardware: { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, platform: `${os.platform()} ${os.arch()}`, backend: options.backend, node: process.version },
    reproduce: { data: dataCommands, train: trainCommand(config, runDir) },
    timesteps: config.timesteps ?? null,
    negatives: config.negatives ? { swaps: formatSwaps(config.negatives.swaps), weight: config.negatives.weight } : null,
    frameConditioning: config.model.frameConditioning ?? false,
    lastEvaluation: last ?? null,
    ...(last?.eval.clip !== undefined && { lastEvaluations: evaluations.filter((e) => e.step === last.step) }),
    earlier: config.initFrom ? summarizeEarlierLeg(runDir, config.initFrom, options) : null,
  };
}

/**
 * The leg a run started from with --init: its run folder must still be there, or the card could
 * not count its samples; a shipped model folder carries its own legs (training.json).
 */
function summarizeEarlierLeg(runDir: string, from: { checkpoint: string; step: number }, options: { backend: string }): TrainingSummary {
  if (isModelFolder(from.checkpoint)) {
    const file = path.join(from.checkpoint, MODEL_FILES.training);
    if (!fs.existsSync(file)) throw new UserError(`${runDir} started from the model folder ${from.checkpoint} (--init), which has no ${MODEL_FILES.training}: the training summary needs every leg`);
    const shipped = JSON.parse(fs.readFileSync(file, 'utf8')) as TrainingSummary;
    // Shipped from this very run since (a second ship into the folder it started from): its legs before this one.
    if (path.resolve(shipped.run) === path.resolve(runDir)) {
      if (!shipped.earlier) throw new UserError(`${file} names ${runDir} itself and no earlier leg: the legs before it are lost`);
      return shipped.earlier;
    }
    return shipped;
  }
  const earlier = path.dirname(path.dirname(from.checkpoint));
  if (!fs.existsSync(path.join(earlier, 'config.json')) || !fs.existsSync(path.join(earlier, 'metrics.jsonl'))) {
    throw new UserError(`${runDir} started from ${from.checkpoint} (--init), but that run's config.json and metrics.jsonl are gone: the training summary needs every leg`);
  }
  return summarizeTraining(earlier, from.step, options);
}

function wallSeconds(start: string, end: string): number | null {
  if (!fs.existsSync(start) || !fs.existsSync(end)) return null;
  const seconds = (fs.statSync(end).mtimeMs - fs.statSync(start).mtimeMs) / 1000;
  return seconds > 0 ? seconds : null;
}

/** A run's datasets (a bucketed run's: one per bucket) with their manifests' `source` and clip count, where the manifest is there. */
export function runDatasets(config: Pick<TrainConfig, 'data' | 'buckets'>): { path: string; source: Record<string, unknown> | null; samples: number | null }[] {
  const dirs = config.buckets ? config.buckets.map((b) => bucketDir(config.data, b)) : [config.data];
  return dirs.map((dir) => {
    const file = path.join(dir, 'manifest.json');
    const manifest = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { source?: Record<string, unknown>; numSamples?: number }) : null;
    return { path: dir, source: manifest?.source ?? null, samples: manifest?.numSamples ?? null };
  });
}

/** The `data make` selections of every dataset a model saw: each leg's (each bucket's), where recorded. */
export function trainingSources(summary: TrainingSummary): Record<string, unknown>[] {
  return trainingLegs(summary)
    .flatMap((leg) => leg.data.buckets?.map((b) => b.source) ?? [leg.data.source])
    .filter((s): s is Record<string, unknown> => s !== null);
}

/** The `spacetime data make` command of a dataset manifest's source. */
export function dataCommand(source: Record<string, unknown>, out: string): string {
  const families = Array.isArray(source.families) && source.families.length === 7 ? 'all' : (source.families as string[] | undefined)?.join(',');
  const args = [`--families ${families}`, `--split ${source.split}`, `--n ${source.n}`, `--seed ${source.seed}`];
  if (source.width !== 32 || source.height !== 32) args.push(source.width === source.height ? `--size ${source.width}` : `--size ${source.width}x${source.height}`);
  if (source.numFrames !== 16) args.push(`--frames ${source.numFrames}`);
  if (source.fps !== 10) args.push(`--fps ${source.fps}`);
  return `npx spacetime data make ${args.join(' ')} --out ${out}`;
}

/** A path as a command line here would name it: relative to the working folder when inside it. */
function shownPath(p: string): string {
  const relative = path.relative(process.cwd(), p);
  return path.isAbsolute(p) && relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : p;
}

/** The `spacetime train` command that reproduces a run's config (non-default flags spelled out; the tracked evaluation in full). */
export function trainCommand(config: TrainConfig, out: string): string {
  const args = [`--preset ${config.preset}`, `--data ${config.data}`, `--steps ${config.steps}`, `--out ${out}`];
  if (config.objective !== TRAIN_DEFAULTS.objective) args.splice(1, 0, `--objective ${config.objective}`);
  if (config.initFrom) args.push(`--init ${config.initFrom.checkpoint}`);
  if (config.latent) args.push(`--latent ${shownPath(config.latent.vae)}`);
  if (config.model.frameConditioning) args.push('--frame-conditioning');
  if (config.model.frameHints) args.push('--frame-hints');
  const e = config.evaluation;
  if (e) args.push(`--eval-every ${e.every} --eval-suite ${e.suite} --eval-keep-frames ${e.keepFrames} --eval-per-category ${e.perCategory}${e.sizes ? ` --eval-sizes ${e.sizes.map(clipSizeLabel).join(',')}` : ''}`);
  if (config.timesteps) args.push(`--logit-mean ${config.timesteps.m} --logit-std ${config.timesteps.s}`);
  if (config.negatives) args.push(`--negatives ${formatSwaps(config.negatives.swaps)} --negative-weight ${config.negatives.weight}`);
  if (config.buckets) args.push(`--buckets ${formatBuckets(config.buckets)}`);
  const flags: [string, number][] = [
    ['batch-size', config.batchSize],
    ['lr', config.lr],
    ['warmup', config.warmup],
    ['checkpoint-every', config.checkpointEvery],
    ['sample-every', config.sampleEvery],
    ['caption-dropout', config.captionDropout],
    ['seed', config.seed],
  ];
  const defaults: Record<string, number> = {
    'batch-size': TRAIN_DEFAULTS.batchSize,
    lr: TRAIN_DEFAULTS.lr,
    warmup: TRAIN_DEFAULTS.warmup,
    'checkpoint-every': TRAIN_DEFAULTS.checkpointEvery,
    'sample-every': TRAIN_DEFAULTS.sampleEvery,
    'caption-dropout': TRAIN_DEFAULTS.captionDropout,
    seed: -1, // always spelled out
  };
  for (const [flag, value] of flags) if (value !== defaults[flag]) args.push(`--${flag} ${value}`);
  return `npx spacetime train ${args.join(' ')}`;
}
