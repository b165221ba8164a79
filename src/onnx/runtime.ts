/**
 * The text encoder and the DiT run by onnxruntime-node (CPU) instead of tfjs: the same
 * contract as the tfjs networks, so the sampling loop (src/diffusion/generate.ts) and the
 * pipeline around it stay as they are.
 *
 *   const onnx = OnnxTextToVideo.fromNetwork(pipe.net, { objective: 'rectified-flow', source: 'models/default' });
 *   const text = onnx.encode(['a red ball bounces on the floor']);  // like TextEncoder.encode
 *   const v = onnx.denoise(xt, t, text);                               // like DiT.forward
 *   onnx.dispose();
 *
 * `fromNetwork` exports the loaded weights in memory (export.ts) and hands the bytes to
 * onnxruntime, nothing written to disk; `fromFolder` opens what `spacetime model export-onnx`
 * wrote. Tokenizing stays in JavaScript (src/text/tokenizer.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../base/errors.js';
import type { VideoModel } from '../model/video-model.js';
import type { TextEncoderConfig } from '../text/config.js';
import type { EncodedText, TextEmbedding } from '../text/encoder.js';
import { encode as tokenize, nullSequence, packRows, type EncodedPrompt } from '../text/tokenizer.js';
import type { Clip } from './export-dit.js';
import { exportNetworks, readOnnxFolder, type ExportedNetwork, type ExportOptions, type NetworkName } from './export.js';
import { SyncSessions, type FeedTensor, type SessionOptions } from './sync-sessions.js';

/** The runtimes generation can run the networks on (`--runtime`). */
export const RUNTIMES = ['tfjs', 'onnx'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** `--runtime` checked: tfjs (the default) or onnx; anything else is a usage error (UserError with `exitCode`). */
export function parseRuntime(value: string | undefined, exitCode = 2): RuntimeName {
  if (value === undefined) return 'tfjs';
  if (!(RUNTIMES as readonly string[]).includes(value)) throw new UserError(`unknown --runtime "${value}" (expected one of: ${RUNTIMES.join(', ')})`, exitCode);
  return value as RuntimeName;
}

/** What a loaded pipeline (src/infer/pipeline.ts) offers to be exported from. */
export interface LoadedNetwork {
  net: VideoModel;
  /** A latent model's DiT is exported on its VAE's latent grid (the VAE itself stays on tfjs). */
  config: { objective: string; latent?: { patch: [number, number, number] } };
  /** The folder the weights came from. */
  checkpoint: string;
}

/** A loaded pipeline's networks on onnxruntime, the DiT exported for `clip` (default the training clip). */
export function onnxRuntimeFor(loaded: LoadedNetwork, clip?: Clip, options: SessionOptions = {}): OnnxTextToVideo {
  const cell = loaded.config.latent?.patch;
  const grid = clip && cell ? { frames: clip.frames / cell[0], height: clip.height / cell[1], width: clip.width / cell[2] } : clip;
  return OnnxTextToVideo.fromNetwork(loaded.net, { objective: loaded.config.objective, source: loaded.checkpoint, clip: grid }, options);
}

/** A tensor's values for the worker; a view into a larger buffer is copied first (posting a view clones its whole buffer). */
function feed(t: tf.Tensor): FeedTensor {
  const data = t.dataSync() as Float32Array;
  return { type: 'float32', data: data.byteLength === data.buffer.byteLength ? data : data.slice(), dims: t.shape };
}

export class OnnxTextToVideo {
  /** The clip size [T, H, W] the DiT was exported for. */
  readonly clip: Clip;
  readonly textConfig: TextEncoderConfig;

  private constructor(
    private readonly sessions: SyncSessions,
    networks: Record<NetworkName, ExportedNetwork>,
    /** The DiT's inputs (no tokens or mask without cross-attention). */
    private readonly ditInputs: readonly string[],
  ) {
    const { config } = networks.dit.description;
    this.clip = config.clip as Clip;
    this.textConfig = networks['text-encoder'].description.config.text as TextEncoderConfig;
  }

  /** Open sessions on the networks' bytes. */
  static open(networks: Record<NetworkName, ExportedNetwork>, options: SessionOptions = {}): OnnxTextToVideo {
    const sessions = new SyncSessions();
    try {
      sessions.load('text-encoder', networks['text-encoder'].bytes, options);
      const { inputNames } = sessions.load('dit', networks.dit.bytes, options);
      return new OnnxTextToVideo(sessions, networks, inputNames);
    } catch (err) {
      sessions.close();
      throw err;
    }
  }

  /** Export a loaded tfjs network in memory and open it. */
  static fromNetwork(net: VideoModel, exportOptions: ExportOptions, options: SessionOptions = {}): OnnxTextToVideo {
    return OnnxTextToVideo.open(exportNetworks(net, exportOptions), options);
  }

  /** Open a folder written by `spacetime model export-onnx`. */
  static fromFolder(dir: string, options: SessionOptions = {}): OnnxTextToVideo {
    return OnnxTextToVideo.open(readOnnxFolder(dir), options);
  }

  /** Tokenize and encode prompts: TextEncoder.encode's result (unknown words and truncation included). */
  encode(prompts: readonly string[]): EncodedText {
    if (prompts.length === 0) throw new Error('text encoder: no prompts to encode');
    const rows = prompts.map((p) => tokenize(p, this.textConfig.maxLength));
    return { ...this.encodeRows(rows), unknown: [...new Set(rows.flatMap((r) => r.unknown))], truncated: rows.map((r) => r.truncated) };
  }

  /** The null caption's embedding, `batch` times. */
  encodeUnconditional(batch: number): TextEmbedding {
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);
    return this.encodeRows(Array.from({ length: batch }, () => nullSequence(this.textConfig.maxLength)));
  }

  private encodeRows(rows: EncodedPrompt[]): TextEmbedding {
    const L = this.textConfig.maxLength;
    const { ids, mask } = packRows(rows, L);
    const dims = [rows.length, L];
    const out = this.sessions.run('text-encoder', { ids: { type: 'int32', data: ids, dims }, mask: { type: 'float32', data: mask, dims } });
    return {
      tokens: tf.tensor3d(out.tokens.data, out.tokens.dims as [number, number, number]),
      pooled: tf.tensor2d(out.pooled.data, out.pooled.dims as [number, number]),
      mask: tf.tensor2d(out.keep.data, out.keep.dims as [number, number]),
    };
  }

  /** The DiT's forward pass, x [B, C, T, H, W] at model times t [B] → [B, C, T, H, W]: a DenoisingModel. */
  readonly denoise = (x: tf.Tensor, t: tf.Tensor1D, cond: { pooled?: tf.Tensor; tokens?: tf.Tensor; mask?: tf.Tensor; frames?: tf.Tensor; frameMask?: tf.Tensor }): tf.Tensor => {
    const [, , T, H, W] = x.shape;
    const { frames, height, width } = this.clip;
    if (T !== frames || H !== height || W !== width) {
      throw new UserError(`the ONNX DiT was exported for ${frames} frames at ${height}×${width}, not ${T} at ${H}×${W} (export again for that clip size)`);
    }
    const feeds: Record<string, FeedTensor> = { x: feed(x), t: feed(t) };
    for (const key of ['pooled', 'tokens', 'mask'] as const) {
      const value = cond[key];
      if (value && this.ditInputs.includes(key)) feeds[key] = feed(value);
    }
    if (this.ditInputs.includes('frames')) {
      // Nothing given (text to video): zero frames and mask, as DiT.forward reads a condition without them.
      const B = x.shape[0];
      feeds.frames = cond.frames ? feed(cond.frames) : { type: 'float32', data: new Float32Array(x.size), dims: x.shape };
      feeds.frame_mask = cond.frameMask ? feed(cond.frameMask) : { type: 'float32', data: new Float32Array(B * T), dims: [B, T] };
    }
    const { prediction } = this.sessions.run('dit', feeds);
    return tf.tensor(prediction.data, prediction.dims);
  };

  /** Release the sessions and their thread. */
  dispose(): void {
    this.sessions.close();
  }
}
