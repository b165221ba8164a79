/**
 * A word-level tokenizer over the world's caption vocabulary: every word a caption
 * template in datasets/world/captions.ts can write, and nothing else. The model only ever
 * sees those captions, so a word outside them carries no meaning it could have learned:
 * it becomes [UNK] and is named back to the caller, who warns the user.
 *
 *   const { ids, mask, unknown } = encode('A red ball bounces on the moon.', 48);
 *   ids      // Int32Array [48]: 7 word ids, then [PAD] = 0
 *   mask     // Float32Array [48]: 1 for the 7 words, 0 for padding
 *   unknown  // ['moon'] (its id is UNK_ID)
 *   unknownWordsWarning(unknown) // 'unknown words mapped to [UNK]: moon'
 *
 * Normalisation: NFKC, lowercase, then words are the runs of letters and digits, joined
 * by inner hyphens or apostrophes ("medium-sized", "re-emerges", "head-on" stay one
 * word). Everything else (whitespace, commas, colons, full stops, a stray hyphen) only
 * separates words and is dropped: the captions' punctuation adds nothing "and" and word
 * order do not already say, and a user's trailing full stop should not be an unknown word.
 *
 * Special tokens: [PAD] = 0 (padding, masked out everywhere), [UNK] = 1, [NULL] = 2 (the
 * whole of the "no caption" sequence that classifier-free guidance is trained and
 * sampled with; see nullSequence). No [CLS]: the text encoder pools by a masked mean.
 * Special tokens cannot be typed: "[NULL]" in a prompt normalises to the word "null".
 *
 * The vocabulary is the special tokens, then the words in code-unit sorted order.
 * VOCAB_VERSION hashes it, so a checkpoint whose embedding rows were trained for
 * another vocabulary can be refused instead of silently reading the wrong rows.
 */
import crypto from 'node:crypto';
import { DIRECTION_WORDS, RELATION_WORDS, SIZE_WORDS, SPEED_WORDS } from '../../datasets/world/captions.js';
import { COLOR_NAMES, OCCLUDER_COLOR_NAME } from '../../datasets/world/palette.js';
import { UserError } from '../../base/errors.js';

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[NULL]'] as const;
export const PAD_ID = 0;
export const UNK_ID = 1;
export const NULL_ID = 2;

/** The phrases of the caption grammar's word lists (colours, sizes, directions, speeds, relations). */
const WORD_LIST_PHRASES: readonly string[] = [
  ...COLOR_NAMES,
  OCCLUDER_COLOR_NAME,
  ...Object.values(SIZE_WORDS),
  ...Object.values(DIRECTION_WORDS).flat(),
  ...Object.values(SPEED_WORDS).flat(),
  ...Object.values(RELATION_WORDS).flat(),
];

/**
 * The words the templates write around the word lists (shapes, verbs, glue). The
 * templates are closures inside captions.ts, so this list is kept by hand; the tests
 * check it both ways against thousands of generated captions (every caption word is in
 * the vocabulary, every vocabulary word occurs in some caption).
 */
const TEMPLATE_WORDS: readonly string[] = [
  // objects
  'ball', 'balls', 'square', 'bar', 'wall', 'occluder', 'floor', 'ground', 'space', 'line', 'arc', 'side', 'rest',
  // verbs
  'moves', 'moving', 'glides', 'drifts', 'travels', 'flies', 'follows', 'thrown', 'tosses', 'launched', 'falls',
  'bounces', 'bouncing', 'dropped', 'drops', 'hits', 'collide', 'crashes', 'bump', 'passes', 'reappears',
  'comes', 'disappears', 'hidden', 're-emerges', 'goes', 'emerges', 'is', 'sits', 'placed', 'appears',
  'positioned', 'slides', 'stops', 'stop', 'pushed', 'slows', 'skids', 'halts',
  // descriptions
  'constant', 'straight', 'empty', 'parabolic', 'gravity', 'head-on', 'glancing', 'angle', 'two', 'both', 'all',
  'each', 'other', 'someone', 'it',
  // glue
  'an', 'and', 'then', 'while', 'in', 'into', 'onto', 'off', 'out', 'through', 'along', 'across', 'behind', 'by',
  'back', 'again', 'before', 'until',
];

/** A run of letters and digits, with inner hyphens or apostrophes. */
const WORD = /[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*/gu;

/** A prompt's words after normalisation (see the file comment). */
export function words(prompt: string): string[] {
  return prompt.normalize('NFKC').toLowerCase().replace(/’/g, "'").match(WORD) ?? [];
}

const WORDS = [...new Set([...WORD_LIST_PHRASES.flatMap(words), ...TEMPLATE_WORDS])].sort();
const VOCABULARY: readonly string[] = [...SPECIAL_TOKENS, ...WORDS];
const IDS = new Map(VOCABULARY.map((token, id) => [token, id]));

export const VOCAB_SIZE = VOCABULARY.length;
/** `world-v1-` + the first 12 hex digits of the SHA-256 of the vocabulary, one token a line. */
export const VOCAB_VERSION = `world-v1-${crypto.createHash('sha256').update(VOCABULARY.join('\n')).digest('hex').slice(0, 12)}`;

/** The tokens in id order (a copy). */
export function vocabulary(): string[] {
  return VOCABULARY.slice();
}

/** The id of a token or normalised word; UNK_ID for a word outside the vocabulary. */
export function tokenId(token: string): number {
  return IDS.get(token) ?? UNK_ID;
}

/** The words of `ids` up to the first [PAD] (for logs and tests). */
export function decode(ids: ArrayLike<number>): string {
  const out: string[] = [];
  for (let i = 0; i < ids.length && ids[i] !== PAD_ID; i++) out.push(VOCABULARY[ids[i]] ?? SPECIAL_TOKENS[UNK_ID]);
  return out.join(' ');
}

/** One prompt as a fixed-length id sequence. */
export interface EncodedPrompt {
  /** [maxLength] token ids, [PAD] after the last word. */
  ids: Int32Array;
  /** [maxLength] 1 = a word, 0 = padding. */
  mask: Float32Array;
  /** Number of words kept (≤ maxLength). */
  length: number;
  /** Words outside the vocabulary, each once, in order of first appearance. */
  unknown: string[];
  /** Whether words past maxLength were cut off. */
  truncated: boolean;
}

/**
 * Tokenize `prompt` into `maxLength` ids. An empty or whitespace-only prompt is a
 * UserError ("prompt is empty"), and so is one with no words at all (only punctuation).
 */
export function encode(prompt: string, maxLength: number): EncodedPrompt {
  checkMaxLength(maxLength);
  if (prompt.trim() === '') throw new UserError('prompt is empty');
  const all = words(prompt);
  if (all.length === 0) throw new UserError(`prompt has no words: ${JSON.stringify(prompt)}`);
  const kept = all.slice(0, maxLength);
  const ids = new Int32Array(maxLength); // [PAD] = 0 everywhere else
  const mask = new Float32Array(maxLength);
  const unknown: string[] = [];
  kept.forEach((word, i) => {
    ids[i] = tokenId(word);
    mask[i] = 1;
    if (ids[i] === UNK_ID && !unknown.includes(word)) unknown.push(word);
  });
  return { ids, mask, length: kept.length, unknown, truncated: all.length > maxLength };
}

/**
 * The "no caption" sequence: [NULL], then padding. Users cannot write it (an empty prompt
 * is an error); training swaps it in for dropped captions and guided sampling encodes it
 * for the unconditional branch, so its embedding is learned with the encoder.
 */
export function nullSequence(maxLength: number): EncodedPrompt {
  checkMaxLength(maxLength);
  const ids = new Int32Array(maxLength);
  const mask = new Float32Array(maxLength);
  ids[0] = NULL_ID;
  mask[0] = 1;
  return { ids, mask, length: 1, unknown: [], truncated: false };
}

/** Encoded prompts as one batch: token ids and the attention mask, [rows·maxLength] each, row-major. */
export function packRows(rows: readonly EncodedPrompt[], maxLength: number): { ids: Int32Array; mask: Float32Array } {
  const ids = new Int32Array(rows.length * maxLength);
  const mask = new Float32Array(rows.length * maxLength);
  rows.forEach((r, i) => {
    ids.set(r.ids, i * maxLength);
    mask.set(r.mask, i * maxLength);
  });
  return { ids, mask };
}

/** The one-line warning for `unknown` words, or undefined when there are none. */
export function unknownWordsWarning(unknown: readonly string[]): string | undefined {
  return unknown.length === 0 ? undefined : `unknown words mapped to [UNK]: ${unknown.join(', ')}`;
}

function checkMaxLength(maxLength: number): void {
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
}
