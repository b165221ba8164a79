// The counterfactual check's validity, as eval/validity.test.ts is the harness's: the ground-truth
// renders of every pair change the right way (every cause, 100%), while the same videos paired
// wrongly do not — reversed (base ↔ changed) never, shuffled within a cause rarely — and what a
// protocol cannot carry (no words, no frames showing the cause) is not judged.
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../base/rng.js';
import { CAUSES } from '../physics/outcomes.js';
import { createScorer } from '../score.js';
import { PAIRS_PER_CAUSE } from '../suites/counterfactual.js';
import { resolveSuite, suiteTruth, type SuiteItem } from '../suites/suites.js';
import type { StateFile } from '../../datasets/interchange.js';
import type { Track } from '../types.js';
import { checkPairs, pairClip, type PairClip } from './counterfactual.js';

const suite = resolveSuite('counterfactual');
/** Each item's true render, scored (raw frames, no MP4: tests/eval-cli.test.ts covers the round trip). */
let scored: { item: SuiteItem; state: StateFile; tracks: Track[] }[];
const clipsAt = (keepFrames: number | undefined): PairClip[] =>
  scored.map(({ item, state, tracks }) => pairClip(item.counterfactual!, { id: item.promptId, seed: 1, caption: item.caption }, tracks, state, keepFrames));

beforeAll(() => {
  const score = createScorer({ physicsIq: false });
  scored = suite.items.map((item) => {
    const { video, state } = suiteTruth(item);
    return { item, state, tracks: score({ video, caption: item.caption, truth: state }).tracks };
  });
}, 60_000);

describe('counterfactual check on the ground truth', () => {
  it('passes every pair of every cause (sign and size within 0.5–2×)', () => {
    const result = checkPairs(clipsAt(undefined), undefined);
    expect(Object.keys(result.per_cause)).toEqual([...CAUSES]);
    for (const [cause, t] of Object.entries(result.per_cause)) expect(t, cause).toEqual({ pairs: PAIRS_PER_CAUSE, testable: PAIRS_PER_CAUSE, correct: PAIRS_PER_CAUSE, share: 1 });
    // The parser's error on the change is far inside the tolerance (measured: under 2% of it).
    for (const p of result.pairs) expect(Math.abs(p.measured_change! / p.truth_change! - 1), p.pair).toBeLessThan(0.05);
  });

  it('fails every pair with its two videos swapped', () => {
    const swapped = clipsAt(undefined).map((c, _, all) => ({ ...c, measured: all.find((o) => o.pair === c.pair && o.changed !== c.changed)!.measured }));
    expect(checkPairs(swapped, undefined).overall.correct).toBe(0);
  });

  it('fails most pairs with the videos of a cause shuffled among its pairs', () => {
    const rng = Rng.from('counterfactual-test/shuffle');
    const clips = clipsAt(undefined);
    const shuffled = CAUSES.flatMap((cause) => {
      const of = clips.filter((c) => c.cause === cause);
      const measured = rng.shuffled(of.map((c) => c.measured));
      return of.map((c, k) => ({ ...c, measured: measured[k] }));
    });
    const result = checkPairs(shuffled, undefined);
    expect(result.overall.share).toBeLessThan(0.4); // measured 0.27 (0.17–0.27 over other shuffles)
    for (const [cause, t] of Object.entries(result.per_cause)) expect(t.correct, cause).toBeLessThanOrEqual(5); // of 8; measured 0–4
  });
});

describe('which pairs a protocol carries', () => {
  const testable = (keepFrames: number) => Object.fromEntries(Object.entries(checkPairs(clipsAt(keepFrames), keepFrames).per_cause).map(([c, t]) => [c, t.testable]));

  it('text-only: the causes the captions name (speed, direction, mass), judged by sign', () => {
    const result = checkPairs(clipsAt(0), 0);
    expect(testable(0)).toEqual({ speed: 8, direction: 8, mass: 8, restitution: 0, floor: 0, gravity: 0 });
    expect(result.tolerance.sign_only).toBe(true);
    expect(result.overall.share).toBe(1);
    expect(result.pairs.find((p) => p.cause === 'speed')!.carried_by).toEqual(['caption']);
  });

  it('given frames: gravity once the fall parts the frames, restitution and the floor once the bounce is given', () => {
    expect(testable(2)).toMatchObject({ gravity: 0, restitution: 0, floor: 0 });
    expect(testable(3)).toMatchObject({ gravity: 8, restitution: 0, floor: 0 });
    const late = checkPairs(clipsAt(10), 10);
    expect(late.per_cause.restitution.testable).toBeGreaterThan(0);
    expect(late.pairs.filter((p) => p.cause === 'floor' && p.testable).every((p) => p.carried_by.includes('frames') && p.correct)).toBe(true);
    expect(checkPairs(clipsAt(3), 3).pairs.find((p) => p.cause === 'mass')!.carried_by).toEqual(['caption', 'frames']); // the size is drawn
  });

  it('leaves out a clip without its partner (another seed, or not scored)', () => {
    const clips = clipsAt(undefined);
    const result = checkPairs([...clips.slice(1), { ...clips[0], seed: 2 }], undefined);
    expect(result.overall.pairs).toBe(CAUSES.length * PAIRS_PER_CAUSE - 1);
  });
});
