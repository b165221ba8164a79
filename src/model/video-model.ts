/**
 * The trainable network: the diffusion transformer and its text encoder, built together so
 * their parameters share one name space (`blocks.*`, `text.*`) and checkpoint as one; and
 * the config that describes it, which a run's state.json and a shipped model folder both hold
 * (training reads more of a run's config; inference needs only this).
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../base/errors.js';
import { createTextEncoder, type TextEncoder } from '../text/encoder.js';
import type { TextEncoderConfig } from '../text/config.js';
import type { ObjectiveName } from '../diffusion/objective.js';
import type { DiTConfig } from './config.js';
import { DiT } from './dit.js';
import type { LatentSpace } from './latent-space.js';

/**
 * What building and sampling the network needs: its two configs, the objective it was trained
 * with, and for a latent model the VAE whose latents it denoises (latent-space.ts).
 */
export interface NetworkConfig {
  model: DiTConfig;
  text: TextEncoderConfig;
  objective: ObjectiveName;
  latent?: LatentSpace;
}

/** A model and its text encoder, with every parameter under one name space. */
export interface VideoModel {
  dit: DiT;
  encoder: TextEncoder;
  params: Record<string, tf.Variable>;
}

export function buildVideoModel(model: DiTConfig, text: TextEncoderConfig, seed: number): VideoModel {
  if (model.textDim !== text.width) throw new UserError(`text encoder width ${text.width} does not match the model's textDim ${model.textDim}`);
  const dit = new DiT(model, seed);
  const encoder = createTextEncoder(text, seed);
  return { dit, encoder, params: { ...dit.params, ...encoder.params } };
}
