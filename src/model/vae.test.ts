// The video autoencoder and its codec: shapes for any divisible clip, parameter names and
// count, determinism per seed, the codec's latent shape and scaling, bad configs and clips.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../base/errors.js';
import { VideoAutoencoder, vaeParameterCount, vaeParameterSpecs } from './vae.js';
import { latentShape, resolveVaeConfig, VAE_PRESETS } from './vae-config.js';
import { VaeCodec } from './vae-codec.js';
import { PIXELS } from './video-codec.js';

await tf.setBackend('cpu');

const tiny = resolveVaeConfig('tiny');
const clipOf = (T: number, H: number, W: number, seed: number) => Uint8Array.from({ length: T * H * W * 3 }, (_, i) => (i * 37 + seed * 101) % 256);

describe('VideoAutoencoder', () => {
  it('encodes [B, 3, T, H, W] to [B, c, T/pt, H/ph, W/pw] and decodes back, for several clip sizes', () => {
    const vae = new VideoAutoencoder(tiny, 0);
    for (const [T, H, W] of [[4, 16, 16], [2, 8, 24], [6, 16, 8]]) {
      const x = tf.randomUniform([2, 3, T, H, W], -1, 1) as tf.Tensor5D;
      const z = vae.encode(x);
      expect(z.shape).toEqual([2, 4, T / 2, H / 4, W / 4]);
      expect(vae.decode(z).shape).toEqual([2, 3, T, H, W]);
    }
    vae.dispose();
  });

  it('names its parameters as checkpoints do, and counts them', () => {
    const names = vaeParameterSpecs(tiny).map((s) => s.name);
    expect(names[0]).toBe('encoder.embed.weight');
    expect(names).toContain('encoder.blocks.0.attn.qkv.weight');
    expect(names).toContain('decoder.blocks.0.fc2.bias');
    expect(names.at(-1)).toBe('decoder.out.bias');
    const vae = new VideoAutoencoder(tiny, 0);
    expect(Object.keys(vae.params)).toEqual(names);
    expect(Object.values(vae.params).reduce((n, v) => n + v.size, 0)).toBe(vaeParameterCount(tiny));
    vae.dispose();
    // The shipped preset fits the 5 MB limit at F16 with room to spare.
    expect(vaeParameterCount(VAE_PRESETS.small) * 2).toBeLessThan(5_000_000);
  });

  it('is deterministic per seed: same seed same reconstruction, another seed another', () => {
    const x = tf.randomUniform([1, 3, 4, 16, 16], -1, 1, 'float32', 3) as tf.Tensor5D;
    const run = (seed: number) => {
      const vae = new VideoAutoencoder(tiny, seed);
      const y = vae.decode(vae.encode(x)).dataSync();
      vae.dispose();
      return y;
    };
    const [a, b, c] = [run(0), run(0), run(1)];
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('refuses unknown keys and patches that do not divide the clip', () => {
    expect(() => resolveVaeConfig('tiny', { depth: 3 })).toThrow(/unknown VAE config key "depth"/);
    expect(() => resolveVaeConfig('tiny', { patch: [3, 4, 4] })).toThrow(/frames 4 is not divisible by the patch's 3/);
    expect(() => resolveVaeConfig('huge')).toThrow(UserError);
  });
});

describe('VaeCodec', () => {
  it('latents have the shape modelShape says, scaled as (z − shift)·scale; decode gives uint8 clips', () => {
    const vae = new VideoAutoencoder(tiny, 0);
    const codec = new VaeCodec(vae, { shift: 0.25, scale: 2 });
    const clip: [number, number, number] = [4, 16, 16];
    const clips = [clipOf(4, 16, 16, 1), clipOf(4, 16, 16, 2)];
    const z = codec.encode(clips, clip);
    expect(z.shape).toEqual([2, ...codec.modelShape(clip)]);
    expect(codec.modelShape(clip)).toEqual(latentShape(tiny, clip));
    const raw = vae.encode(PIXELS.encode(clips, clip));
    const scaled = tf.mul(tf.sub(raw, 0.25), 2);
    expect(tf.max(tf.abs(tf.sub(scaled, z))).dataSync()[0]).toBeLessThan(1e-5);
    const back = codec.decode(z);
    expect(back).toHaveLength(2);
    expect(back[0]).toBeInstanceOf(Uint8Array);
    expect(back[0].length).toBe(4 * 16 * 16 * 3);
    // decode inverts the scaling: the same pixels as the autoencoder's own decoder.
    expect(Array.from(back[1])).toEqual(Array.from(PIXELS.decode(vae.decode(raw))[1]));
    expect(() => codec.modelShape([5, 16, 16])).toThrow(/5×16×16 clip does not divide into the VAE's 2×4×4 cells/);
    codec.dispose();
  });
});
