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
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../base/errors.js';
import { restoreVariables } from './checkpoint.js';
import { VideoAutoencoder } from './vae.js';
import { latentShape } from './vae-config.js';
import { readVaeFolder, type LatentScaling } from './vae-folder.js';
import { PIXELS, type ClipShape, type VideoCodec } from './video-codec.js';

/** Clips encoded or decoded per forward pass: bounds the memory of a long list. */
const CHUNK = 16;

export class VaeCodec implements VideoCodec {
  readonly name = 'vae';

  constructor(
    readonly vae: VideoAutoencoder,
    readonly latent: LatentScaling,
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
    const parts: tf.Tensor5D[] = [];
    for (let i = 0; i < clips.length; i += CHUNK) {
      parts.push(
        tf.tidy(() => {
          const x = PIXELS.encode(clips.slice(i, i + CHUNK), clip); // [b, C, T, H, W]
          return tf.mul(tf.sub(this.vae.encode(x), this.latent.shift), this.latent.scale) as tf.Tensor5D; // [b, c, t, h, w]
        }),
      );
    }
    if (parts.length === 1) return parts[0];
    const all = tf.concat(parts, 0) as tf.Tensor5D; // [B, c, t, h, w]
    tf.dispose(parts);
    return all;
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
  return new VaeCodec(vae, config.latent);
}
