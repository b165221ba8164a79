/**
 * One evaluation run: inputs (a suite's prompts through a checkpoint, or a folder of
 * anyone's videos) → per-video scores → tables, Fréchet distances and provenance, written
 * as one folder in the `spacetime-eval/v1` layout (eval/FORMAT.md). The folder is built
 * under a temporary name beside DIR and renamed into place, so a failed run never leaves a
 * half-written run.json.
 *
 *   const result = await runEvaluation({ suite: 'gravity-id', checkpoint: 'models/default', out: 'evals/gravity-id' });
 *   const result = await runEvaluation({ videos: 'exports/ood', out: 'evals/ood-truth' });
 *   result.run.headline.abnormal_rate
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../src/errors.js';
import { fsyncDir, writeFileSynced } from '../../src/io/atomic.js';
import { loadPipeline } from '../../src/pipeline/text-to-video.js';
import { onnxRuntimeFor, type RuntimeName } from '../../src/onnx/runtime.js';
import { encodeMp4, type Video } from '../../src/video/index.js';
import { pixelFeatures } from '../encoder/pixel-features.js';
import { ENCODER_CLIP, ENCODER_VERSION, ENCODER_WEIGHTS_FILE, ensureEncoderBackend, loadVideoEncoder } from '../encoder/video-encoder.js';
import { frechetWithInterval, type FrechetResult } from '../frechet/frechet.js';
import { motionFeatures } from '../frechet/motion-features.js';
import { createScorer, METRIC_NAMES } from '../score.js';
import { estimatePalette } from '../parse/palette.js';
import { PHYSIQ_CONVENTIONS, type PhysiqConventions } from '../physiq/masks.js';
import { resolveSuite, type Suite } from '../suites/suites.js';
import type { VideoInput, VideoScore } from '../types.js';
import { generateSuiteInputs, resolveGenerateSettings, type GenerateSettings } from './generate.js';
import { readVideoFolder, type BadInput, type EvalInput } from './inputs.js';
import { codeVersion, type CodeVersion } from './provenance.js';
import {
  VIDEO_FLAG_COLUMNS,
  VIDEO_ID_COLUMNS,
  categoryRows,
  headline,
  metricColumns,
  skippedMetrics,
  toCsv,
  videoRow,
  type CategoryRow,
  type VideoRow,
} from './tables.js';

export const RUN_FORMAT = 'spacetime-eval/v1';
/** Bootstrap resamples of each Fréchet interval. */
export const FRECHET_RESAMPLES = 200;

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

export interface FrechetSummary extends FrechetResult {
  features: string;
}

export interface RunJson {
  format: typeof RUN_FORMAT;
  name: string;
  suite: { name: string; version: number; split: string; categories: string[]; prompts: number; limit: number | null } | null;
  /** runtime: present ('onnx') only when onnxruntime-node ran the networks instead of tfjs. */
  source: { kind: 'checkpoint' | 'videos'; path: string; config: unknown; step?: number; generate: GenerateSettings | null; runtime?: 'onnx' };
  seeds: number[];
  code: CodeVersion;
  /**
   * How the videos were scored: Physics-IQ metrics on or off and their conventions (absent in
   * runs made before `--physiq`, which were exact); the world's palette or the one estimated.
   */
  scoring: { physics_iq: boolean; physiq?: PhysiqConventions; palette: 'world' | { background: readonly number[]; colors: { name: string; rgb: readonly number[]; occluder: boolean }[] } };
  created: string;
  /** generate_s: generating (checkpoint); read_s: decoding the folder and rendering its truth (videos). */
  timings: { generate_s: number; read_s: number; score_s: number; total_s: number };
  headline: Record<string, number>;
  frechet: Record<string, FrechetSummary>;
  skipped_metrics: Record<string, string>;
  bad_inputs: BadInput[];
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
  if (!fs.existsSync(out)) return;
  if (!fs.statSync(out).isDirectory()) throw new UserError(`--out ${out} is a file, not a folder`, 1);
  const entries = fs.readdirSync(out);
  if (entries.length > 0 && !entries.includes('run.json')) {
    throw new UserError(`--out ${out} is a non-empty folder that is not an evaluation run; choose another folder`, 1);
  }
}

export async function runEvaluation(options: EvalOptions): Promise<EvalResult> {
  const t0 = performance.now();
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
  checkOut(options.out);
  const suite: Suite | null = options.suite ? resolveSuite(options.suite, { limit: options.limit }) : null;
  if (!suite && options.limit !== undefined) throw new UserError('--limit needs --suite', 1);

  // ---- inputs
  let inputs: EvalInput[];
  let bad: BadInput[] = [];
  let source: RunJson['source'];
  let seeds: number[];
  const tGenerate = performance.now();
  if (options.checkpoint) {
    if (!fs.existsSync(options.checkpoint)) throw new UserError(`checkpoint ${options.checkpoint} not found`, 1);
    const pipe = loadPipeline(options.checkpoint);
    const onnx = options.runtime === 'onnx' ? onnxRuntimeFor(pipe) : undefined;
    pipe.runtime = onnx;
    const settings = resolveGenerateSettings(pipe, options.generate);
    seeds = Array.from({ length: seedsK }, (_, k) => k + 1);
    inputs = generateSuiteInputs(pipe, suite!, seeds, settings, (d, n) => options.onProgress?.('generate', d, n));
    onnx?.dispose();
    pipe.net.dit.dispose();
    pipe.net.encoder.dispose();
    // A shipped model folder has no step (-1): say so rather than record a fake one.
    source = { kind: 'checkpoint', path: options.checkpoint, config: pipe.config, ...(pipe.step >= 0 ? { step: pipe.step } : {}), generate: settings, ...(onnx ? { runtime: 'onnx' as const } : {}) };
  } else {
    ({ inputs, bad } = await readVideoFolder(options.videos!, suite));
    seeds = [...new Set(inputs.map((i) => i.seed))].sort((a, b) => a - b);
    source = { kind: 'videos', path: options.videos!, config: null, generate: null };
  }
  const generateSeconds = (performance.now() - tGenerate) / 1000;

  // ---- scores
  const tScore = performance.now();
  const physicsIq = options.physicsIq ?? true;
  const physiq = options.physiq ?? 'exact';
  const palette = options.palette ?? 'world';
  const colors = palette === 'estimate' && inputs.length ? estimatePalette(inputs.map((i) => i.video)).colors : undefined;
  // One session: the seeds of a prompt share its truth's render and second take.
  const scorer = options.scorer ?? createScorer({ physicsIq, physiq, colors });
  const scored: { input: EvalInput; score: VideoScore }[] = [];
  inputs.forEach((input, k) => {
    try {
      scored.push({ input, score: scorer({ video: input.video, caption: input.caption, truth: input.truth?.state ?? null }) });
    } catch (err) {
      if (!(err instanceof UserError || err instanceof RangeError)) throw err;
      bad.push({ file: input.sourceFile ?? input.id, reason: `cannot be scored: ${err.message}` });
    }
    options.onProgress?.('score', k + 1, inputs.length);
  });
  if (scored.length === 0) {
    const first = bad[0];
    const where = first ? `${first.file}${first.row ? ` line ${first.row}` : ''}: ${first.reason}` : 'no videos';
    throw new UserError(`nothing to evaluate: ${where}${bad.length > 1 ? ` (and ${bad.length - 1} more bad inputs)` : ''}`, 1);
  }
  const metrics = metricColumns(METRIC_NAMES, scored.map((s) => s.score));
  const videos = scored.map(({ input, score }) => videoRow(input, score, metrics));
  const categories = categoryRows(videos, metrics);
  const frechet = await frechetSummaries(scored, suite?.name ?? path.basename(path.resolve(options.out)));
  const skipped = { ...skippedMetrics(scored.map((s) => s.score), metrics), ...frechet.skipped };
  const scoreSeconds = (performance.now() - tScore) / 1000;

  const head = headline(videos, metrics);
  for (const [name, r] of Object.entries(frechet.results)) head[name] = r.fd;
  const run: RunJson = {
    format: RUN_FORMAT,
    name: path.basename(path.resolve(options.out)),
    suite: suite
      ? { name: suite.name, version: suite.version, split: suite.split, categories: suite.categories, prompts: suite.items.length, limit: options.limit ?? null }
      : null,
    source,
    seeds,
    code: codeVersion(),
    scoring: {
      physics_iq: physicsIq,
      physiq,
      palette: colors ? { background: colors.background, colors: colors.rays.map((r) => ({ name: r.name, rgb: r.rgb, occluder: r.occluder })) } : 'world',
    },
    created: new Date().toISOString(),
    timings: { generate_s: options.checkpoint ? round(generateSeconds) : 0, read_s: options.checkpoint ? 0 : round(generateSeconds), score_s: round(scoreSeconds), total_s: 0 },
    headline: head,
    frechet: frechet.results,
    skipped_metrics: skipped,
    bad_inputs: bad,
  };
  await writeRunFolder(options.out, run, scored, videos, categories, metrics, (d, n) => options.onProgress?.('write', d, n), t0);
  return { out: options.out, run, videos, categories, exitCode: bad.length > 0 ? 2 : 0 };
}

/**
 * Fréchet distances of the run's videos against their ground truth: `fd_encoder` on the
 * trained video encoder's features (eval/encoder/video-encoder.ts; 32×32×16 clips only),
 * `fd_pixel` on the fixed pixel features (eval/encoder/pixel-features.ts: kept because it is
 * bit-identical on every backend and machine and reads any clip size), `fvmd` on track
 * velocity/acceleration histograms. Each needs at least two prompts with ground truth;
 * otherwise it is listed as skipped, with why.
 */
async function frechetSummaries(scored: { input: EvalInput; score: VideoScore }[], seed: string): Promise<{ results: Record<string, FrechetSummary>; skipped: Record<string, string> }> {
  const results: Record<string, FrechetSummary> = {};
  const skipped: Record<string, string> = {};
  const withTruth = scored.filter((s) => s.input.truth);
  // Truth renders are shared by the seeds of a prompt: count each once. The bootstrap
  // resamples prompts, taking a prompt's generated videos and its truth together.
  const unique = new Map(withTruth.map((s) => [s.input.promptId, s.input.truth!.video]));
  const groups = { a: withTruth.map((s) => s.input.promptId), b: [...unique.keys()] };
  const options = (name: string) => ({ seed: `${seed}/${name}`, resamples: FRECHET_RESAMPLES, groups });
  if (withTruth.length < 2) {
    for (const name of ['fd_encoder', 'fd_pixel', 'fvmd']) skipped[name] = 'needs ground truth for at least two videos';
    return { results, skipped };
  }
  if (unique.size < 2) {
    for (const name of ['fd_encoder', 'fd_pixel']) skipped[name] = 'needs ground truth for at least two prompts';
  } else {
    const odd = [...withTruth.map((s) => s.input.video), ...unique.values()].find((v) => !isEncoderClip(v));
    if (odd) {
      skipped.fd_encoder = `the video encoder reads ${ENCODER_CLIP.width}×${ENCODER_CLIP.height} clips of ${ENCODER_CLIP.numFrames} frames; this run has ${odd.width}×${odd.height} with ${odd.numFrames} frames`;
    } else {
      const backend = await ensureEncoderBackend();
      const encoder = loadVideoEncoder();
      try {
        const generated = encoder.features(withTruth.map((s) => s.input.video));
        const reference = encoder.features([...unique.values()]);
        const features = `${ENCODER_VERSION} (${ENCODER_WEIGHTS_FILE} sha256:${encoder.sha256.slice(0, 12)}, ${encoder.config.featureDim}-d, backend ${backend})`;
        results.fd_encoder = { features, ...frechetWithInterval(generated, reference, options('encoder')) };
      } finally {
        encoder.dispose();
      }
    }
    const generated = withTruth.map((s) => pixelFeatures(s.input.video));
    const reference = [...unique.values()].map((v) => pixelFeatures(v));
    results.fd_pixel = { features: 'pixel-features/v1 (eval/encoder/pixel-features.ts)', ...frechetWithInterval(generated, reference, options('pixel')) };
  }
  const tracked = withTruth.filter((s) => s.score.truthTracks);
  if (tracked.length >= 2) {
    const fps = (s: (typeof tracked)[number]) => s.input.video.fps;
    const gen = tracked.map((s) => motionFeatures(s.score.tracks, fps(s)));
    const uniqueTracks = new Map(tracked.map((s) => [s.input.promptId, motionFeatures(s.score.truthTracks!, fps(s))]));
    const trackGroups = { a: tracked.map((s) => s.input.promptId), b: [...uniqueTracks.keys()] };
    if (uniqueTracks.size >= 2) {
      results.fvmd = { features: 'motion-histograms/v1 (eval/frechet/motion-features.ts)', ...frechetWithInterval(gen, [...uniqueTracks.values()], { ...options('motion'), groups: trackGroups }) };
    } else skipped.fvmd = 'needs true tracks for at least two prompts';
  } else skipped.fvmd = 'needs true tracks (from the scorer) for at least two videos';
  return { results, skipped };
}

const isEncoderClip = (v: Video) => v.numFrames === ENCODER_CLIP.numFrames && v.height === ENCODER_CLIP.height && v.width === ENCODER_CLIP.width;

async function writeRunFolder(
  out: string,
  run: RunJson,
  scored: { input: EvalInput; score: VideoScore }[],
  videos: VideoRow[],
  categories: CategoryRow[],
  metrics: string[],
  onFile: (done: number, total: number) => void,
  t0: number,
): Promise<void> {
  const parent = path.dirname(path.resolve(out));
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(path.resolve(out))}.tmp-`));
  try {
    fs.chmodSync(tmp, 0o755); // mkdtemp makes it private; a run folder is an ordinary one
    for (const sub of ['videos', 'truth', 'tracks']) fs.mkdirSync(path.join(tmp, sub));
    const write = (rel: string, data: string | Uint8Array) => writeFileSynced(path.join(tmp, rel), data);
    const truthBytes = new Map<string, Uint8Array>(); // one encode per prompt: its seeds share the truth
    for (let k = 0; k < scored.length; k++) {
      const { input, score } = scored[k];
      write(`videos/${input.id}.mp4`, input.sourceFile ? fs.readFileSync(input.sourceFile) : await encodeMp4(input.video));
      if (input.truth) {
        const key = `${input.promptId}/${input.truth.video.numFrames}x${input.truth.video.height}x${input.truth.video.width}`;
        if (!truthBytes.has(key)) truthBytes.set(key, await encodeMp4(input.truth.video));
        write(`truth/${input.id}.mp4`, truthBytes.get(key)!);
      }
      write(`tracks/${input.id}.json`, JSON.stringify({ generated: score.tracks, truth: score.truthTracks }) + '\n');
      onFile(k + 1, scored.length);
    }
    const videoColumns = [...VIDEO_ID_COLUMNS, ...metrics, ...VIDEO_FLAG_COLUMNS];
    const categoryColumns = ['category', 'split', 'videos', ...metrics, 'abnormal_rate', 'joint_accuracy'];
    write('videos.csv', toCsv(videos, videoColumns));
    write('videos.json', JSON.stringify({ rows: videos }, null, 1) + '\n');
    write('categories.csv', toCsv(categories, categoryColumns));
    write('categories.json', JSON.stringify({ rows: categories }, null, 1) + '\n');
    run.timings.total_s = round((performance.now() - t0) / 1000);
    write('run.json', JSON.stringify(run, null, 2) + '\n'); // last: a folder with run.json is complete
    fsyncDir(tmp);
    replaceFolder(tmp, out);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Move a finished folder to `out`, replacing an earlier run there (never a half-state under `out`). */
function replaceFolder(tmp: string, out: string): void {
  if (fs.existsSync(out)) {
    const old = `${tmp}.old`;
    fs.renameSync(out, old);
    fs.renameSync(tmp, out);
    fs.rmSync(old, { recursive: true, force: true });
  } else fs.renameSync(tmp, out);
  fsyncDir(path.dirname(path.resolve(out)));
}

const round = (s: number) => Math.round(s * 1000) / 1000;
