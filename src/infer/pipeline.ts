/**
 * Text in, video out: load a shipped model folder (models/default: F16 weights) or a
 * trained checkpoint (EMA weights when present), encode the prompt and the null caption,
 * and run the guided sampler. The denoising loop itself is src/diffusion/generate.ts;
 * this file only wires the pieces.
 *
 *   const pipe = loadPipeline('models/default');   // or 'runs/small', or one checkpoint folder
 *   const videos = generateVideos(pipe, { prompt: 'a red ball bounces on the floor', seeds: [1] });
 *   const more = generateBatch(pipe, { prompts: ['a red ball …', 'a blue square …'], seeds: [1, 1] });
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { sha256 } from '../../base/io/hash.js';
import { UserError } from '../../base/errors.js';
import { generate, type DenoisingModel } from '../diffusion/generate.js';
import { createObjective } from '../diffusion/objective.js';
import { createSampler } from '../diffusion/samplers/index.js';
import { createGuidance } from '../diffusion/guidance/index.js';
import { GENERATE_DEFAULTS, resolveGuidance, type GenerationDefaults } from '../diffusion/generation-defaults.js';
import { EMA_FILE, loadCheckpoint, MODEL_FILE, readCheckpointConfig, restoreVariables } from '../model/checkpoint.js';
import { givenFramesCondition, isHint, withHints, type GivenFramesCondition } from '../model/frame-conditioning.js';
import { PIXELS, type VideoCodec } from '../model/video-codec.js';
import { openModelCodec } from '../model/vae-codec.js';
import { framesPerModelFrame, givenFrameGroup, hintFrameSources, modelFrameMask, pixelModel } from '../model/latent-space.js';
import { buildVideoModel, type NetworkConfig, type VideoModel } from '../model/video-model.js';
import type { Condition } from '../model/dit.js';
import type { TextEncoder } from '../text/encoder.js';
import { isModelFolder, MODEL_FILES, parseModelConfig, readModelFolder } from '../model/model-folder.js';
import { unknownWordsWarning } from '../text/tokenizer.js';
import type { Video } from '../../base/video/index.js';
import { checkGenerationSize, checkSteps, videosPerPass } from './generation-limits.js';

/** What generation needs of a run's config (a TrainConfig has it; so does a model folder's). */
export type PipelineConfig = NetworkConfig;

export interface Pipeline {
  net: VideoModel;
  config: PipelineConfig;
  /** The folder the weights came from. */
  checkpoint: string;
  /** What generated files name the model by: the model folder's name, or RUN/step-N (never a full path). */
  name?: string;
  /** sha256 of the weights file the weights came from (recorded in every generated file); absent for weights built in memory. */
  weightsSha256?: string;
  step: number;
  /** A shipped model's recommended sampling settings (GENERATE_DEFAULTS when absent). */
  generation?: GenerationDefaults;
  /** The same networks run by another runtime (src/onnx/runtime.ts), used instead of `net` when set. */
  runtime?: NetworkRuntime;
  /** What the DiT denoises: PIXELS, or a latent model's VAE (config.latent). */
  codec: VideoCodec;
}

/** What generation calls of the networks: the text encoder's two methods and the DiT's forward pass (and a latent model's VAE, as a codec). */
export interface NetworkRuntime extends Pick<TextEncoder, 'encode' | 'encodeUnconditional'> {
  denoise: DenoisingModel<Condition>;
  /** Used instead of `pipe.codec` when set (a latent model's VAE on that runtime). */
  codec?: VideoCodec;
}

/**
 * Build the model and text encoder of a shipped model folder, a checkpoint, or a run's
 * latest checkpoint, and load its weights (a checkpoint's EMA weights unless `ema: false`;
 * a model folder holds only the weights it shipped, F16 converted to float32).
 */
export function loadPipeline(modelOrCheckpoint: string, options: { ema?: boolean } = {}): Pipeline {
  if (isModelFolder(modelOrCheckpoint)) {
    const { config, weights } = readModelFolder(modelOrCheckpoint);
    const net = buildVideoModel(config.model, config.text, 0);
    restoreVariables(net.params, weights, 'model weights');
    const name = path.basename(path.resolve(modelOrCheckpoint));
    const codec = withNet(net, () => openModelCodec(config, modelOrCheckpoint, modelOrCheckpoint));
    return { net, config, checkpoint: modelOrCheckpoint, name, weightsSha256: config.weights.sha256, step: -1, generation: config.generation, codec };
  }
  const ck = loadCheckpoint(modelOrCheckpoint);
  const config = ck.config as NetworkConfig;
  if (!config?.model || !config?.text) throw new UserError(`${ck.path} has no model config (state.json): not a spacetime checkpoint`);
  const net = buildVideoModel(config.model, config.text, 0);
  const useEma = options.ema !== false && ck.ema !== undefined;
  restoreVariables(net.params, useEma ? ck.ema! : ck.params, useEma ? 'EMA weights' : 'weights');
  const name = `${path.basename(path.dirname(path.dirname(path.resolve(ck.path))))}/${path.basename(ck.path)}`; // RUN/step-N
  const weightsSha256 = sha256(fs.readFileSync(path.join(ck.path, useEma ? EMA_FILE : MODEL_FILE)));
  // A run records its VAE's folder as an absolute path (train --latent); resolving against '.' keeps it.
  const codec = withNet(net, () => openModelCodec(config, '.', ck.path));
  return { net, config, checkpoint: ck.path, name, weightsSha256, step: ck.step, codec };
}

/** `open()`, with the network freed when it throws (a bad VAE folder). */
function withNet<T>(net: VideoModel, open: () => T): T {
  try {
    return open();
  } catch (err) {
    disposeNetwork(net);
    throw err;
  }
}

function disposeNetwork(net: VideoModel): void {
  net.dit.dispose();
  net.encoder.dispose();
}

/** Free a pipeline's network and codec. */
export function disposePipeline(pipe: Pipeline): void {
  disposeNetwork(pipe.net);
  pipe.codec.dispose?.();
}

/**
 * The config `loadPipeline` would build from, read without the weights: a request (the
 * server's upload) can be checked against the model's clip before it is queued.
 */
export function readPipelineConfig(modelOrCheckpoint: string): PipelineConfig {
  if (isModelFolder(modelOrCheckpoint)) {
    const file = path.join(modelOrCheckpoint, MODEL_FILES.config);
    return parseModelConfig(fs.readFileSync(file, 'utf8'), file);
  }
  const config = readCheckpointConfig(modelOrCheckpoint) as NetworkConfig;
  if (!config?.model || !config?.text) throw new UserError(`${modelOrCheckpoint} has no model config (state.json): not a spacetime checkpoint`);
  return config;
}

export interface GenerateRequest {
  prompt: string;
  /** One video per seed. */
  seeds: number[];
  steps?: number;
  guidance?: number;
  sampler?: string;
  /** SD3's time shift of the sampler's grid (1 = the uniform grid); defaults to the model's. */
  shift?: number;
  /** Clip size; defaults to the training clip. */
  frames?: number;
  height?: number;
  width?: number;
  fps?: number;
  /** Called with a warning line (unknown words). */
  warn?: (line: string) => void;
  /** At most this many videos through the model at once (default: as many as fit, `videosPerPass`). */
  maxVideosPerPass?: number;
  onStep?: (step: number, steps: number) => void;
  /**
   * Frames given to a model trained with them (frameConditioning), one entry per seed
   * (null: none given to that video). They come back exactly in the output.
   */
  given?: (GivenClip | null)[];
  /** SDEdit: one clip per seed, noised to `strength` (0–1] and denoised under the prompt. */
  edit?: { clips: Uint8Array[]; strength: number };
  /**
   * How guidance combines the passes (src/diffusion/guidance): 'cfg', 'interval', 'apg',
   * 'cfg-zero-star'. Default: the model folder's `generation.guidanceMethod`, else 'cfg' (and
   * 'cfg' with a frameGuidance, which combines with CFG only).
   */
  guidanceMethod?: string;
  /** The interval method's [lo, hi] in t (default: the model folder's, else DEFAULT_GUIDANCE_INTERVAL). */
  guidanceInterval?: [number, number];
  /**
   * With given frames, their own guidance scale s_frames (`guidance` is then the text's):
   * three passes — text and frames, frames only, neither (guidance/frames.ts). Absent: the
   * frames go into both passes and only the text is guided.
   */
  frameGuidance?: number;
}

/** Frames given to the model: a clip of the output's size whose frames with mask[t] are given. */
export interface GivenClip {
  /** uint8 RGB [T][H][W][3]; frames not given are ignored. */
  frames: Uint8Array;
  /** [T] true where the frame is given. */
  mask: boolean[];
}

/** One video per seed of one prompt, sampled as one batch. */
export function generateVideos(pipe: Pipeline, request: GenerateRequest): Video[] {
  const { prompt, seeds, ...rest } = request;
  return generateBatch(pipe, { ...rest, prompts: seeds.map(() => prompt), seeds });
}

/** Like GenerateRequest, with one prompt per video. */
export interface BatchRequest extends Omit<GenerateRequest, 'prompt'> {
  /** prompts[b] is video b's prompt, seeds[b] its seed. */
  prompts: string[];
}

/**
 * Videos for several prompts (prompts[b] with seeds[b]). They go through the model in groups
 * that fit memory (`videosPerPass`); a seed's noise does not depend on the group, so each
 * video is the one `generateVideos` makes for its prompt and seed alone (bit-identical on the
 * backends we have). Steps and clip size are checked first (generation-limits.ts).
 */
export function generateBatch(pipe: Pipeline, request: BatchRequest): Video[] {
  // Sizes in pixels; a latent model is seen through its VAE (latent-space.ts).
  const model = pixelModel(pipe.config);
  const defaults = pipe.generation ?? GENERATE_DEFAULTS;
  const T = request.frames ?? model.frames;
  const H = request.height ?? model.height;
  const W = request.width ?? model.width;
  if (request.prompts.length !== request.seeds.length) throw new Error(`${request.prompts.length} prompts for ${request.seeds.length} seeds`);
  const steps = request.steps ?? defaults.steps;
  const guidance = request.guidance ?? defaults.guidance;
  checkSteps(steps);
  const passes = request.frameGuidance !== undefined ? 3 : guidance !== 1 ? 2 : 1;
  checkGenerationSize(model, T, H, W, passes);
  checkClips(pipe, request, T, H, W);
  // The method named, else the model folder's recommended one (generation-defaults.ts resolveGuidance).
  const { method: guidanceMethod, interval: guidanceInterval } = resolveGuidance(defaults, request);
  checkGuidance(pipe, { ...request, guidanceMethod, guidanceInterval }, guidance);
  const cap = request.maxVideosPerPass ?? Infinity;
  if (!(cap >= 1)) throw new Error(`maxVideosPerPass must be at least 1, got ${cap}`);
  const group = Math.floor(Math.min(videosPerPass(model, T, H, W, passes), cap));
  const videos: Video[] = [];
  for (let first = 0; first < request.seeds.length; first += group) {
    const last = Math.min(first + group, request.seeds.length);
    const pass = {
      prompts: request.prompts.slice(first, last),
      seeds: request.seeds.slice(first, last),
      given: request.given?.slice(first, last),
      edit: request.edit && { clips: request.edit.clips.slice(first, last), strength: request.edit.strength },
    };
    // Progress counts every group's steps: group k's step i is overall step k·steps + i.
    const onStep = request.onStep && ((i: number) => request.onStep!((first / group) * steps + i, Math.ceil(request.seeds.length / group) * steps));
    videos.push(...generateGroup(pipe, { ...request, ...pass, steps, guidance, guidanceMethod, guidanceInterval, frames: T, height: H, width: W, onStep }));
  }
  return videos;
}

/** One group of videos through the sampler as one batch (sizes already checked). */
function generateGroup(pipe: Pipeline, request: BatchRequest & { steps: number; guidance: number; frames: number; height: number; width: number }): Video[] {
  const defaults = pipe.generation ?? GENERATE_DEFAULTS;
  const { frames: T, height: H, width: W } = request;
  const B = request.seeds.length;
  const encoder = pipe.runtime ?? pipe.net.encoder;
  const text = encoder.encode(request.prompts);
  const warning = unknownWordsWarning(text.unknown);
  if (warning) request.warn?.(warning);
  const uncond = encoder.encodeUnconditional(B);
  const objective = createObjective(pipe.config.objective);
  // Given frames condition both passes: guidance is on the text (unless a frame scale adds a third pass).
  const codec = pipe.runtime?.codec ?? pipe.codec;
  const given = pipe.config.model.frameConditioning ? givenCondition(pipe, request.given, B, T, H, W) : {};
  const start = request.edit && { data: codec.encode(request.edit.clips, [T, H, W]), time: request.edit.strength };
  // With a frame scale, a third pass has neither text nor frames.
  const none = request.frameGuidance !== undefined ? { pooled: uncond.pooled, tokens: uncond.tokens, mask: uncond.mask, ...givenCondition(pipe, undefined, B, T, H, W) } : undefined;
  const x = generate({
    // Each pass in its own tidy: its activations are freed as soon as it returns (half the peak memory with heun).
    model: pipe.runtime?.denoise ?? ((xt, t, cond) => tf.tidy(() => pipe.net.dit.forward(xt as tf.Tensor5D, t, cond))),
    cond: { pooled: text.pooled, tokens: text.tokens, mask: text.mask, ...given },
    uncond: { pooled: uncond.pooled, tokens: uncond.tokens, mask: uncond.mask, ...given },
    start,
    shape: [B, ...codec.modelShape([T, H, W])],
    steps: request.steps,
    guidance: request.guidance,
    guidanceMethod: request.guidanceMethod,
    guidanceSettings: request.guidanceInterval && { interval: request.guidanceInterval },
    frameGuidance: none && { scale: request.frameGuidance!, uncond: none },
    sampler: createSampler(request.sampler ?? defaults.sampler),
    shift: request.shift ?? defaults.shift ?? 1,
    objective,
    seed: request.seeds,
    onStep: request.onStep,
  });
  const clips = codec.decode(x as tf.Tensor5D);
  tf.dispose([x, text.pooled, text.tokens, text.mask, uncond.pooled, uncond.tokens, uncond.mask, given.frames, given.frameMask, none?.frames, none?.frameMask, start?.data]);
  request.given?.forEach((g, b) => g && writeGivenFrames(clips[b], g, H * W * 3));
  return clips.map((frames) => ({ frames, numFrames: T, height: H, width: W, fps: request.fps ?? defaults.fps }));
}

/** Given frames and SDEdit clips: of the output's size, and only for a model that takes them. */
function checkClips(pipe: Pipeline, request: BatchRequest, T: number, H: number, W: number): void {
  const bytes = T * H * W * 3;
  const given = request.given?.filter((g): g is GivenClip => g !== null) ?? [];
  if (request.given && request.given.length !== request.seeds.length) throw new Error(`${request.given.length} given clips for ${request.seeds.length} seeds`);
  if (given.length) checkTakesGivenFrames(pipe);
  const group = givenFrameGroup(pipe.config);
  for (const g of given) {
    if (g.frames.length !== bytes || g.mask.length !== T) throw new UserError(`given frames must be a ${T}-frame ${W}×${H} clip`);
    if (g.mask.every(Boolean)) throw new UserError('every frame is given: nothing to generate');
    const { partial } = modelFrameMask(g.mask, group);
    if (partial !== null) {
      const first = partial - (partial % group);
      throw new UserError(`${pipe.name ?? pipe.checkpoint} is a latent model trained without --frame-hints: it takes given frames in whole groups of ${group} (its VAE's tubelet), and frame ${partial + 1} is given without the rest of frames ${first + 1}–${first + group}`);
    }
  }
  if (request.edit) {
    if (request.edit.clips.length !== request.seeds.length) throw new Error(`${request.edit.clips.length} SDEdit clips for ${request.seeds.length} seeds`);
    if (request.edit.clips.some((c) => c.length !== bytes)) throw new UserError(`the clip to edit must be ${T} frames of ${W}×${H}`);
    if (!(request.edit.strength > 0 && request.edit.strength <= 1)) throw new UserError(`--strength must be in (0, 1], got ${request.edit.strength}`);
  }
}

/** Refuse given frames to a model not trained with them. */
export function checkTakesGivenFrames(pipe: Pipeline): void {
  if (!pipe.config.model.frameConditioning) {
    throw new UserError(`${pipe.name ?? pipe.checkpoint} was not trained to take given frames (train with --frame-conditioning)`);
  }
}

/** The guidance method and its interval, and a frame scale only where there are given frames to guide. */
function checkGuidance(pipe: Pipeline, request: BatchRequest, guidance: number): void {
  createGuidance(request.guidanceMethod ?? 'cfg', guidance, { interval: request.guidanceInterval }); // a UserError for a bad name or interval
  if (request.frameGuidance === undefined) return;
  if (!Number.isFinite(request.frameGuidance)) throw new UserError(`--frame-guidance must be a finite number, got ${request.frameGuidance}`);
  if (!pipe.config.model.frameConditioning) throw new UserError(`--frame-guidance needs a model trained to take given frames; ${pipe.name ?? pipe.checkpoint} takes none`);
  if (!request.given?.some((g) => g !== null)) throw new UserError('--frame-guidance needs given frames to guide');
  if ((request.guidanceMethod ?? 'cfg') !== 'cfg') throw new UserError(`--frame-guidance combines with --guidance-method cfg only, not ${request.guidanceMethod}`);
}

/**
 * The given-frame tensors of a group in the model's space (zeros for videos given nothing): a
 * latent model's given frames go through its VAE, and its mask is over latent frames — the share
 * of each given, a partly given one (a model with frame hints) encoded with its given frames held
 * still (latent-space.ts `hintFrameSources`).
 */
function givenCondition(pipe: Pipeline, given: (GivenClip | null)[] | undefined, B: number, T: number, H: number, W: number): Partial<GivenFramesCondition> {
  const codec = pipe.runtime?.codec ?? pipe.codec;
  const [C, Tm, Hm, Wm] = codec.modelShape([T, H, W]);
  const k = framesPerModelFrame(pipe.config);
  const shares = Array.from({ length: B }, (_, b) => (given?.[b] ? modelFrameMask(given[b]!.mask, k).share : new Array<number>(Tm).fill(0)));
  const mask = Float32Array.from(shares.flat());
  const frameBytes = H * W * 3;
  const empty = new Uint8Array(T * frameBytes);
  const clips = Array.from({ length: B }, (_, b) => given?.[b]?.frames ?? empty);
  const x0 = tf.tidy(() => {
    if (!given?.some((g) => g !== null)) return tf.zeros([B, C, Tm, Hm, Wm]);
    const whole = codec.encode(clips, [T, H, W]); // [B, C, Tm, Hm, Wm]
    if (!mask.some(isHint)) return whole;
    const held = clips.map((clip, b) => {
      const out = new Uint8Array(clip.length);
      hintFrameSources(given?.[b]?.mask ?? [], k).forEach((s, t) => out.set(clip.subarray(s * frameBytes, (s + 1) * frameBytes), t * frameBytes));
      return out;
    });
    return withHints(whole, codec.encode(held, [T, H, W]), mask);
  }) as tf.Tensor5D;
  const condition = givenFramesCondition(x0, mask, Tm);
  x0.dispose();
  return condition;
}

/** The given frames written back over the generated clip, exactly as given. */
function writeGivenFrames(clip: Uint8Array, given: GivenClip, frameBytes: number): void {
  given.mask.forEach((isGiven, t) => isGiven && clip.set(given.frames.subarray(t * frameBytes, (t + 1) * frameBytes), t * frameBytes));
}

/** K videos side by side in one (a grid of ⌈√K⌉ columns, 1-pixel dark gaps). */
export function videoGrid(videos: Video[]): Video {
  const [first] = videos;
  const cols = Math.ceil(Math.sqrt(videos.length));
  const rows = Math.ceil(videos.length / cols);
  const gap = 1;
  const width = cols * first.width + (cols - 1) * gap;
  const height = rows * first.height + (rows - 1) * gap;
  const frames = new Uint8Array(first.numFrames * height * width * 3);
  videos.forEach((v, k) => {
    const [r, c] = [Math.floor(k / cols), k % cols];
    for (let t = 0; t < v.numFrames; t++)
      for (let y = 0; y < v.height; y++) {
        const from = ((t * v.height + y) * v.width) * 3;
        const to = ((t * height + r * (v.height + gap) + y) * width + c * (v.width + gap)) * 3;
        frames.set(v.frames.subarray(from, from + v.width * 3), to);
      }
  });
  return { frames, numFrames: first.numFrames, height, width, fps: first.fps };
}
