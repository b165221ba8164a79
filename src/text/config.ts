/**
 * The text encoder's configuration: one typed object with a one-line note per field,
 * presets named like the model's (their width is the model preset's textDim), and
 * validation that rejects unknown keys, wrong types and a vocabulary other than this
 * build's. Saved with every checkpoint beside the model's config.
 *
 *   const textConfig = resolveTextEncoderConfig('small');           // width 192 = PRESETS.small.textDim
 *   validateTextEncoderConfig(JSON.parse(saved));                   // UserError if the vocabulary changed
 */
import { UserError } from '../../base/errors.js';
import { VOCAB_SIZE, VOCAB_VERSION } from './tokenizer.js';

/** The encoders a config can name; `kind` is the switch that swaps one for another. */
export const TEXT_ENCODER_KINDS = ['transformer'] as const;
export type TextEncoderKind = (typeof TEXT_ENCODER_KINDS)[number];

export interface TextEncoderConfig {
  /** Which encoder: 'transformer' (pre-LN, trained jointly with the model) is the only one so far. */
  kind: TextEncoderKind;
  /** Rows of the token embedding: the tokenizer's VOCAB_SIZE (special tokens included). */
  vocabSize: number;
  /** The tokenizer's VOCAB_VERSION the embedding rows belong to; another build's is refused. */
  vocabVersion: string;
  /** Token width E; must equal the model's textDim. */
  width: number;
  /** Transformer blocks. */
  depth: number;
  /** Attention heads (width must divide by heads). */
  heads: number;
  /** MLP width as a multiple of width. */
  mlpRatio: number;
  /** Longest prompt in words (the learned positions' rows); longer prompts are truncated. Captions have at most ~35. */
  maxLength: number;
}

const BASE: TextEncoderConfig = {
  kind: 'transformer',
  vocabSize: VOCAB_SIZE,
  vocabVersion: VOCAB_VERSION,
  width: 192,
  depth: 2,
  heads: 4,
  mlpRatio: 4,
  maxLength: 48,
};

/** One per model preset, with width = that preset's textDim. */
export const TEXT_ENCODER_PRESETS = {
  /** The bench model has no cross-attention but still takes a 192-wide pooled embedding. */
  bench: { ...BASE },
  /** For tests: a few tens of thousands of parameters. */
  tiny: { ...BASE, width: 32, depth: 2, heads: 2, mlpRatio: 2 },
  /** The shipped default model's encoder. */
  small: { ...BASE },
  mini: { ...BASE, width: 96 },
  base: { ...BASE, width: 384, depth: 4, heads: 6 },
} satisfies Record<string, TextEncoderConfig>;
export type TextEncoderPresetName = keyof typeof TEXT_ENCODER_PRESETS;

/** The preset `name`, with `overrides` validated and applied. */
export function resolveTextEncoderConfig(name: string, overrides: Record<string, unknown> = {}): TextEncoderConfig {
  if (!(name in TEXT_ENCODER_PRESETS)) {
    throw new UserError(`unknown text encoder preset "${name}" (expected one of: ${Object.keys(TEXT_ENCODER_PRESETS).join(', ')})`);
  }
  return validateTextEncoderConfig({ ...TEXT_ENCODER_PRESETS[name as TextEncoderPresetName], ...overrides });
}

/** Check every field's presence and type, the shape constraints and the vocabulary; reject unknown keys. */
export function validateTextEncoderConfig(raw: Record<string, unknown>): TextEncoderConfig {
  const known = Object.keys(BASE);
  for (const key of Object.keys(raw)) if (!known.includes(key)) throw new UserError(`unknown text encoder config key "${key}"`);
  for (const key of known) {
    const value = raw[key];
    const want = typeof BASE[key as keyof TextEncoderConfig];
    if (typeof value !== want) throw new UserError(`text encoder config "${key}" must be a ${want}, got ${JSON.stringify(value)}`);
    if (want === 'number' && !(Number.isInteger(value) && (value as number) > 0)) {
      throw new UserError(`text encoder config "${key}" must be a positive integer, got ${value}`);
    }
  }
  const c = raw as unknown as TextEncoderConfig;
  if (!TEXT_ENCODER_KINDS.includes(c.kind)) {
    throw new UserError(`text encoder config "kind" must be one of: ${TEXT_ENCODER_KINDS.join(', ')}; got "${c.kind}"`);
  }
  if (c.vocabVersion !== VOCAB_VERSION || c.vocabSize !== VOCAB_SIZE) {
    throw new UserError(
      `text encoder vocabulary ${c.vocabVersion} (${c.vocabSize} tokens) does not match this build's ${VOCAB_VERSION} ` +
        `(${VOCAB_SIZE} tokens): the caption vocabulary changed since this encoder was trained`,
    );
  }
  if (c.width % c.heads !== 0) throw new UserError(`text encoder config: width ${c.width} is not divisible by heads ${c.heads}`);
  return { ...c };
}
