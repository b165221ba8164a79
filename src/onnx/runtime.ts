/**
 * The text encoder and the DiT — and a latent model's VAE — run by onnxruntime-node (CPU)
 * instead of tfjs: the same contract as the tfjs networks, so the sampling loop
 * (src/diffusion/generate.ts) and the pipeline around it stay as they are.
 *
 *   const onnx = OnnxTextToVideo.fromNetwork(pipe.net, { objective: 'rectified-flow', source: 'models/default' });
 *   const text = onnx.encode(['a red ball bounces on the floor']);  // like TextEncoder.encode
 *   const v = onnx.denoise(xt, t, text);                               // like DiT.forward
 *   const clips = onnx.codec?.decode(z);                               // a latent model's: like VaeCodec.decode
 *   onnx.dispose();
 *
 * `fromNetwork` exports the loaded weights in memory (export.ts) and hands the bytes to
 * onnxruntime, nothing written to disk; `fromFolder` opens what `spacetime model export-onnx`
 * wrote. Tokenizing stays in JavaScript (src/text/tokenizer.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../base/errors.js';
import { VaeCodec } from '../model/vae-codec.js';
import { channelsFirstToFrames, PIXELS, type ClipShape, type VideoCodec } from '../model/video-codec.js';
import type { VideoModel } from '../model/video-model.js';
import type { TextEncoderConfig } from '../text/config.js';
import type { EncodedText, TextEmbedding } from '../text/encoder.js';
import { encode as tokenize, nullSequence, packRows, type EncodedPrompt } from '../text/tokenizer.js';
import type { Clip } from './export-dit.js';
import { exportNetworks, readOnnxFolder, type ExportOptions, type LatentDescription, type OnnxNetworks } from './export.js';
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
  /** A latent model's DiT is exported on its VAE's latent grid, and its VAE (the codec) with it. */
  config: { objective: string; latent?: { patch: [number, number, number] } };
  /** The folder the weights came from. */
  checkpoint: string;
  /** What the DiT denoises: PIXELS, or a latent model's VaeCodec. */
  codec: VideoCodec;
}

/**
 * A loaded pipeline's networks on onnxruntime, the DiT exported for `clip` in pixels (default
 * the training clip); a latent model's DiT on the latent grid of `clip`, and its VAE's encoder
 * and decoder for `clip`, so the whole pipeline runs on onnxruntime (the `codec` it offers).
 */
export function onnxRuntimeFor(loaded: LoadedNetwork, clip?: Clip, options: SessionOptions = {}): OnnxTextToVideo {
  const { codec } = loaded;
  if (!loaded.config.latent) return OnnxTextToVideo.fromNetwork(loaded.net, { objective: loaded.config.objective, source: loaded.checkpoint, clip }, options);
  if (!(codec instanceof VaeCodec)) throw new UserError(`${loaded.checkpoint} is a latent model whose codec "${codec.name}" is not a VAE: it has no ONNX export`);
  let grid: Clip | undefined;
  if (clip) {
    const [, frames, height, width] = codec.modelShape([clip.frames, clip.height, clip.width]); // a UserError for a clip the VAE's cells do not divide
    grid = { frames, height, width };
  }
  return OnnxTextToVideo.fromNetwork(loaded.net, { objective: loaded.config.objective, source: loaded.checkpoint, clip: grid, vae: codec }, options);
}

/** A tensor's values for the worker; a view into a larger buffer is copied first (posting a view clones its whole buffer). */
function feed(t: tf.Tensor): FeedTensor {
  const data = t.dataSync() as Float32Array;
  return { type: 'float32', data: data.byteLength === data.buffer.byteLength ? data : data.slice(), dims: t.shape };
}

export class OnnxTextToVideo {
  /** The clip size [T, H, W] the DiT was exported for (a latent model's: its latent grid). */
  readonly clip: Clip;
  readonly textConfig: TextEncoderConfig;
  /** A latent model's VAE on onnxruntime (vae-encoder, vae-decoder): the pipeline uses it instead of its tfjs codec. */
  readonly codec?: VideoCodec;

  private constructor(
    private readonly sessions: SyncSessions,
    networks: OnnxNetworks,
    /** The DiT's inputs (no tokens or mask without cross-attention). */
    private readonly ditInputs: readonly string[],
  ) {
    const { config } = networks.dit.description;
    this.clip = config.clip as Clip;
    this.textConfig = networks['text-encoder'].description.config.text as TextEncoderConfig;
    const latent = config.latent as LatentDescription | undefined;
    if (latent) this.codec = new OnnxVaeCodec(sessions, latent, networks.dit.description.config.model as { channels: number });
  }

  /** Open sessions on the networks' bytes (a latent model's VAE encoder and decoder too). */
  static open(networks: OnnxNetworks, options: SessionOptions = {}): OnnxTextToVideo {
    const sessions = new SyncSessions();
    try {
      sessions.load('text-encoder', networks['text-encoder'].bytes, options);
      const { inputNames } = sessions.load('dit', networks.dit.bytes, options);
      if (networks.dit.description.config.latent) {
        for (const name of ['vae-encoder', 'vae-decoder'] as const) {
          const network = networks[name];
          if (!network) throw new UserError(`a latent model's ONNX export needs ${name}.onnx, and it is missing`);
          sessions.load(name, network.bytes, options);
        }
      }
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

/**
 * A latent model's VAE on onnxruntime as a VideoCodec: VaeCodec's contract (uint8 clips ↔ the
 * scaled latents), with the network and the latent scale inside the exported graphs
 * (export-vae.ts) and only uint8 ↔ [−1, 1] here (PIXELS' conversions). Exported for one clip
 * size; the sessions belong to the OnnxTextToVideo that made it.
 */
class OnnxVaeCodec implements VideoCodec {
  readonly name = 'vae';

  constructor(
    private readonly sessions: SyncSessions,
    private readonly latent: LatentDescription,
    private readonly model: { channels: number },
  ) {}

  modelShape(clip: ClipShape): [number, number, number, number] {
    const { frames, height, width } = this.latent.clip;
    if (clip[0] !== frames || clip[1] !== height || clip[2] !== width) {
      throw new UserError(`the ONNX VAE was exported for ${frames} frames at ${height}×${width}, not ${clip[0]} at ${clip[1]}×${clip[2]} (export again for that clip size)`);
    }
    const [pt, ph, pw] = this.latent.patch;
    return [this.model.channels, frames / pt, height / ph, width / pw];
  }

  encode(clips: Uint8Array[], clip: ClipShape): tf.Tensor5D {
    this.modelShape(clip);
    const pixels = PIXELS.encode(clips, clip); // [B, 3, T, H, W] in [−1, 1]
    try {
      return this.encodePixels(pixels);
    } finally {
      pixels.dispose();
    }
  }

  encodePixels(x: tf.Tensor5D): tf.Tensor5D {
    const [, , T, H, W] = x.shape;
    this.modelShape([T, H, W]);
    const { latents } = this.sessions.run('vae-encoder', { pixels: feed(x) });
    return tf.tensor5d(latents.data, latents.dims as [number, number, number, number, number]); // [B, c, t, h, w], scaled
  }

  decode(x: tf.Tensor5D): Uint8Array[] {
    const { pixels } = this.sessions.run('vae-decoder', { latents: feed(x) });
    const [B, , T, H, W] = pixels.dims;
    const per = 3 * T * H * W;
    return Array.from({ length: B }, (_, b) => channelsFirstToFrames(pixels.data, T, H, W, b * per)); // clamped, rounded
  }
}
