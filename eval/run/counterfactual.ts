/**
 * The counterfactual check, run after scoring a `counterfactual` suite (eval/suites/
 * counterfactual.ts): for each pair (and seed), the change of outcome between its two videos
 * (eval/physics/outcomes.ts, from their parsed tracks) against the change between their
 * truths. A pair changed the right way when the sign matches and, with true frames given,
 * the size is within CHANGE_TOLERANCE of the truth's. run.json `counterfactual` holds the
 * share per cause (eval/FORMAT.md).
 *
 *   clips.push(pairClip(item, input, score.tracks, truth, keepFrames));   // per scored video
 *   const result = checkPairs(clips, keepFrames);
 *   result.per_cause.speed.share   // 0..1, null when no speed pair was testable
 *
 * A pair is judged only when the run told the model its two scenes apart ("carried"): their
 * captions differ, or the K true frames given differ visibly (an object's true position or
 * size apart by half a pixel, or half of it in view in one and not the other). A text-only
 * restitution pair (same caption, no frames) cannot be right or wrong: it counts as a pair,
 * not as testable. A folder scored without --given-frames (K unknown) judges every pair.
 * Text-only (K = 0) judges the sign only: the prompt names a class ("slowly"), not a value,
 * so the truth's size of change is one right answer among many.
 */
import type { StateFile } from '../../datasets/interchange.js';
import { truthTracks } from '../parse/truth.js';
import { BINARY_OUTCOMES, CAUSES, CHANGE_TOLERANCE, changedRightWay, measureOutcome, type Cause } from '../physics/outcomes.js';
import type { Track } from '../types.js';

/** Given frames differ visibly when a true position or size differs by this many pixels (or this share of an object is in view in one only). */
export const VISIBLY_APART = 0.5;

/** What the check keeps of one scored video of a pair (its frames and tracks are let go). */
export interface PairClip {
  /** The video's input id, `<promptId>-s<seed>`. */
  id: string;
  pair: string;
  cause: Cause;
  changed: boolean;
  seed: number;
  caption: string;
  /** The outcome from the video's tracks, and from the truth's own (null: not measurable). */
  measured: number | null;
  truth: number | null;
  /** Per object and given frame: the true pixel position, share in view and pixel size (for the "carried" test). */
  given: number[];
}

export interface CauseTally {
  pairs: number;
  /** Pairs the run's protocol carried (and whose true outcomes are measurable from its first generated frame). */
  testable: number;
  correct: number;
  /** correct / testable; NaN (null in JSON) when nothing was testable. */
  share: number;
}

export interface PairResult {
  pair: string;
  cause: Cause;
  seed: number;
  carried_by: ('caption' | 'frames')[];
  testable: boolean;
  truth_change: number | null;
  measured_change: number | null;
  correct: boolean;
}

/** run.json `counterfactual`. */
export interface CounterfactualResult {
  tolerance: { low: number; high: number; sign_only: boolean };
  overall: CauseTally;
  /** Causes in CAUSES order, those with pairs in the run. */
  per_cause: Record<string, CauseTally>;
  pairs: PairResult[];
}

/** One scored video of a pair: its outcome and the truth's, from frame K on (0 when K is unknown). */
export function pairClip(
  item: { pair: string; cause: Cause; changed: boolean },
  input: { id: string; seed: number; caption: string },
  tracks: readonly Track[],
  truth: StateFile,
  keepFrames: number | undefined,
): PairClip {
  const from = keepFrames ?? 0;
  return {
    id: input.id,
    ...item,
    seed: input.seed,
    caption: input.caption,
    measured: measureOutcome(item.cause, tracks, truth, from),
    truth: measureOutcome(item.cause, truthTracks(truth), truth, from),
    given: givenView(truth, keepFrames ?? 0),
  };
}

/** Pair up the clips (same pair and seed, base and changed) and tally per cause; a clip without its partner is left out. */
export function checkPairs(clips: readonly PairClip[], keepFrames: number | undefined): CounterfactualResult {
  const byKey = new Map<string, { base?: PairClip; changed?: PairClip }>();
  for (const c of clips) {
    const key = `${c.pair}|${c.seed}`;
    const entry = byKey.get(key) ?? {};
    entry[c.changed ? 'changed' : 'base'] = c;
    byKey.set(key, entry);
  }
  const signOnly = keepFrames === 0;
  const pairs: PairResult[] = [];
  for (const { base, changed } of byKey.values()) {
    if (!base || !changed) continue;
    const carried: PairResult['carried_by'] = [];
    if (base.caption !== changed.caption) carried.push('caption');
    if (keepFrames && visiblyApart(base.given, changed.given)) carried.push('frames');
    const truthChange = base.truth !== null && changed.truth !== null ? changed.truth - base.truth : null;
    const measuredChange = base.measured !== null && changed.measured !== null ? changed.measured - base.measured : null;
    const testable = truthChange !== null && truthChange !== 0 && (keepFrames === undefined || carried.length > 0);
    const correct = testable && changedRightWay(base.cause, truthChange, signOnly && !BINARY_OUTCOMES.has(base.cause) ? signOf(measuredChange, truthChange) : measuredChange);
    pairs.push({ pair: base.pair, cause: base.cause, seed: base.seed, carried_by: carried, testable, truth_change: truthChange, measured_change: measuredChange, correct });
  }
  pairs.sort((a, b) => CAUSES.indexOf(a.cause) - CAUSES.indexOf(b.cause) || a.pair.localeCompare(b.pair) || a.seed - b.seed);
  const per_cause: Record<string, CauseTally> = {};
  for (const cause of CAUSES) {
    const of = pairs.filter((p) => p.cause === cause);
    if (of.length > 0) per_cause[cause] = tally(of);
  }
  return { tolerance: { ...CHANGE_TOLERANCE, sign_only: signOnly }, overall: tally(pairs), per_cause, pairs };
}

function tally(pairs: readonly PairResult[]): CauseTally {
  const testable = pairs.filter((p) => p.testable).length;
  const correct = pairs.filter((p) => p.correct).length;
  return { pairs: pairs.length, testable, correct, share: testable > 0 ? correct / testable : NaN };
}

/** Sign-only judging: a measured change of the right sign stands in as the truth's own change. */
function signOf(measured: number | null, truth: number): number | null {
  return measured === null ? null : Math.sign(measured) === Math.sign(truth) ? truth : -truth;
}

/** [px, py, visible, size in px] per object per frame below K, flattened. */
function givenView(truth: StateFile, keepFrames: number): number[] {
  const scale = truth.constants.scale;
  return truth.objects.flatMap((o) =>
    o.track.slice(0, keepFrames).flatMap((p) => [p.px, p.py, p.visible, (o.size.radius ?? o.size.halfWidth) * scale]),
  );
}

function visiblyApart(a: readonly number[], b: readonly number[]): boolean {
  return a.length !== b.length || a.some((v, i) => Math.abs(v - b[i]) >= VISIBLY_APART);
}
