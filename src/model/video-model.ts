/**
 * The trainable text-to-video network: the diffusion transformer and its text encoder,
 * built together so their parameters share one name space (`blocks.*`, `text.*`) and
 * checkpoint as one.
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../base/errors.js';
import { createTextEncoder, type TextEncoder } from '../text/encoder.js';
import type { TextEncoderConfig } from '../text/config.js';
import type { DiTConfig } from './config.js';
import { DiT } from './dit.js';

/** A model and its text encoder, with every parameter under one name space. */
export interface TextToVideo {
  dit: DiT;
  encoder: TextEncoder;
  params: Record<string, tf.Variable>;
}

export function buildTextToVideo(model: DiTConfig, text: TextEncoderConfig, seed: number): TextToVideo {
  if (model.textDim !== text.width) throw new UserError(`text encoder width ${text.width} does not match the model's textDim ${model.textDim}`);
  const dit = new DiT(model, seed);
  const encoder = createTextEncoder(text, seed);
  return { dit, encoder, params: { ...dit.params, ...encoder.params } };
}
