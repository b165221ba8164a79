/**
 * Everything a run needs before its first step: its config (a new run's options merged over
 * the defaults, or a resumed run's config.json), the checkpoint it starts from (--resume,
 * --resume-from, --init), its dataset (checked against the model and the batch size), the
 * network, optimizer and EMA with their weights restored, the batch stream at its saved
 * cursor, and metrics.jsonl trimmed to the step it continues from.
 *
 *   const run = setupRun({ preset: 'tiny', data: 'data/id', steps: 200, out: 'runs/tiny' });
 *   // … run.step steps are done; train until run.config.steps, then:
 *   closeRun(run);
 */
import fs from 'node:fs';
import path from 'node:path';
import type { WorldDataset } from '../../datasets/shards.js';
import { UserError } from '../../base/errors.js';
import { ensureWritableDir, writeFileAtomic } from '../../base/io/atomic.js';
import { createObjective, type Objective, type ObjectiveName } from '../diffusion/objective.js';
import { resolveConfig, validateConfig, type DiTConfig } from '../model/config.js';
import { latentModelConfig, pixelModel, givenFrameGroup, modelClip, type LatentSpace } from '../model/latent-space.js';
import { clipSizeLabel, trainedSizes } from '../model/clip-sizes.js';
import { latentNetwork, openModelCodec } from '../model/vae-codec.js';
import { readVaeFolder, vaeLineage } from '../model/vae-folder.js';
import type { VideoCodec } from '../model/video-codec.js';
import { buildVideoModel, type VideoModel } from '../model/video-model.js';
import { widenPatchEmbedding } from '../model/frame-conditioning.js';
import { isModelFolder, readModelFolder } from '../model/model-folder.js';
import { latestCheckpoint, listCheckpoints, loadCheckpoint, pickCheckpoint, pointLatestAt, restoreVariables, verifyCheckpoint, type LoadedCheckpoint } from '../model/checkpoint.js';
import { resolveTextEncoderConfig, validateTextEncoderConfig } from '../text/config.js';
import { AdamW } from './adamw.js';
import type { BatchCursor, BatchStream } from './batches.js';
import { BucketStream, openRunData, runBatches, type BucketCursor } from './buckets.js';
import { Ema } from './ema.js';
import { claimRunFolder, openMetrics, restoreTrainingState } from './run-state.js';
import { checkCursor, checkSettings, checkTimesteps, readRunConfig, TRAIN_DEFAULTS, type TrainConfig } from './train-config.js';

export interface RunOptions extends Partial<Omit<TrainConfig, 'model' | 'text' | 'latent'>> {
  preset: string;
  data: string;
  steps: number;
  out: string;
  /** Continue the run in `out` from its latest checkpoint (from step 0 when it has none yet). */
  resume?: boolean;
  /** Continue the run in `out` from this checkpoint: a step number or one of RUN/checkpoints/step-N (implies resume). */
  resumeFrom?: string;
  /**
   * Start from this checkpoint's weights and EMA (a fine-tune or a second leg with new
   * settings) with a fresh optimizer, step 0 and this run's schedule; its model and text
   * encoder configs are kept.
   */
  init?: string;
  /**
   * A new run's model takes given frames (multi-task: frame-masks.ts). With --init from a
   * text-only model, its patch embedding is widened with zero columns (the same model to start).
   */
  frameConditioning?: boolean;
  /**
   * A latent model with frame conditioning (new, or --init from one) also learns partly given
   * latent frames as hints (frame-masks.ts `givenFramesWithHints`): any frames can be given.
   */
  frameHints?: boolean;
  /**
   * Train on this VAE folder's latents (latent mode, latent-space.ts): the preset's model moved
   * onto the VAE's latent grid, each batch encoded by the VAE as it is drawn. Recorded in the
   * run's config (the folder as an absolute path, and its weights' sha256).
   */
  latent?: string;
  /** One-line notes (resuming from step 0, a missing checkpoint replaced by an earlier one); default: stderr. */
  note?: (line: string) => void;
}

/** A run set up to train: what a step reads and updates. */
export interface Run {
  runDir: string;
  config: TrainConfig;
  objective: Objective;
  /** The run's dataset (a bucketed run's: its first bucket's, for previews). */
  dataset: WorldDataset;
  batches: BatchStream | BucketStream;
  net: VideoModel;
  opt: AdamW;
  ema: Ema;
  /** The steps already done: 0, or the resumed checkpoint's step. */
  step: number;
  /** The checkpoint resumed from ('' when none). */
  checkpoint: string;
  /** metrics.jsonl, open for appending. */
  metricsFd: number;
  /** What the DiT denoises: PIXELS, or the run's VAE. */
  codec: VideoCodec;
}

export function setupRun(options: RunOptions): Run {
  const runDir = options.out;
  const note = options.note ?? ((line: string) => console.error(`note: ${line}`));
  const { config, initial, resumed } = runConfig(options, note);
  const objective = createObjective(config.objective, config.timesteps); // an unknown name fails before anything is written
  checkEvaluation(config);
  const codec = openModelCodec(config, '.', runDir);
  const { datasets, cursor } = openDatasets(config, resumed, codec);
  ensureWritableDir(runDir);
  writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  // Continuing from a checkpoint picked by hand makes it the run's latest (a later --resume starts there too).
  if (resumed && options.resumeFrom !== undefined) pointLatestAt(runDir, resumed.path);

  const net = buildVideoModel(config.model, config.text, config.seed);
  const opt = new AdamW(net.params, { lr: config.lr, weightDecay: config.weightDecay });
  const ema = new Ema(net.params, config.emaDecay);
  if (initial) {
    restoreVariables(net.params, widenPatchEmbedding(initial.params, config.model, initial.path), 'model');
    restoreVariables(ema.shadow, widenPatchEmbedding(initial.ema ?? initial.params, config.model, initial.path), 'EMA');
  }
  if (resumed) restoreTrainingState(resumed, { params: net.params, opt, ema });
  const step = resumed?.step ?? 0;
  const batches = runBatches(datasets, config.buckets, { batchSize: config.batchSize, seed: config.seed, cursor });
  return { runDir, config, objective, dataset: datasets[0], batches, net, opt, ema, step, checkpoint: resumed?.path ?? '', metricsFd: openMetrics(runDir, step), codec };
}

/**
 * A tracked evaluation the model can carry out: given frames only to a model that takes them,
 * fewer than its clip, and for a latent model without frame hints in whole latent frames.
 */
function checkEvaluation(config: TrainConfig): void {
  const { evaluation, model } = config;
  if (!evaluation) return;
  const { frames } = modelClip(config);
  const k = givenFrameGroup(config);
  if (evaluation.keepFrames > 0 && !model.frameConditioning) throw new UserError('--eval-keep-frames needs a model that takes given frames (--frame-conditioning)');
  if (evaluation.keepFrames >= frames) throw new UserError(`--eval-keep-frames must be below the model's ${frames} frames, got ${evaluation.keepFrames}`);
  if (evaluation.keepFrames % k) throw new UserError(`--eval-keep-frames must be a multiple of ${k} for a latent model without --frame-hints (its VAE's tubelet), got ${evaluation.keepFrames}`);
  const trained = trainedSizes(config).map(clipSizeLabel);
  for (const size of evaluation.sizes ?? []) {
    if (!trained.includes(clipSizeLabel(size))) throw new UserError(`--eval-sizes: ${clipSizeLabel(size)} is not a size this run trains at (${trained.join(', ')})`);
    if (evaluation.keepFrames >= size.frames) throw new UserError(`--eval-keep-frames must be below every --eval-sizes clip's frames (${clipSizeLabel(size)}), got ${evaluation.keepFrames}`);
  }
}

/** Close the metrics file and free the run's tensors and dataset. */
export function closeRun(run: Run): void {
  fs.closeSync(run.metricsFd);
  run.opt.dispose();
  run.ema.dispose();
  run.net.dit.dispose();
  run.net.encoder.dispose();
  run.codec.dispose?.();
  if (run.batches instanceof BucketStream) for (const ds of run.batches.datasets) ds.close();
  else run.dataset.close();
}

/**
 * The run's config and the checkpoint it starts from: a resumed run's config.json (only
 * --steps taken from the options) and checkpoint, or a new run's options over the defaults
 * and, with --init, the checkpoint whose weights it starts from.
 */
function runConfig(options: RunOptions, note: (line: string) => void): { config: TrainConfig; initial?: LoadedCheckpoint; resumed?: LoadedCheckpoint } {
  const runDir = options.out;
  const resuming = Boolean(options.resume) || options.resumeFrom !== undefined;
  claimRunFolder(runDir, resuming);
  if (resuming && options.init) throw new UserError('--init starts a new run and --resume continues one: pass one of them');
  checkSettings(options);
  checkTimesteps(options.timesteps);

  if (resuming) {
    const config = { ...readRunConfig(runDir, TRAIN_DEFAULTS), steps: options.steps };
    const from = options.resumeFrom !== undefined ? pickCheckpoint(runDir, options.resumeFrom) : latestCheckpoint(runDir, note);
    if (from && options.resumeFrom !== undefined) return { config, resumed: loadPickedCheckpoint(runDir, from) };
    if (from) return { config, resumed: loadCheckpoint(from) };
    // Killed before its first checkpoint: the same run from step 0 (bit-identical to a fresh start).
    note(`${runDir} has no checkpoint yet: starting it from step 0 with its config.json`);
    return { config, initial: config.initFrom ? loadInitCheckpoint(config.initFrom.checkpoint, config.preset, config.initFrom.step) : undefined };
  }
  const initial = options.init ? loadInitCheckpoint(options.init, options.preset) : undefined;
  const { model, latent } = initial ? initialSpace(initial, options.latent, note) : newSpace(options.preset, options.latent);
  const config = {
    ...TRAIN_DEFAULTS,
    ...stripUndefined(options),
    ...(initial && { objective: initialObjective(initial, options.objective) }),
    preset: options.preset,
    model: {
      ...model,
      ...(options.frameConditioning ? { frameConditioning: true } : {}),
      ...(options.frameHints ? { frameHints: true } : {}),
    },
    text: initial ? (initial.config as TrainConfig).text : resolveTextEncoderConfig(options.preset),
    latent,
    data: options.data,
    steps: options.steps,
    ...(initial ? { initFrom: { checkpoint: initial.path, step: initial.step } } : {}),
  } as TrainConfig;
  for (const key of ['note', 'out', 'resume', 'resumeFrom', 'init', 'frameConditioning', 'frameHints'] as const) delete (config as unknown as Record<string, unknown>)[key];
  if (!latent) delete config.latent;
  if (options.frameHints && !(latent && config.model.frameConditioning)) {
    throw new UserError('--frame-hints needs a latent model (--latent, or --init from one) that takes given frames (--frame-conditioning)');
  }
  return { config, initial };
}

/**
 * A run started with --init keeps its checkpoint's objective: the network's output means what that
 * objective predicts (x̂0, velocity, v), so another one would train its last layers over from a wrong
 * start (a pixel model of x-prediction continued as rectified flow began at 50× its loss and was
 * still at 5× after 1,700 steps). Left out, --objective is the checkpoint's; named otherwise, refused.
 */
function initialObjective(initial: LoadedCheckpoint, requested: ObjectiveName | undefined): ObjectiveName {
  const trained = (initial.config as TrainConfig).objective;
  if (requested !== undefined && requested !== trained) {
    throw new UserError(`--objective ${requested}: --init ${initial.path} was trained with ${trained}, whose output its network predicts; pass --objective ${trained} or leave it out`);
  }
  return trained;
}

/** A new run's model: the preset's, on pixels or moved onto the latent grid of the VAE in `vaeDir`. */
function newSpace(preset: string, vaeDir: string | undefined): { model: DiTConfig; latent?: LatentSpace } {
  const pixel = resolveConfig(preset);
  return vaeDir === undefined ? { model: pixel } : latentNetwork(pixel, vaeDir, `the ${preset} preset`);
}

/**
 * A run started with --init keeps its checkpoint's space. --latent, if given too, names the same
 * VAE, or a later leg of it (a VAE trained with --init from that one, e.g. at more clip sizes:
 * `vaeLineage`), with the same latent grid: the run then moves the model onto the new VAE's
 * latents, and records that VAE.
 */
function initialSpace(initial: LoadedCheckpoint, vaeDir: string | undefined, note: (line: string) => void): { model: DiTConfig; latent?: LatentSpace } {
  const { model, latent } = initial.config as TrainConfig;
  if (vaeDir === undefined || latent?.sha256 === readVaeFolder(vaeDir).config.weights.sha256) return { model, latent };
  if (!latent) throw new UserError(`--latent ${vaeDir}: --init ${initial.path} is a pixel model (a latent run starts from scratch or from a latent model)`);
  if (!vaeLineage(vaeDir).includes(latent.sha256)) {
    throw new UserError(`--latent ${vaeDir}: --init ${initial.path} was trained on another VAE's latents (sha256 ${latent.sha256.slice(0, 12)}…), not one this VAE was continued from`);
  }
  const moved = latentNetwork(pixelModel({ model, latent } as TrainConfig), vaeDir, `--init ${initial.path}`);
  if (moved.model.channels !== model.channels || moved.latent.patch.join() !== latent.patch.join()) {
    throw new UserError(`--latent ${vaeDir}: its latents (${moved.model.channels} channels, ${moved.latent.patch.join('×')} cells) are not the grid --init ${initial.path} was trained on (${model.channels}, ${latent.patch.join('×')})`);
  }
  note(`--init ${initial.path} was trained on VAE ${latent.sha256.slice(0, 12)}…; this run moves it onto ${vaeDir} (${moved.latent.sha256.slice(0, 12)}…), a later leg of that VAE`);
  return { model, latent: moved.latent };
}

/**
 * The run's dataset (a bucketed run's: one per bucket), checked against the model's patch and
 * the batch size; the resumed checkpoint's cursor into it.
 */
function openDatasets(config: TrainConfig, resumed: LoadedCheckpoint | undefined, codec: VideoCodec): { datasets: WorldDataset[]; cursor?: BatchCursor | BucketCursor } {
  // A latent model's patch in pixels is its patch on the latent grid times the VAE's tubelet.
  const { patch } = pixelModel(config);
  return openRunData(config.data, config.buckets, {
    batchSize: config.batchSize,
    checkClip: (dataset) => {
      const [T, H, W] = dataset.shape;
      if (T % patch[0] || H % patch[1] || W % patch[2]) {
        throw new UserError(`dataset clips ${T}×${H}×${W} are not divisible by the model's patch ${patch.join('×')}${config.latent ? ' (in pixels, through its VAE)' : ''}`);
      }
      codec.modelShape([T, H, W]);
    },
    resumed: resumed && { cursor: resumed.state.cursor, file: path.join(resumed.path, 'state.json') },
    checkCursor,
  });
}

/**
 * A checkpoint to start a new run from (--init), or the one a run killed before its first
 * checkpoint started from (its config's initFrom, at `step`): same preset, a spacetime model.
 */
function loadInitCheckpoint(from: string, preset: string, step?: number): LoadedCheckpoint {
  const ck = isModelFolder(from) ? modelFolderAsCheckpoint(from, preset) : loadCheckpoint(from);
  const config = ck.config as TrainConfig;
  if (!config?.model || !config?.text) throw new UserError(`--init: ${ck.path} has no model config (state.json): not a spacetime checkpoint`);
  if (config.preset !== preset) throw new UserError(`--init: ${ck.path} is a ${config.preset} model, not --preset ${preset}`);
  try {
    validateConfig(config.model as unknown as Record<string, unknown>);
    validateTextEncoderConfig(config.text as unknown as Record<string, unknown>);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`--init: ${path.join(ck.path, 'state.json')}: ${err.message}`);
    throw err;
  }
  if (step !== undefined && ck.step !== step) throw new UserError(`the run started from ${from} at step ${step}, which now holds step ${ck.step}`);
  return ck;
}

/**
 * A shipped model folder as the checkpoint a new run starts from: its weights (the EMA it
 * shipped) as both weights and EMA, step 0. A folder has no preset, so its model config must be
 * the preset's (given frames aside).
 */
function modelFolderAsCheckpoint(dir: string, preset: string): LoadedCheckpoint {
  const { config, weights } = readModelFolder(dir);
  // A latent folder carries its VAE (vae/ inside it): the run records that folder, absolute.
  const latent = config.latent && { ...config.latent, vae: path.resolve(dir, config.latent.vae) };
  const want = latent ? latentModelConfig(resolveConfig(preset), readVaeFolder(latent.vae).config.vae, config.model.patch) : resolveConfig(preset);
  const { frameConditioning: _, frameHints: __, ...model } = config.model;
  if (JSON.stringify(model) !== JSON.stringify(want)) throw new UserError(`--init: the model in ${dir} is not the ${preset} preset's`);
  const network = { preset, model: config.model, text: config.text, objective: config.objective, ...(latent ? { latent } : {}) };
  return { path: dir, step: 0, config: network, weightsDtype: 'F32', params: weights, ema: weights, state: {} };
}

/** A checkpoint picked with --resume-from; when it is damaged, the error also lists the run's good ones. */
function loadPickedCheckpoint(runDir: string, dir: string): LoadedCheckpoint {
  try {
    return loadCheckpoint(dir);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const good = listCheckpoints(runDir).filter((c) => c.path !== dir && isIntact(c.path)).map((c) => c.step);
    throw new UserError(`${err.message}; ${good.length ? `good checkpoints of this run: steps ${good.join(', ')} (--resume-from STEP)` : 'this run has no other good checkpoint'}`);
  }
}

function isIntact(checkpointDir: string): boolean {
  try {
    verifyCheckpoint(checkpointDir);
    return true;
  } catch (err) {
    if (err instanceof UserError) return false;
    throw err;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
