/**
 * Evaluation suites: named, versioned prompt sets, one per category and split. Every item
 * is a sample of the world — (family, split, world seed, index) — so it carries its own
 * ground truth: the caption is the prompt, and the same sample gives the state file and the
 * true render at any clip size.
 *
 *   const suite = resolveSuite('gravity-id');           // 8 prompts, split id
 *   suite.items[0].caption                               // "a small red ball is thrown to the left"
 *   const truth = suiteTruth(suite.items[0]);            // the standard clip: 32×32, 16 frames at 10 fps
 *
 * A suite is resolved for one clip size. The world fits a scene to its clip (datasets/world
 * families: less room cuts speeds and sizes, and draws differ), so the same item at another
 * size or length can be another scene with another caption: `resolveSuite(name, { clip })`
 * gives the items' captions at that clip, and `suiteTruth(item, clip)` refuses an item
 * resolved for a clip whose scene differs (a prompt scored against another scene's truth).
 *
 * Names: `CATEGORY-SPLIT` (e.g. `bounce-ood`), `all-SPLIT` (every category), `smoke`
 * (one prompt per category, split id: for tests and notebooks) and `counterfactual` (pairs of
 * scenes that differ in one cause, eval/suites/counterfactual.ts). Items are a pure function of
 * SUITE_VERSION (COUNTERFACTUAL_VERSION for `counterfactual`), so results of the same suite
 * name and version are comparable across runs.
 */
import { UserError } from '../../base/errors.js';
import { toStateFile, type StateFile } from '../../datasets/interchange.js';
import { makeSample, type ClipConfig } from '../../datasets/world/sample.js';
import { SPLITS, type Family, type Split } from '../../datasets/world/spec.js';
import type { Video } from '../../base/video/video.js';
import type { Cause } from '../physics/outcomes.js';
import { COUNTERFACTUAL_VERSION, COUNTERFACTUAL_WORLD_SEED, PAIRS_PER_CAUSE, counterfactualPairs, pairChange } from './counterfactual.js';

/** Bump when the items of any suite change (the world seed, counts, the category mapping). */
export const SUITE_VERSION = 1;
/**
 * World seed of every suite item: training sets are made with small seeds (`data make
 * --seed 1`), so suite prompts are fresh samples of the same distribution, not training clips.
 */
export const SUITE_WORLD_SEED = 1000;
/** Prompts per category in a `CATEGORY-SPLIT` suite: small enough for two CPU cores. */
export const ITEMS_PER_CATEGORY = 8;

export const CATEGORIES = ['gravity', 'bounce', 'collision', 'permanence', 'spatial-relations', 'counting', 'attribute-binding'] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * Which world families a category draws from, and from which index on (two categories
 * share `layout`, on disjoint index ranges). Families take turns within a category.
 *   gravity            parabola: free flight under g
 *   bounce             bounce: a drop, restitution < 1
 *   collision          collision: two balls, momentum and energy
 *   permanence         occlusion: a ball passes behind a bar (and re-emerges)
 *   spatial-relations  layout: left of / right of / above / below
 *   counting           layout: two or three objects, each named in the prompt
 *   attribute-binding  uniform and slide: colour, shape, size and direction of one object
 */
export const CATEGORY_SOURCES: Readonly<Record<Category, { families: readonly Family[]; firstIndex: number }>> = {
  gravity: { families: ['parabola'], firstIndex: 0 },
  bounce: { families: ['bounce'], firstIndex: 0 },
  collision: { families: ['collision'], firstIndex: 0 },
  permanence: { families: ['occlusion'], firstIndex: 0 },
  'spatial-relations': { families: ['layout'], firstIndex: 0 },
  counting: { families: ['layout'], firstIndex: 500 },
  'attribute-binding': { families: ['uniform', 'slide'], firstIndex: 0 },
};

export interface SuiteItem {
  /** Stable prompt id, `CATEGORY-NNN` (unique within a suite). */
  promptId: string;
  category: Category;
  family: Family;
  split: Split;
  worldSeed: number;
  index: number;
  /** The world's caption of the sample: the prompt. */
  caption: string;
  /** In the `counterfactual` suite: its pair, the cause the pair differs in, and which of the two this is. */
  counterfactual?: { pair: string; cause: Cause; changed: boolean };
}

export interface Suite {
  name: string;
  version: number;
  split: Split;
  categories: Category[];
  items: SuiteItem[];
}

export function isCategory(name: string): name is Category {
  return (CATEGORIES as readonly string[]).includes(name);
}

/** Every suite name: `CATEGORY-SPLIT`, `all-SPLIT`, `smoke` and `counterfactual`. */
export function suiteNames(): string[] {
  return [...CATEGORIES.flatMap((c) => SPLITS.map((s) => `${c}-${s}`)), ...SPLITS.map((s) => `all-${s}`), 'smoke', 'counterfactual'];
}

/** The k-th prompt of a category in a split (its caption at `clip`, default the standard clip). */
export function categoryItem(category: Category, split: Split, k: number, clip: Partial<ClipConfig> = {}): SuiteItem {
  const { families, firstIndex } = CATEGORY_SOURCES[category];
  const family = families[k % families.length];
  const index = firstIndex + Math.floor(k / families.length);
  const item = { promptId: `${category}-${String(k).padStart(3, '0')}`, category, family, split, worldSeed: SUITE_WORLD_SEED, index };
  return { ...item, caption: itemSample(item, clip).meta.caption };
}

/** The item at another clip size: the same prompt id and world sample, its caption at that clip. */
export function suiteItemAt(item: SuiteItem, clip: Partial<ClipConfig>): SuiteItem {
  return { ...item, caption: itemSample(item, clip).meta.caption };
}

/** An item's world sample at a clip size (a counterfactual item with its pair's change). */
function itemSample(item: Omit<SuiteItem, 'caption'>, clip: Partial<ClipConfig>) {
  const change = item.counterfactual && pairChange(item.counterfactual.cause, item.counterfactual.changed);
  const given = Object.fromEntries(Object.entries(clip).filter(([, v]) => v !== undefined));
  return makeSample({ family: item.family, split: item.split, seed: item.worldSeed, index: item.index, ...given }, change);
}

export interface ResolveOptions {
  /** At most this many prompts per category (the first ones); for `counterfactual`, pairs per cause. */
  limit?: number;
  /** The clip size the suite is generated at: each item's caption is its scene's at that size (default the standard clip). */
  clip?: Partial<ClipConfig>;
}

/** The suite called `name`, or a UserError listing the names. */
export function resolveSuite(name: string, options: ResolveOptions = {}): Suite {
  const limit = options.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UserError(`--limit must be a positive integer, got ${limit}`, 1);
  const perCategory = (n: number) => Math.min(n, limit ?? n);
  const clip = options.clip ?? {};
  const build = (split: Split, categories: Category[], n: number): Suite => ({
    name,
    version: SUITE_VERSION,
    split,
    categories,
    items: categories.flatMap((c) => Array.from({ length: perCategory(n) }, (_, k) => categoryItem(c, split, k, clip))),
  });
  if (name === 'smoke') return build('id', [...CATEGORIES], 1);
  if (name === 'counterfactual') return counterfactualSuite(perCategory(PAIRS_PER_CAUSE), clip);
  const match = /^(.+)-(id|ood|combo)$/.exec(name);
  if (match) {
    const [, head, split] = match as unknown as [string, string, Split];
    if (head === 'all') return build(split, [...CATEGORIES], ITEMS_PER_CATEGORY);
    if (isCategory(head)) return build(split, [head], ITEMS_PER_CATEGORY);
  }
  throw new UserError(`unknown suite "${name}" (expected CATEGORY-SPLIT, all-SPLIT, smoke or counterfactual; categories: ${CATEGORIES.join(', ')}; splits: ${SPLITS.join(', ')})`, 1);
}

/** `n` pairs per cause, each as two items `PAIR-base` and `PAIR-changed` (category: their family's). */
function counterfactualSuite(n: number, clip: Partial<ClipConfig>): Suite {
  const items = counterfactualPairs(n).flatMap(({ pair, cause, family, index }) =>
    [false, true].map((changed): SuiteItem => {
      const promptId = `${pair}-${changed ? 'changed' : 'base'}`;
      const item = { promptId, category: FAMILY_CATEGORY[family], family, split: 'id' as Split, worldSeed: COUNTERFACTUAL_WORLD_SEED, index, counterfactual: { pair, cause, changed } };
      return { ...item, caption: itemSample(item, clip).meta.caption };
    }),
  );
  const categories = CATEGORIES.filter((c) => items.some((i) => i.category === c));
  return { name: 'counterfactual', version: COUNTERFACTUAL_VERSION, split: 'id', categories, items };
}

/**
 * The ground truth of an item at a clip size: the true render and its state file. Throws when
 * the item was resolved for a clip whose scene is another (its caption is not this scene's):
 * resolve the suite at this clip (`resolveSuite(name, { clip })`, or `suiteItemAt`).
 */
export function suiteTruth(item: SuiteItem, clip: Partial<ClipConfig> = {}): { video: Video; state: StateFile } {
  const { frames, meta } = itemSample(item, clip);
  if (meta.caption !== item.caption) {
    throw new Error(`suite item ${item.promptId} was resolved for another clip size than ${meta.width}x${meta.height}x${meta.numFrames} at ${meta.fps} fps, where its scene is "${meta.caption}", not "${item.caption}"`);
  }
  return { video: { frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps }, state: toStateFile(meta) };
}

/** Which category a world family's video belongs to when no suite says (imported folders). */
export const FAMILY_CATEGORY: Readonly<Record<Family, Category>> = {
  parabola: 'gravity',
  bounce: 'bounce',
  collision: 'collision',
  occlusion: 'permanence',
  layout: 'spatial-relations',
  uniform: 'attribute-binding',
  slide: 'attribute-binding',
};

/**
 * A best guess at a caption's category from its words, for a video that comes with
 * neither a suite item nor a state file (another generator's output).
 */
export function categoryFromCaption(caption: string): Category {
  const text = caption.toLowerCase();
  if (/\bbounc/.test(text)) return 'bounce';
  if (/\b(collide|crash|bump|hits)\b/.test(text)) return 'collision';
  if (/\b(behind|occluder|hidden|disappears|wall)\b/.test(text)) return 'permanence';
  if (/\b(thrown|tosses|arc|launched|parabolic)\b/.test(text)) return 'gravity';
  if (/\b(left of|right of|above|below|beneath|under|over|higher than)\b/.test(text)) return 'spatial-relations';
  return 'attribute-binding';
}
