/**
 * Which samples a command makes: families, split, count, seed and clip size. Shared by
 * `spacetime data make`, `data export` and the notebooks, validated in one place.
 */
import type { FrameSize } from '../base/args.js';
import { UserError } from '../base/errors.js';
import { DEFAULT_CLIP, type ClipConfig, type SampleRequest } from './world/sample.js';
import { FAMILIES, SPLITS, type Family, type Split } from './world/spec.js';

export interface Selection {
  families: Family[];
  split: Split;
  n: number;
  seed: number;
  clip: ClipConfig;
}

/** Largest clip side and length we accept (bigger ones are almost surely a typo). */
const MAX_SIDE = 1024;
const MAX_FRAMES = 1000;

export interface SelectionInput {
  families?: string;
  split?: string;
  n?: number;
  seed?: number;
  width?: number;
  height?: number;
  /** `--size`: width × height (from `WxH`), or one side of a square; --width / --height win over it. */
  size?: number | FrameSize;
  frames?: number;
  fps?: number;
}

/** Validate raw flag values into a Selection, or throw a one-line UserError. */
export function parseSelection(input: SelectionInput): Selection {
  const families = parseFamilies(input.families ?? 'all');
  const split = input.split ?? 'id';
  if (!(SPLITS as readonly string[]).includes(split)) {
    throw new UserError(`unknown split "${split}" (expected one of: ${SPLITS.join(', ')})`);
  }
  const n = input.n ?? 1;
  if (!Number.isInteger(n) || n <= 0) throw new UserError(`--n must be a positive integer, got ${n}`);
  const seed = input.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new UserError(`--seed must be a non-negative integer, got ${seed}`);
  const size = typeof input.size === 'number' ? { width: input.size, height: input.size } : input.size;
  const width = input.width ?? size?.width ?? DEFAULT_CLIP.width;
  const height = input.height ?? size?.height ?? DEFAULT_CLIP.height;
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (Number.isInteger(v) && v >= 8 && v <= MAX_SIDE) continue;
    if (input[name] === undefined && size) throw new UserError(`--size ${size.width}x${size.height}: each side must be an integer in [8, ${MAX_SIDE}]`);
    throw new UserError(`--${name} must be an integer in [8, ${MAX_SIDE}], got ${v}`);
  }
  const numFrames = input.frames ?? DEFAULT_CLIP.numFrames;
  if (!Number.isInteger(numFrames) || numFrames < 2 || numFrames > MAX_FRAMES) {
    throw new UserError(`--frames must be an integer in [2, ${MAX_FRAMES}], got ${numFrames}`);
  }
  const fps = input.fps ?? DEFAULT_CLIP.fps;
  if (!(fps > 0 && fps <= 240)) throw new UserError(`--fps must be in (0, 240], got ${fps}`);
  return { families, split: split as Split, n, seed, clip: { ...DEFAULT_CLIP, width, height, numFrames, fps } };
}

export function parseFamilies(list: string): Family[] {
  if (list === 'all') return [...FAMILIES];
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UserError('--families is empty');
  for (const name of names) {
    if (!(FAMILIES as readonly string[]).includes(name)) {
      throw new UserError(`unknown family "${name}" (expected one of: ${FAMILIES.join(', ')}, or all)`);
    }
  }
  return [...new Set(names)] as Family[];
}

/** Sample `i` of a selection: families take turns, each with its own running index. */
export function requestAt(sel: Selection, i: number): SampleRequest {
  const family = sel.families[i % sel.families.length];
  return { family, split: sel.split, seed: sel.seed, index: Math.floor(i / sel.families.length), ...sel.clip };
}

/** The selection as plain JSON, recorded in manifests and run folders. */
export function describeSelection(sel: Selection): Record<string, unknown> {
  return { families: sel.families, split: sel.split, n: sel.n, seed: sel.seed, ...sel.clip };
}
