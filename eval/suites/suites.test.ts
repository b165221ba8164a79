import { describe, expect, it } from 'vitest';
import { CATEGORIES, ITEMS_PER_CATEGORY, categoryFromCaption, resolveSuite, suiteItemAt, suiteNames, suiteTruth } from './suites.js';
import { createScorer } from '../score.js';
import { isHeldOut } from '../../datasets/world/splits.js';
import type { StateFile } from '../../datasets/interchange.js';
import { CAUSES } from '../physics/outcomes.js';
import { COUNTERFACTUAL_VERSION, PAIRS_PER_CAUSE } from './counterfactual.js';

describe('suites', () => {
  it('name every category × split, all-SPLIT, smoke and counterfactual', () => {
    expect(suiteNames()).toHaveLength(CATEGORIES.length * 3 + 5);
    expect(suiteNames()).toContain('counterfactual');
    expect(suiteNames()).toContain('gravity-id');
    expect(suiteNames()).toContain('all-combo');
  });

  it('are pure functions of the name: the same items and captions every time', () => {
    const a = resolveSuite('bounce-ood');
    expect(a).toEqual(resolveSuite('bounce-ood'));
    expect(a.items).toHaveLength(ITEMS_PER_CATEGORY);
    expect(a.items.map((i) => i.promptId)).toEqual(Array.from({ length: 8 }, (_, k) => `bounce-00${k}`));
    expect(new Set(a.items.map((i) => i.caption)).size).toBe(8);
    expect(a).toMatchObject({ name: 'bounce-ood', version: 1, split: 'ood', categories: ['bounce'] });
  });

  it('all-SPLIT covers every category; --limit keeps the first prompts of each', () => {
    const s = resolveSuite('all-id', { limit: 2 });
    expect(s.items).toHaveLength(CATEGORIES.length * 2);
    expect(new Set(s.items.map((i) => i.category))).toEqual(new Set(CATEGORIES));
    expect(resolveSuite('smoke').items).toHaveLength(CATEGORIES.length);
  });

  it('counting and spatial-relations draw disjoint layout samples; binding alternates uniform and slide', () => {
    const spatial = resolveSuite('spatial-relations-id').items.map((i) => i.index);
    const counting = resolveSuite('counting-id').items.map((i) => i.index);
    expect(spatial.some((i) => counting.includes(i))).toBe(false);
    expect(resolveSuite('attribute-binding-id', { limit: 4 }).items.map((i) => i.family)).toEqual(['uniform', 'slide', 'uniform', 'slide']);
  });

  it('combo items hold a held-out combination; truth renders at any clip size', () => {
    const [item] = resolveSuite('collision-combo').items;
    const { video, state } = suiteTruth(item, { width: 16, height: 16, numFrames: 4 });
    expect([video.numFrames, video.height, video.width]).toEqual([4, 16, 16]);
    expect(isHeldOut(state.spec.family, state.objects[0].color, state.objects[0].shape)).toBe(true);
    expect(state.caption).toBe(item.caption);
    expect(state.objects[0].track).toHaveLength(4);
  });

  it('are resolved for a clip size: the prompts are the scenes at that size, and their truths score as the truth', () => {
    // The world fits a scene to its clip: at 32×48 or 32 frames some items are other scenes
    // (less room: speeds and sizes cut, other draws), so their captions differ from the standard clip's.
    const score = createScorer({ physicsIq: false });
    const standard = resolveSuite('all-id');
    for (const clip of [{ width: 32, height: 48, numFrames: 16 }, { width: 32, height: 32, numFrames: 32 }, { width: 48, height: 32, numFrames: 16 }]) {
      const sized = resolveSuite('all-id', { clip });
      expect(sized.items.map((i) => i.promptId)).toEqual(standard.items.map((i) => i.promptId));
      expect(sized.items.map((i) => i.caption)).toEqual(standard.items.map((i) => suiteItemAt(i, clip).caption));
      const changed = sized.items.filter((item, k) => item.caption !== standard.items[k].caption);
      expect(changed.length).toBeGreaterThan(0); // measured: 11, 10 and 1 of 56
      // Scored against its own truth, every sized prompt is right (a standard caption against the sized truth is not).
      const wrong = sized.items.filter((item) => {
        const { video, state } = suiteTruth(item, clip);
        return !score({ video, caption: item.caption, truth: state }).jointCorrect;
      });
      expect({ clip, wrong: wrong.map((i) => i.promptId) }).toEqual({ clip, wrong: [] });
      // An item resolved for the standard clip is refused where its scene is another.
      const stale = standard.items.find((i) => i.promptId === changed[0].promptId)!;
      expect(() => suiteTruth(stale, clip)).toThrow(new RegExp(`suite item ${stale.promptId} was resolved for another clip size than ${clip.width}x${clip.height}x${clip.numFrames}`));
    }
    expect(resolveSuite('counterfactual', { clip: { numFrames: 32 } }).items.map((i) => i.promptId)).toEqual(resolveSuite('counterfactual').items.map((i) => i.promptId));
  });

  it('refuses unknown names and a bad limit, listing what exists', () => {
    expect(() => resolveSuite('wobble-id')).toThrow(/unknown suite "wobble-id".*categories: gravity/);
    expect(() => resolveSuite('gravity-id', { limit: 0 })).toThrow(/--limit must be a positive integer/);
  });

  it('guesses a category from caption words', () => {
    expect(categoryFromCaption('a red ball bounces on the floor')).toBe('bounce');
    expect(categoryFromCaption('a red ball is left of a blue square')).toBe('spatial-relations');
    expect(categoryFromCaption('a blue ball moves to the right')).toBe('attribute-binding');
  });
});

/** What differs between two scenes at their start: constants, and each object's look and initial state. */
function startDifferences(a: StateFile, b: StateFile): string[] {
  const differ: string[] = [];
  for (const key of Object.keys(a.constants) as (keyof StateFile['constants'])[]) if (a.constants[key] !== b.constants[key]) differ.push(`constants.${key}`);
  a.objects.forEach((o, k) => {
    const p = b.objects[k];
    if (o.color !== p.color || o.shape !== p.shape) differ.push(`objects.${k}.look`);
    if (o.size.halfWidth !== p.size.halfWidth) differ.push(`objects.${k}.size`);
    for (const f of ['x', 'y', 'vx', 'vy'] as const) if (o.track[0][f] !== p.track[0][f]) differ.push(`objects.${k}.${f}`);
  });
  return differ;
}

describe('the counterfactual suite', () => {
  const suite = resolveSuite('counterfactual');

  it('holds PAIRS_PER_CAUSE pairs of every cause, each as a base and a changed item; --limit keeps pairs per cause', () => {
    expect(suite).toMatchObject({ name: 'counterfactual', version: COUNTERFACTUAL_VERSION, split: 'id' });
    expect(suite.items).toHaveLength(CAUSES.length * PAIRS_PER_CAUSE * 2);
    expect(suite.items.slice(0, 2).map((i) => [i.promptId, i.counterfactual])).toEqual([
      ['speed-000-base', { pair: 'speed-000', cause: 'speed', changed: false }],
      ['speed-000-changed', { pair: 'speed-000', cause: 'speed', changed: true }],
    ]);
    expect(new Set(suite.items.map((i) => i.promptId)).size).toBe(suite.items.length);
    const limited = resolveSuite('counterfactual', { limit: 1 });
    expect(limited.items.map((i) => i.promptId)).toEqual(CAUSES.flatMap((c) => [`${c}-000-base`, `${c}-000-changed`]));
    expect(limited.items).toEqual(suite.items.filter((i) => i.counterfactual!.pair.endsWith('-000')));
  });

  it('pairs scenes that start alike but for the one cause', () => {
    const changes: Record<string, string[]> = { speed: ['objects.0.vx'], direction: ['objects.0.vx'], mass: ['objects.0.size'], restitution: ['constants.restitution'], floor: ['constants.floor'], gravity: ['constants.gravity'] };
    for (let k = 0; k < suite.items.length; k += 2) {
      const [base, changed] = [suite.items[k], suite.items[k + 1]];
      const differ = startDifferences(suiteTruth(base, { numFrames: 4 }).state, suiteTruth(changed, { numFrames: 4 }).state);
      expect(differ, base.counterfactual!.pair).toEqual(changes[base.counterfactual!.cause]);
      // The caption names the change where the world's words can (speed class, direction, size), else is the same.
      expect(base.caption !== changed.caption, base.counterfactual!.pair).toBe(['speed', 'direction', 'mass'].includes(base.counterfactual!.cause));
    }
  });
});
