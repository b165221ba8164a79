/**
 * The video autoencoder as a VideoCodec (video-codec.ts): what the latent DiT will denoise.
 * encode: uint8 clips → pixels in [−1, 1] → the encoder's output z (the deterministic
 * autoencoder's "posterior mean") → (z − shift)·scale, about unit variance on training data;
 * decode: the inverse map, the decoder, clamp and round to uint8.
 *
 *   const codec = loadVaeCodec('models/vae');
 *   const z = codec.encode([clip.frames], [16, 32, 32]);   // [1, 16, 4, 8, 8]
 *   const [frames] = codec.decode(z);                      // Uint8Array [16·32·32·3]
 *   codec.dispose();
 *   const codec2 = openModelCodec(pipe.config, 'models/default', 'models/default');  // a latent model's own VAE
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../base/errors.js';
import { restoreVariables } from './checkpoint.js';
import { VideoAutoencoder } from './vae.js';
import { latentShape } from './vae-config.js';
import { readVaeFolder, VAE_FILES, type LatentScaling } from './vae-folder.js';
import { PIXELS, type ClipShape, type VideoCodec } from './video-codec.js';
import type { DiTConfig } from './config.js';
import { latentModelConfig, type LatentSpace } from './latent-space.js';

/** Clips encoded or decoded per forward pass: bounds the memory of a long list. */
const CHUNK = 16;

export class VaeCodec implements VideoCodec {
  readonly name = 'vae';

  constructor(
    readonly vae: VideoAutoencoder,
    readonly latent: LatentScaling,
    /** sha256 of the weights file they came from (a latent model records it). */
    readonly weightsSha256 = '',
  ) {}

  modelShape(clip: ClipShape): [number, number, number, number] {
    const { patch } = this.vae.config;
    if (clip.some((size, i) => !(Number.isInteger(size) && size > 0 && size % patch[i] === 0))) {
      throw new UserError(`a ${clip.join('×')} clip does not divide into the VAE's ${patch.join('×')} cells`);
    }
    return latentShape(this.vae.config, clip);
  }

  encode(clips: Uint8Array[], clip: ClipShape): tf.Tensor5D {
    this.modelShape(clip);
    return inChunks(clips.length, (from, n) => this.latents(PIXELS.encode(clips.slice(from, from + n), clip)));
  }

  encodePixels(x: tf.Tensor5D): tf.Tensor5D {
    const [B, , T, H, W] = x.shape;
    this.modelShape([T, H, W]);
    return inChunks(B, (from, n) => this.latents(tf.slice(x, from, n)));
  }

  /** Pixels [b, C, T, H, W] in [−1, 1] → the scaled latents [b, c, t, h, w]. */
  private latents(x: tf.Tensor5D): tf.Tensor5D {
    return tf.mul(tf.sub(this.vae.encode(x), this.latent.shift), this.latent.scale) as tf.Tensor5D;
  }

  decode(x: tf.Tensor5D): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < x.shape[0]; i += CHUNK) {
      const pixels = tf.tidy(() => {
        const z = tf.add(tf.div(tf.slice(x, i, Math.min(CHUNK, x.shape[0] - i)), this.latent.scale), this.latent.shift) as tf.Tensor5D; // [b, c, t, h, w]
        return this.vae.decode(z); // [b, C, T, H, W]
      });
      out.push(...PIXELS.decode(pixels));
      pixels.dispose();
    }
    return out;
  }

  dispose(): void {
    this.vae.dispose();
  }
}

/** `encode(from, n)` over [0, B) in chunks of CHUNK clips, each in its own tidy, concatenated on axis 0. */
function inChunks(B: number, encode: (from: number, n: number) => tf.Tensor5D): tf.Tensor5D {
  const parts: tf.Tensor5D[] = [];
  for (let i = 0; i < B; i += CHUNK) parts.push(tf.tidy(() => encode(i, Math.min(CHUNK, B - i))));
  if (parts.length === 1) return parts[0];
  const all = tf.concat(parts, 0) as tf.Tensor5D; // [B, c, t, h, w]
  tf.dispose(parts);
  return all;
}

/** The codec of a shipped VAE folder (vae-folder.ts); a bad folder is a one-line UserError naming the file. */
export function loadVaeCodec(dir: string): VaeCodec {
  const { config, weights } = readVaeFolder(dir);
  const vae = new VideoAutoencoder(config.vae, 0);
  try {
    restoreVariables(vae.params, weights, `weights of ${dir}`);
  } catch (err) {
    vae.dispose();
    throw err;
  }
  return new VaeCodec(vae, config.latent, config.weights.sha256);
}

/**
 * The codec a model works in: PIXELS, or for a latent model its VAE (`latent.vae`, resolved
 * against `base`: a model folder for a shipped model, the working folder for a run), checked
 * to be the very VAE it was trained with and to fit the model's latent grid. `what` names the
 * model in errors.
 */
export function openModelCodec(config: { model: DiTConfig; latent?: LatentSpace }, base: string, what: string): VideoCodec {
  const { latent, model } = config;
  if (!latent) return PIXELS;
  const dir = path.resolve(base, latent.vae);
  const codec = loadVaeCodec(dir);
  const file = path.join(dir, VAE_FILES.config);
  const { vae } = codec;
  const problem =
    vae.config.latentChannels !== model.channels ? `its latents have ${vae.config.latentChannels} channels, the model's ${model.channels}`
    : vae.config.patch.join() !== latent.patch.join() ? `its tubelet is ${vae.config.patch.join('×')}, the model's latent space ${latent.patch.join('×')}`
    : codec.weightsSha256 !== latent.sha256 ? `its weights (sha256 ${codec.weightsSha256.slice(0, 12)}…) are not the ones ${what} was trained with (${latent.sha256.slice(0, 12)}…)`
    : null;
  if (problem) {
    codec.dispose();
    throw new UserError(`${file}: not the VAE of ${what}: ${problem}`);
  }
  return codec;
}

/**
 * A pixel model moved onto the latent grid of the VAE folder `vaeDir` (`train --latent`), with the
 * `latent` entry its config records: the folder as an absolute path, its weights' sha256 and tubelet.
 * `what` names the model in the error for a clip the VAE's cells do not divide.
 */
export function latentNetwork(pixel: DiTConfig, vaeDir: string, what: string): { model: DiTConfig; latent: LatentSpace } {
  const { config } = readVaeFolder(vaeDir);
  const clip = [pixel.frames, pixel.height, pixel.width];
  if (clip.some((size, i) => size % config.vae.patch[i])) {
    throw new UserError(`--latent ${vaeDir}: ${what}'s ${clip.join('×')} clip does not divide into the VAE's ${config.vae.patch.join('×')} cells`);
  }
  return { model: latentModelConfig(pixel, config.vae), latent: { vae: path.resolve(vaeDir), sha256: config.weights.sha256, patch: config.vae.patch } };
}
