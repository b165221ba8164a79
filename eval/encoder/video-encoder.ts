/**
 * The trained video encoder of the harness's Fréchet distance (`fd_encoder`): the FVD
 * recipe at this world's scale. FVD embeds clips with I3D, a Kinetics classifier; here a
 * small tubelet 3-D convolution network is trained on the world's clips with supervised
 * heads from the ground truth (encoder-heads.ts), and its penultimate layer — 64 numbers —
 * is the feature vector.
 *
 * The network reads 16 frames of 32×32 RGB (the world's standard clip; any other size is a
 * UserError) as three stages of non-overlapping 3-D convolutions (kernel = stride, i.e. a
 * tubelet embedding and two 2×2×2 merges, each one matrix product), then a dense layer:
 *
 *   clip [B, 16, 32, 32, 3] uint8, minus its background colour, / 128
 *   tubelets 2×4×4×3              // [B·8·8·8, 96]
 *   stage1: ReLU(x·W1 + b1)       // [B·512, 48]   grid 8×8×8 (t, y, x)
 *   stage2: merge 2×2×2, ReLU(·)  // [B·64, 96]    grid 4×4×4
 *   stage3: merge 2×2×2, ReLU(·)  // [B·8, 128]    grid 2×2×2
 *   features: ReLU(flatten·W4+b4) // [B, 64]       ← the feature vector
 *   heads: features·Wh + bh       // [B, HEAD_OUTPUTS]
 *
 * The last stage keeps a 2×2×2 grid and the feature layer reads it whole (a learned pool),
 * because where things are and which way they go is what this world's clips differ in.
 * Tubelet rows are kept in an octree order (see tubelets), so each 2×2×2 merge is a reshape,
 * not a transpose; video-encoder.test.ts checks the stages against tf.conv3d.
 *
 * Weights ship in the repository (eval/encoder/video-encoder.safetensors, F32, [in, out]
 * layout, made by write-encoder.ts; its card is video-encoder.json). Inference runs on
 * whatever tfjs backend is active (the resolver's choice): deterministic on one backend,
 * equal across backends to float32 round-off.
 *
 *   const encoder = loadVideoEncoder();
 *   const f = encoder.features([video1, video2]);  // number[2][64]
 *   encoder.dispose();
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../base/rng.js';
import { useBackend } from '../../base/compute/backend.js';
import { UserError } from '../../base/errors.js';
import { sha256 } from '../../base/io/hash.js';
import { parseSafetensors, writeSafetensors, type SafeTensor } from '../../base/io/safetensors.js';
import { repoRoot } from '../../src/model/model-folder.js';
import type { Video } from '../../base/video/video.js';
import { ENCODER_HEADS, HEAD_OUTPUTS } from './encoder-heads.js';

// ---------------------------------------------------------------- config

/** Name and version of the feature set (recorded with every distance computed on it). */
export const ENCODER_VERSION = 'video-encoder/v1';

/** The only clip the encoder reads: the world's standard sample. */
export const ENCODER_CLIP = { numFrames: 16, height: 32, width: 32 } as const;

/** Tubelet of the first stage: frames × rows × columns. */
const TUBELET = [2, 4, 4] as const;
/** Inputs of one tubelet: 2·4·4 pixels × RGB. */
export const TUBELET_INPUTS = TUBELET[0] * TUBELET[1] * TUBELET[2] * 3;
/** The first stage's grid (t, y, x): 8×8×8. */
const GRID1 = [ENCODER_CLIP.numFrames / TUBELET[0], ENCODER_CLIP.height / TUBELET[1], ENCODER_CLIP.width / TUBELET[2]] as const;

export interface EncoderConfig {
  /** Output channels of the three convolution stages. */
  channels: [number, number, number];
  /** Width of the feature layer (the vector the Fréchet distance sees). */
  featureDim: number;
}

export const ENCODER_CONFIG: Readonly<EncoderConfig> = { channels: [48, 96, 128], featureDim: 64 };

/** Where the shipped weights live, relative to the repository root. */
export const ENCODER_WEIGHTS_FILE = path.join('eval', 'encoder', 'video-encoder.safetensors');

/** Parameter names and shapes ([in, out] for weights). */
export function parameterShapes(config: EncoderConfig = ENCODER_CONFIG): Record<string, number[]> {
  const [c1, c2, c3] = config.channels;
  return {
    'stage1.weight': [TUBELET_INPUTS, c1],
    'stage1.bias': [c1],
    'stage2.weight': [8 * c1, c2],
    'stage2.bias': [c2],
    'stage3.weight': [8 * c2, c3],
    'stage3.bias': [c3],
    'features.weight': [8 * c3, config.featureDim],
    'features.bias': [config.featureDim],
    'heads.weight': [config.featureDim, HEAD_OUTPUTS],
    'heads.bias': [HEAD_OUTPUTS],
  };
}

export type EncoderParams = Record<string, tf.Tensor>;

/** He-normal weights and zero biases from a seeded generator (the same seed, the same numbers). */
export function initialParameters(seed: string, config: EncoderConfig = ENCODER_CONFIG): Record<string, Float32Array> {
  const rng = Rng.from(`${ENCODER_VERSION}/init/${seed}`);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const out: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(parameterShapes(config))) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (name.endsWith('.weight')) {
      const std = Math.sqrt((name.startsWith('heads') ? 1 : 2) / shape[0]);
      for (let i = 0; i < data.length; i++) data[i] = normal() * std;
    }
    out[name] = data;
  }
  return out;
}

// ---------------------------------------------------------------- input

/** Refuse anything but a 16-frame 32×32 RGB clip, naming what came instead. */
export function checkEncoderClip(video: Pick<Video, 'numFrames' | 'height' | 'width'> & { frames?: Uint8Array }, label = 'video'): void {
  const { numFrames: T, height: H, width: W } = ENCODER_CLIP;
  if (video.numFrames !== T || video.height !== H || video.width !== W) {
    throw new UserError(`the video encoder reads ${W}×${H} clips of ${T} frames; ${label} is ${video.width}×${video.height} with ${video.numFrames} frames`);
  }
  if (video.frames && video.frames.length !== T * H * W * 3) throw new UserError(`${label}: ${video.frames.length} bytes of frames, expected ${T * H * W * 3} (RGB ${T}×${H}×${W})`);
}

/**
 * Row order of the 8×8×8 tubelet grid: nested 2×2×2 blocks (an octree order). Cell (t, y, x)
 * with t = 4·t2 + 2·t1 + t0 (and y, x alike) sits at row (t2 y2 x2 t1 y1 x1 t0 y0 x0) in binary,
 * so the eight cells of every 2×2×2 block are consecutive rows at every level, and each merge
 * of the network is a reshape instead of a transpose (which cost most of a step on wasm).
 */
function octreeCell(row: number): [number, number, number] {
  const bit = (k: number) => (row >> k) & 1;
  return [4 * bit(8) + 2 * bit(5) + bit(2), 4 * bit(7) + 2 * bit(4) + bit(1), 4 * bit(6) + 2 * bit(3) + bit(0)];
}

/** For each input of a clip's tubelet rows, the byte of the clip's frames it reads. */
const TUBELET_GATHER: Int32Array = (() => {
  const [H, W] = [ENCODER_CLIP.height, ENCODER_CLIP.width];
  const [dt, dy, dx] = TUBELET;
  const gather = new Int32Array(GRID1[0] * GRID1[1] * GRID1[2] * TUBELET_INPUTS);
  let o = 0;
  for (let row = 0; row < GRID1[0] * GRID1[1] * GRID1[2]; row++) {
    const [t, y, x] = octreeCell(row);
    for (let a = 0; a < dt; a++)
      for (let b = 0; b < dy; b++)
        for (let c = 0; c < dx; c++)
          for (let channel = 0; channel < 3; channel++) gather[o++] = (((t * dt + a) * H + y * dy + b) * W + x * dx + c) * 3 + channel;
  }
  return gather;
})();

/** Half-width, in grey levels, of the window around the mode that clipBackground averages. */
const BACKGROUND_WINDOW = 8;

/**
 * A clip's background colour: per channel, the mean of the values within BACKGROUND_WINDOW
 * levels of the most common one, rounded. The world's renders always give its background
 * (28, 30, 38: every clip the encoder was trained or scored on, checked; objects cover a small
 * part of a frame), so training saw exactly that; an MP4 round trip gives 28, 30, 39 — the colour conversion
 * moves the background's blue by one level, and subtracting the world's constant instead moved
 * the features by 1.4% of the typical distance between two clips; under pixel noise the mean
 * around the mode stays on the true level where the mode alone wanders.
 */
export function clipBackground(frames: Uint8Array): [number, number, number] {
  const counts = new Uint32Array(3 * 256);
  for (let i = 0; i < frames.length; i += 3) {
    counts[frames[i]]++;
    counts[256 + frames[i + 1]]++;
    counts[512 + frames[i + 2]]++;
  }
  const level = (c: number) => {
    const h = counts.subarray(c * 256, (c + 1) * 256);
    let mode = 0;
    for (let v = 1; v < 256; v++) if (h[v] > h[mode]) mode = v;
    let sum = 0;
    let n = 0;
    for (let v = Math.max(0, mode - BACKGROUND_WINDOW); v <= Math.min(255, mode + BACKGROUND_WINDOW); v++) {
      sum += v * h[v];
      n += h[v];
    }
    return Math.round(sum / n);
  };
  return [level(0), level(1), level(2)];
}

/**
 * Clips as rows of tubelets, [B·512, 96]: one row per cell of the 8×8×8 grid in octree order,
 * holding the tubelet's pixels in (frame, row, column, channel) order as (value − the clip's
 * background) / 128.
 */
export function tubelets(clips: readonly Uint8Array[]): Float32Array {
  const gather = TUBELET_GATHER;
  const n = gather.length;
  const out = new Float32Array(clips.length * n);
  const scale = 1 / 128; // a power of two: the same floats as dividing
  for (let k = 0; k < clips.length; k++) {
    const frames = clips[k];
    const [r, g, b] = clipBackground(frames);
    for (let i = 0, o = k * n; i < n; i += 3, o += 3) {
      out[o] = (frames[gather[i]] - r) * scale;
      out[o + 1] = (frames[gather[i + 1]] - g) * scale;
      out[o + 2] = (frames[gather[i + 2]] - b) * scale;
    }
  }
  return out;
}

/** Clips as the network's input tensor, [B·512, 96] (see tubelets). */
export function tubeletTensor(clips: readonly Uint8Array[]): tf.Tensor2D {
  return tf.tensor2d(tubelets(clips), [clips.length * GRID1[0] * GRID1[1] * GRID1[2], TUBELET_INPUTS]);
}

// ---------------------------------------------------------------- network

/** [rows, C] in octree order → [rows/8, 8·C]: each 2×2×2 block of cells as one row (a reshape). */
const mergeBlocks = (h: tf.Tensor2D, channels: number) => h.reshape([h.shape[0] / 8, 8 * channels]) as tf.Tensor2D;

const dense = (x: tf.Tensor2D, p: EncoderParams, name: string) => tf.add(tf.matMul(x, p[`${name}.weight`] as tf.Tensor2D), p[`${name}.bias`]) as tf.Tensor2D;

/** Features [B, featureDim] and head outputs [B, HEAD_OUTPUTS] of a tubelet batch. */
export function encoderForward(p: EncoderParams, x: tf.Tensor2D, config: EncoderConfig = ENCODER_CONFIG): { features: tf.Tensor2D; outputs: tf.Tensor2D } {
  const [c1, c2, c3] = config.channels;
  const h1 = tf.relu(dense(x, p, 'stage1')); //                      [B·512, C1]
  const h2 = tf.relu(dense(mergeBlocks(h1, c1), p, 'stage2')); //     [B·64, C2]
  const h3 = tf.relu(dense(mergeBlocks(h2, c2), p, 'stage3')); //     [B·8, C3]
  const features = tf.relu(dense(mergeBlocks(h3, c3), p, 'features')); // [B, F]
  const outputs = dense(features, p, 'heads'); //                     [B, HEAD_OUTPUTS]
  return { features, outputs };
}

// ---------------------------------------------------------------- weights on disk

/** Write parameters as F32 safetensors (atomically), with the config and heads in the metadata. */
export function saveEncoderWeights(file: string, params: Record<string, Float32Array>, config: EncoderConfig = ENCODER_CONFIG): void {
  const shapes = parameterShapes(config);
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, shape] of Object.entries(shapes)) tensors[name] = { dtype: 'F32', shape, data: params[name] };
  writeSafetensors(file, tensors, {
    format: ENCODER_VERSION,
    config: JSON.stringify(config),
    heads: JSON.stringify(ENCODER_HEADS.map((h) => ({ name: h.name, kind: h.kind, outputs: h.outputs }))),
    clip: JSON.stringify(ENCODER_CLIP),
  });
}

/** Read and check a weights file; any mismatch is a one-line UserError naming the file. */
export function readEncoderWeights(file: string): { config: EncoderConfig; params: Record<string, Float32Array>; sha256: string } {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `video encoder weights ${file} not found (train them: npx tsx eval/encoder/write-encoder.ts)` : `cannot read video encoder weights ${file} (${code ?? 'error'})`);
  }
  const { tensors, metadata } = parseSafetensors(bytes, file);
  if (metadata.format !== ENCODER_VERSION) throw new UserError(`${file} is not ${ENCODER_VERSION} weights (format: ${metadata.format ?? 'none'})`);
  const config = JSON.parse(metadata.config ?? 'null') as EncoderConfig | null;
  if (!config || !Array.isArray(config.channels) || typeof config.featureDim !== 'number') throw new UserError(`${file} has no encoder config in its metadata`);
  const heads = JSON.stringify(ENCODER_HEADS.map((h) => ({ name: h.name, kind: h.kind, outputs: h.outputs })));
  if (metadata.heads !== heads) throw new UserError(`${file} was trained with other heads than eval/encoder/encoder-heads.ts defines: retrain it (eval/encoder/write-encoder.ts)`);
  const params: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(parameterShapes(config))) {
    const t = tensors[name];
    if (!t || t.dtype !== 'F32') throw new UserError(`${file} lacks the F32 tensor ${name}`);
    if (t.shape.join() !== shape.join()) throw new UserError(`${file}: ${name} has shape [${t.shape}], expected [${shape}]`);
    params[name] = t.data as Float32Array;
  }
  return { config, params, sha256: sha256(bytes) };
}

// ---------------------------------------------------------------- inference

export interface VideoEncoder {
  readonly config: EncoderConfig;
  /** The weights file it was loaded from, and its sha256 (hex). */
  readonly file: string;
  readonly sha256: string;
  /** Feature vectors (featureDim numbers each), `batchSize` clips per forward pass. */
  features(videos: readonly Video[], options?: { batchSize?: number }): number[][];
  /** Head outputs (logits / values, HEAD_OUTPUTS numbers each) for the same clips. */
  headOutputs(videos: readonly Video[], options?: { batchSize?: number }): number[][];
  dispose(): void;
}

/** Default clips per forward pass: ~25 MB of activations. */
export const ENCODER_BATCH = 32;

/** The shipped weights' path (found from the repository root, so any working folder works). */
export function defaultEncoderWeights(): string {
  return path.join(repoRoot(), ENCODER_WEIGHTS_FILE);
}

/**
 * Make sure a tfjs backend is active and return its name: the one a command already chose
 * (with its --backend flag), else the resolver's pick (native > wasm > cpu here).
 */
export async function ensureEncoderBackend(): Promise<string> {
  if (!tf.engine().backendName) await useBackend();
  await tf.ready();
  return tf.getBackend();
}

/** Load weights (default: the shipped ones) as tensors on the active tfjs backend. */
export function loadVideoEncoder(file: string = defaultEncoderWeights()): VideoEncoder {
  const { config, params, sha256: digest } = readEncoderWeights(file);
  const shapes = parameterShapes(config);
  const tensors: EncoderParams = Object.fromEntries(Object.entries(params).map(([name, data]) => [name, tf.tensor(data, shapes[name])]));
  const run = (videos: readonly Video[], which: 'features' | 'outputs', batchSize = ENCODER_BATCH): number[][] => {
    videos.forEach((v, k) => checkEncoderClip(v, `video ${k}`));
    const rows: number[][] = [];
    for (let at = 0; at < videos.length; at += batchSize) {
      const batch = videos.slice(at, at + batchSize);
      const values = tf.tidy(() => {
        return encoderForward(tensors, tubeletTensor(batch.map((v) => v.frames)), config)[which];
      });
      const data = values.dataSync();
      const width = values.shape[1];
      values.dispose();
      for (let i = 0; i < batch.length; i++) rows.push(Array.from(data.subarray(i * width, (i + 1) * width)));
    }
    return rows;
  };
  return {
    config,
    file,
    sha256: digest,
    features: (videos, options) => run(videos, 'features', options?.batchSize),
    headOutputs: (videos, options) => run(videos, 'outputs', options?.batchSize),
    dispose: () => Object.values(tensors).forEach((t) => t.dispose()),
  };
}
