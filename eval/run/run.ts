/**
 * One evaluation run: inputs (a suite's prompts through a checkpoint, or a folder of
 * anyone's videos) → per-video scores → tables, Fréchet distances and provenance, written
 * as one folder in the `spacetime-eval/v1` layout (eval/FORMAT.md). Inputs come one video at
 * a time: each is decoded (or generated and round-tripped through its MP4), scored, written
 * and let go before the next, so memory does not grow with the folder. The folder is built
 * under a temporary name beside DIR and renamed into place (run-folder.ts), so a failed run
 * never leaves a half-written run.json. A `counterfactual` suite's pairs are checked after
 * scoring (counterfactual.ts: run.json `counterfactual`).
 *
 *   const result = await runEvaluation({ suite: 'gravity-id', checkpoint: 'models/default', out: 'evals/gravity-id' });
 *   const result = await runEvaluation({ suite: 'all-ood', checkpoint: 'runs/fc', keepFrames: 4, out: 'evals/fc/all-ood' });   // PhyWorld's protocol
 *   const result = await runEvaluation({ videos: 'exports/ood', out: 'evals/ood-truth' });
 *   result.run.headline.abnormal_rate
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import { checkWritableFile } from '../../base/io/atomic.js';
import { disposePipeline, loadPipeline } from '../../src/infer/pipeline.js';
import { givenFrameGroup, pixelModel } from '../../src/model/latent-space.js';
import type { DiTConfig } from '../../src/model/config.js';
import { onnxRuntimeFor, type RuntimeName } from '../../src/onnx/runtime.js';
import { estimatePalette } from '../parse/palette.js';
import { PHYSIQ_CONVENTIONS, type PhysiqConventions } from '../physiq/masks.js';
import { createScorer, METRIC_NAMES } from '../score.js';
import { resolveSuite, type Suite } from '../suites/suites.js';
import type { VideoInput, VideoScore } from '../types.js';
import { checkPairs, pairClip, type PairClip } from './counterfactual.js';
import { FrechetCollector, type VideoFeatures } from './frechet-features.js';
import { generateSuiteInputs, resolveGenerateSettings } from './generate.js';
import { listVideoFolder, loadFolderInput, type BadInput, type EvalInput } from './inputs.js';
import { codeVersion } from '../../src/provenance/code-version.js';
import { RunFolder } from './run-folder.js';
import { RUN_FORMAT, VIDEO_FLAG_COLUMNS, VIDEO_ID_COLUMNS, type CategoryRow, type GenerateSettings, type RunJson, type VideoRow } from './run-schema.js';
import { categoryRows, headline, metricColumns, skippedMetrics, toCsv, videoRow, type RowInput } from './tables.js';

export { FRECHET_RESAMPLES, type FrechetSummary } from './frechet-features.js';

/**
 * Videos the `--palette estimate` colours are clustered from: the run's first ones (held until
 * then). Enough pixels to find every colour of a suite many times over; bounded, so a folder
 * of any size is still read one video at a time.
 */
export const PALETTE_SAMPLE = 256;

export interface EvalOptions {
  /** Suite name (eval/suites); required with a checkpoint, optional with a folder of videos. */
  suite?: string;
  /** At most this many prompts per category. */
  limit?: number;
  checkpoint?: string;
  videos?: string;
  out: string;
  /** Seeds 1..K per prompt (checkpoint only). */
  seeds?: number;
  /**
   * PhyWorld's protocol (checkpoint only, a model trained with --frame-conditioning): each
   * prompt's first K true frames (its ground truth rendered at the model's size) are given to
   * the model, and the comparisons with the truth measure the frames it generated (K and
   * later). Without it the run is text-only and those comparisons are skipped (score.ts TEXT_ONLY).
   */
  keepFrames?: number;
  /**
   * How a --videos folder's clips were made: from their first K true frames (K ≥ 1, scored as
   * a keepFrames run), or from text alone (0). Default: not known, compared with the truth as
   * before (PhyWorld's 3 condition frames).
   */
  givenFrames?: number;
  /** The clip size the model generates the suite at (checkpoint only; default the model's): its ground truth is rendered at it too. */
  clip?: { frames: number; height: number; width: number };
  generate?: Partial<GenerateSettings>;
  /** What runs the networks: tfjs (default) or onnxruntime-node (src/onnx/runtime.ts). */
  runtime?: RuntimeName;
  /**
   * Compute the Physics-IQ metrics (default true). They render and re-simulate the truth for
   * every video and dominate scoring time (seconds per video against ~0.1 s for the rest).
   */
  physicsIq?: boolean;
  /** Physics-IQ's arithmetic: `exact` (default) or `official` (DeepMind's code's conventions, eval/physiq/official.ts). */
  physiq?: PhysiqConventions;
  /**
   * The colours to parse with: the world's palette (default), or one estimated by colour
   * clustering from the videos themselves (eval/parse/palette.ts) — for generators that draw
   * in colours of their own; the colour attribute is then not judged.
   */
  palette?: 'world' | 'estimate';
  /** The per-video scorer; default eval/score.ts's scoring session. */
  scorer?: (input: VideoInput) => VideoScore;
  /** Progress lines (stage, done, total). */
  onProgress?: (stage: 'generate' | 'score' | 'write', done: number, total: number) => void;
}

export interface EvalResult {
  out: string;
  run: RunJson;
  videos: VideoRow[];
  categories: CategoryRow[];
  /** 0 every input scored, 2 some inputs skipped (listed in run.bad_inputs). */
  exitCode: 0 | 2;
}

/** Refuse early (before any work) an --out that is a file or a folder of something else. */
function checkOut(out: string): void {
  if (!fs.existsSync(out)) {
    try {
      checkWritableFile(out); // its folder can be made: no file in the way (renamed into place like a file)
    } catch (err) {
      throw err instanceof UserError ? new UserError(err.message, 1) : err;
    }
    return;
  }
  if (!fs.statSync(out).isDirectory()) throw new UserError(`--out ${out} is a file, not a folder`, 1);
  const entries = fs.readdirSync(out);
  if (entries.length > 0 && !entries.includes('run.json')) {
    throw new UserError(`--out ${out} is a non-empty folder that is not an evaluation run; choose another folder`, 1);
  }
}

export async function runEvaluation(options: EvalOptions): Promise<EvalResult> {
  const t0 = performance.now();
  checkOptions(options);
  const suite: Suite | null = options.suite ? resolveSuite(options.suite, { limit: options.limit }) : null;
  if (!suite && options.limit !== undefined) throw new UserError('--limit needs --suite', 1);
  const inputs = options.checkpoint ? await generatedInputs(options, suite!) : folderInputs(options, suite);
  const { source, first, colors } = await withPalette(inputs.source, options.palette ?? 'world');

  // ---- scores, written as they come
  const tScore = performance.now();
  const physicsIq = options.physicsIq ?? true;
  const physiq = options.physiq ?? 'exact';
  // One session: the seeds of a prompt share its truth's render and second take. K true frames
  // given (or declared): compared with the truth from frame K; none: text-only, not compared.
  const keepFrames = options.checkpoint ? options.keepFrames ?? 0 : options.givenFrames;
  const scorer = options.scorer ?? createScorer({ physicsIq, physiq, colors, reference: keepFrames !== 0, givenFrames: keepFrames || undefined });
  const folder = new RunFolder(options.out);
  const collector = new FrechetCollector();
  try {
    const pairs = suite?.items.some((i) => i.counterfactual) ? { clips: [] as PairClip[], keepFrames } : null;
    const { kept, scoreBad } = await scoreInputs([first, source], { scorer, folder, collector, suite, pairs, total: inputs.total, readBad: inputs.readBad, onProgress: options.onProgress });
    const scored = keepCommonShape(kept, inputs.readBad, folder);
    const bad = [...inputs.readBad.sort((a, b) => (a.row ?? 0) - (b.row ?? 0)), ...scoreBad];
    if (scored.length === 0) {
      const firstBad = bad[0];
      const where = firstBad ? `${firstBad.file}${firstBad.row ? ` line ${firstBad.row}` : ''}: ${firstBad.reason}` : 'no videos';
      throw new UserError(`nothing to evaluate: ${where}${bad.length > 1 ? ` (and ${bad.length - 1} more bad inputs)` : ''}`, 1);
    }
    const seeds = inputs.seeds ?? [...new Set(scored.map((k) => k.input.seed))].sort((a, b) => a - b);
    const metrics = metricColumns(METRIC_NAMES, scored.map((k) => k.score));
    const videos = scored.map(({ input, score }) => videoRow(input, score, metrics));
    const categories = categoryRows(videos, metrics);
    const frechet = await collector.summaries(scored.map((k) => k.features), suite?.name ?? path.basename(path.resolve(options.out)));
    const skipped = { ...skippedMetrics(scored.map((k) => k.score), metrics), ...frechet.skipped };
    const scoreSeconds = (performance.now() - tScore) / 1000 - inputs.timing.read;

    const head = headline(videos, metrics);
    for (const [name, r] of Object.entries(frechet.results)) head[name] = r.fd;
    const run: RunJson = {
      format: RUN_FORMAT,
      name: path.basename(path.resolve(options.out)),
      suite: suite
        ? { name: suite.name, version: suite.version, split: suite.split, categories: suite.categories, prompts: suite.items.length, limit: options.limit ?? null }
        : null,
      source: inputs.runSource,
      seeds,
      ...(keepFrames !== undefined ? { keep_frames: keepFrames } : {}),
      code: codeVersion(),
      scoring: {
        physics_iq: physicsIq,
        physiq,
        palette: colors ? { background: colors.background, colors: colors.rays.map((r) => ({ name: r.name, rgb: r.rgb, occluder: r.occluder })) } : 'world',
      },
      created: new Date().toISOString(),
      timings: { generate_s: round(inputs.timing.generate), read_s: round(inputs.timing.read), score_s: round(scoreSeconds), total_s: 0 },
      headline: head,
      frechet: frechet.results,
      skipped_metrics: skipped,
      bad_inputs: bad,
      ...(pairs && { counterfactual: checkPairs(pairs.clips.filter((c) => scored.some((k) => k.input.id === c.id)), keepFrames) }),
    };
    const videoColumns = [...VIDEO_ID_COLUMNS, ...metrics, ...VIDEO_FLAG_COLUMNS];
    const categoryColumns = ['category', 'split', 'videos', ...metrics, 'abnormal_rate', 'joint_accuracy'];
    folder.commit([
      ['videos.csv', () => toCsv(videos, videoColumns)],
      ['videos.json', () => JSON.stringify({ rows: videos }, null, 1) + '\n'],
      ['categories.csv', () => toCsv(categories, categoryColumns)],
      ['categories.json', () => JSON.stringify({ rows: categories }, null, 1) + '\n'],
      ['run.json', () => {
        run.timings.total_s = round((performance.now() - t0) / 1000);
        return JSON.stringify(run, null, 2) + '\n';
      }],
    ]);
    return { out: options.out, run, videos, categories, exitCode: bad.length > 0 ? 2 : 0 };
  } catch (err) {
    folder.abort();
    throw err;
  } finally {
    collector.dispose();
  }
}

/** Every option checked before any work. */
function checkOptions(options: EvalOptions): void {
  if (!!options.checkpoint === !!options.videos) throw new UserError('give exactly one of --checkpoint PATH or --videos DIR', 1);
  if (options.checkpoint && !options.suite) throw new UserError('--checkpoint needs --suite NAME (the prompts to generate)', 1);
  const seedsK = options.seeds ?? 1;
  if (!Number.isInteger(seedsK) || seedsK < 1 || seedsK > 64) throw new UserError(`--seeds must be an integer in [1, 64], got ${seedsK}`, 1);
  if (options.videos && options.seeds !== undefined) throw new UserError('--seeds applies to --checkpoint only (a folder brings its own videos)', 1);
  if (options.palette !== undefined && options.palette !== 'world' && options.palette !== 'estimate') {
    throw new UserError(`--palette must be world or estimate, got "${String(options.palette)}"`, 1);
  }
  if (options.physiq !== undefined && !PHYSIQ_CONVENTIONS.includes(options.physiq)) {
    throw new UserError(`--physiq must be ${PHYSIQ_CONVENTIONS.join(' or ')}, got "${String(options.physiq)}"`, 1);
  }
  checkFrameFlags(options);
  checkOut(options.out);
}

/**
 * A run's inputs as a source that hands over one video (or bad row) at a time, so a folder of
 * any size is read, scored and written one video after another (memory: about one video).
 */
interface Inputs {
  source: AsyncIterable<EvalInput | BadInput>;
  total: number;
  runSource: RunJson['source'];
  /** The generation seeds; null for a folder (its videos' own seeds, found when scored). */
  seeds: number[] | null;
  readBad: BadInput[];
  /** Seconds spent generating, and reading a folder's files (counted as they are read). */
  timing: { generate: number; read: number };
}

/** The suite's prompts through the checkpoint (generated and round-tripped through MP4 up front). */
async function generatedInputs(options: EvalOptions, suite: Suite): Promise<Inputs> {
  const t0 = performance.now();
  const checkpoint = options.checkpoint!;
  if (!fs.existsSync(checkpoint)) throw new UserError(`checkpoint ${checkpoint} not found`, 1);
  const pipe = loadPipeline(checkpoint);
  let onnx: ReturnType<typeof onnxRuntimeFor> | undefined;
  let settings: GenerateSettings;
  let generated: (EvalInput | null)[];
  const seeds = Array.from({ length: options.seeds ?? 1 }, (_, k) => k + 1);
  try {
    const model = pixelModel(pipe.config);
    const clip = options.clip ?? { frames: model.frames, height: model.height, width: model.width };
    if (options.keepFrames !== undefined) checkKeepFrames(options.keepFrames, { ...model, frames: clip.frames }, givenFrameGroup(pipe.config), checkpoint);
    onnx = options.runtime === 'onnx' ? onnxRuntimeFor(pipe, options.clip) : undefined;
    pipe.runtime = onnx;
    settings = resolveGenerateSettings(pipe, options.generate);
    generated = await generateSuiteInputs(pipe, suite, seeds, settings, options.keepFrames ?? 0, (d, n) => options.onProgress?.('generate', d, n), clip);
  } finally {
    // Freed however generation ends (a refused --keep-frames too): a notebook or test loads the next model.
    onnx?.dispose();
    disposePipeline(pipe);
  }
  // A shipped model folder has no step (-1): say so rather than record a fake one.
  const runSource: RunJson['source'] = { kind: 'checkpoint', path: checkpoint, config: pipe.config, ...(pipe.step >= 0 ? { step: pipe.step } : {}), generate: settings, ...(onnx ? { runtime: 'onnx' as const } : {}) };
  const source = (async function* () {
    for (let k = 0; k < generated.length; k++) {
      yield generated[k]!;
      generated[k] = null; // scored and written: let it go
    }
  })();
  return { source, total: generated.length, runSource, seeds, readBad: [], timing: { generate: (performance.now() - t0) / 1000, read: 0 } };
}

/** A folder's videos, read one at a time as they are scored. */
function folderInputs(options: EvalOptions, suite: Suite | null): Inputs {
  const listed = listVideoFolder(options.videos!, suite);
  const timing = { generate: 0, read: 0 };
  const source = (async function* () {
    for (const row of listed.rows) {
      const t = performance.now();
      const loaded = await loadFolderInput(listed.folder!, row);
      timing.read += (performance.now() - t) / 1000;
      yield loaded;
    }
  })();
  return { source, total: listed.rows.length, runSource: { kind: 'videos', path: options.videos!, config: null, generate: null }, seeds: null, readBad: [...listed.bad], timing };
}

/** The world's palette, or one estimated from the first PALETTE_SAMPLE videos (held in `first` until scored). */
async function withPalette(
  source: AsyncIterable<EvalInput | BadInput>,
  palette: 'world' | 'estimate',
): Promise<{ source: AsyncIterable<EvalInput | BadInput>; first: (EvalInput | BadInput)[]; colors?: ReturnType<typeof estimatePalette>['colors'] }> {
  if (palette === 'world') return { source, first: [] };
  const iterator = source[Symbol.asyncIterator]();
  const first: (EvalInput | BadInput)[] = [];
  const sample: EvalInput[] = [];
  while (sample.length < PALETTE_SAMPLE) {
    const next = await iterator.next();
    if (next.done) break;
    first.push(next.value);
    if (!('reason' in next.value)) sample.push(next.value);
  }
  const colors = sample.length > 0 ? estimatePalette(sample.map((i) => i.video)).colors : undefined;
  return { source: { [Symbol.asyncIterator]: () => iterator }, first, colors };
}

/** A scored video as the run keeps it: what the tables need, not the frames or the state. */
interface Kept {
  input: RowInput;
  sourceFile: string | null;
  score: VideoScore;
  shape: string;
  row: number | undefined;
  features: VideoFeatures;
}

/** Score each input as it comes and write its files; bad rows go to `readBad`, unscoreable videos to `scoreBad`. */
async function scoreInputs(
  sources: [(EvalInput | BadInput)[], AsyncIterable<EvalInput | BadInput>],
  ctx: {
    scorer: (input: VideoInput) => VideoScore;
    folder: RunFolder;
    collector: FrechetCollector;
    suite: Suite | null;
    /** A counterfactual suite's pair outcomes, collected before each video's tracks are let go. */
    pairs: { clips: PairClip[]; keepFrames: number | undefined } | null;
    total: number;
    readBad: BadInput[];
    onProgress?: EvalOptions['onProgress'];
  },
): Promise<{ kept: Kept[]; scoreBad: BadInput[] }> {
  const kept: Kept[] = [];
  const scoreBad: BadInput[] = [];
  const pairOf = new Map(ctx.suite?.items.map((i) => [i.promptId, i.counterfactual]) ?? []);
  let done = 0;
  const take = async (input: EvalInput) => {
    let score: VideoScore;
    try {
      score = ctx.scorer({ video: input.video, caption: input.caption, truth: input.truth?.state ?? null });
    } catch (err) {
      if (!(err instanceof UserError || err instanceof RangeError)) throw err;
      scoreBad.push({ file: input.sourceFile ?? input.id, reason: `cannot be scored: ${err.message}` });
      return;
    }
    const shape = `${input.video.numFrames}×${input.video.height}×${input.video.width}`;
    await ctx.folder.writeInput(input, score, ctx.suite ? `${input.promptId}/${shape}` : input.id);
    const features = await ctx.collector.add(input, score);
    const pair = pairOf.get(input.promptId);
    if (ctx.pairs && pair && input.truth) ctx.pairs.clips.push(pairClip(pair, input, score.tracks, input.truth.state, ctx.pairs.keepFrames));
    // Written to tracks/ID.json and summarised in `features`: the run need not hold them.
    score.tracks = [];
    score.truthTracks = null;
    const { id, promptId, seed, category, split, family, caption } = input;
    kept.push({ input: { id, promptId, seed, category, split, family, caption, hasTruth: !!input.truth }, sourceFile: input.sourceFile, score, shape, row: input.row, features });
  };
  const [first, rest] = sources;
  ctx.onProgress?.('score', 0, ctx.total); // the stage's clock starts now, not at its first video
  for (const item of first) {
    if ('reason' in item) ctx.readBad.push(item);
    else await take(item);
    ctx.onProgress?.('score', ++done, ctx.total);
  }
  first.length = 0;
  for await (const item of rest) {
    if ('reason' in item) ctx.readBad.push(item);
    else await take(item);
    ctx.onProgress?.('score', ++done, ctx.total);
  }
  return { kept, scoreBad };
}

/** One run compares like with like: every video the size and length most of them have (the rest become bad inputs). */
function keepCommonShape(kept: Kept[], readBad: BadInput[], folder: RunFolder): Kept[] {
  const counts = new Map<string, number>();
  for (const k of kept) counts.set(k.shape, (counts.get(k.shape) ?? 0) + 1);
  const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  return kept.filter((k) => {
    if (k.shape === common) return true;
    readBad.push({ file: k.sourceFile ?? '', row: k.row, reason: `is ${k.shape} (frames×height×width) but most videos of the folder are ${common}` });
    folder.removeInput(k.input.id);
    return false;
  });
}

const round = (s: number) => Math.round(s * 1000) / 1000;

/** --keep-frames is for a model, --given-frames for a folder; both whole numbers (before any work). */
function checkFrameFlags(options: EvalOptions): void {
  const { keepFrames, givenFrames } = options;
  if (keepFrames !== undefined) {
    if (options.videos) throw new UserError('--keep-frames gives a model true frames, so it needs --checkpoint (a folder of videos made that way: --given-frames K)', 1);
    if (!Number.isInteger(keepFrames) || keepFrames < 1) throw new UserError(`--keep-frames must be a whole number of frames, at least 1, got ${keepFrames}`, 1);
  }
  if (givenFrames !== undefined) {
    if (options.checkpoint) throw new UserError('--given-frames says how a folder\'s videos were made, so it needs --videos (to give a model frames: --keep-frames K)', 1);
    if (!Number.isInteger(givenFrames) || givenFrames < 0) throw new UserError(`--given-frames must be a whole number of frames (0: made from text alone), got ${givenFrames}`, 1);
  }
}

/** The model takes given frames and its clips have frames left to generate after K. */
function checkKeepFrames(keepFrames: number, model: DiTConfig, group: number, checkpoint: string): void {
  if (!model.frameConditioning) throw new UserError(`--keep-frames: ${checkpoint} is text-only (not trained with --frame-conditioning), so it cannot be given frames`, 1);
  if (keepFrames >= model.frames) throw new UserError(`--keep-frames ${keepFrames} leaves nothing to generate: the model's clips have ${model.frames} frames (give 1 to ${model.frames - 1})`, 1);
  if (keepFrames % group) throw new UserError(`--keep-frames ${keepFrames}: ${checkpoint} is a latent model trained without --frame-hints and takes given frames in groups of ${group} (its VAE's tubelet)`, 1);
}
