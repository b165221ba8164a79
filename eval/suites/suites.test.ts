import { describe, expect, it } from 'vitest';
import { CATEGORIES, ITEMS_PER_CATEGORY, categoryFromCaption, resolveSuite, suiteNames, suiteTruth } from './suites.js';
import { isHeldOut } from '../../datasets/world/splits.js';

describe('suites', () => {
  it('name every category × split, all-SPLIT and smoke', () => {
    expect(suiteNames()).toHaveLength(CATEGORIES.length * 3 + 4);
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
