/**
 * The `counterfactual` suite's pairs: a drawn world scene and the same scene with ONE cause
 * changed (datasets/world/sample.ts `SceneChange`), re-simulated. A model is right about a
 * cause when its two videos' outcomes (eval/physics/outcomes.ts) differ the way the truth's do
 * (eval/run/counterfactual.ts). Pairs are a pure function of COUNTERFACTUAL_VERSION.
 *
 *   cause        family     the one change                                  outcome measured
 *   speed        uniform    horizontal speed ×2 (below 3 units/s) or ÷2      horizontal velocity
 *   direction    uniform    velocity reversed                               horizontal velocity
 *   mass         collision  ball 0's radius ×1.5 or ÷1.5 (head-on; equal     the other ball's velocity
 *                           density, so its mass ×2.25 or ÷2.25)             after the collision
 *   restitution  bounce     e + 0.3 (below 0.7) or e − 0.35                 the height of the first rebound
 *   floor        bounce     no floor                                         through the floor line or not
 *   gravity      parabola   g = 0                                            vertical acceleration
 *
 * Which protocol carries which cause (a pair is judged only when the model is told the two
 * scenes apart, see eval/run/counterfactual.ts): speed, direction and mass pairs are drawn so
 * that their captions differ ("slowly" / "quickly", "left" / "right", "small" / "large"), so
 * every protocol carries them, text-only included; given frames carry them too once the true
 * positions part (mass from the first frame: the size is drawn). The world's captions have no
 * words for restitution, the floor or gravity, so those pairs share their caption and only
 * given frames that show the cause carry them: gravity from about 3 frames (the fall parts the
 * two by half a pixel at 32 px), restitution and the floor only once the first bounce is
 * among them (frames 7–11 of a 16-frame clip). Without a floor a `bounce` clip keeps its bounce
 * caption, which its frames then contradict; gravity pairs keep only the two parabola captions
 * that hold without gravity ("is thrown left", "someone tosses ... left").
 * The world has no walls (the occluder bar is drawn, not physical): the floor is the barrier.
 * Pairs are picked at the world's standard clip (DEFAULT_CLIP: 16 frames at 10 fps); any
 * square picture size gives the same scenes; another length, frame rate or aspect draws other ones.
 */
import { truthTracks } from '../parse/truth.js';
import { CAUSES, measureOutcome, type Cause } from '../physics/outcomes.js';
import { toStateFile, type StateFile } from '../../datasets/interchange.js';
import { makeSample, type SceneChange } from '../../datasets/world/sample.js';
import { SPEED_CLASS_BOUNDS, sizeClassOf, speedClassOf, type Direction, type Family, type ObjectSpec } from '../../datasets/world/spec.js';

/** Bump when the pairs change (the changes, the rules that pick them, the world seed). */
export const COUNTERFACTUAL_VERSION = 1;
/** World seed of the pairs' base scenes: apart from the category suites' (1000) and training's (small seeds). */
export const COUNTERFACTUAL_WORLD_SEED = 2000;
/** Pairs per cause in the full suite (two videos each). */
export const PAIRS_PER_CAUSE = 8;
/** Pairs must stay measurable when this many true frames are given (PhyWorld's 3, plus one). */
const MEASURABLE_FROM = 4;
/** Base scenes tried per cause before giving up (a bug, never a smaller suite); cause k searches from index k·MAX_TRIES, so causes of one family draw different scenes. */
const MAX_TRIES = 1000;

/** The radius at which a mass pair grows ball 0 rather than shrinking it. */
const MASS_PIVOT_RADIUS = 1.1;
const MASS_FACTOR = 1.5;
/** Restitution pairs: e below the pivot gains RESTITUTION_UP, else loses RESTITUTION_DOWN. */
const RESTITUTION_PIVOT = 0.7;
const RESTITUTION_UP = 0.3;
const RESTITUTION_DOWN = 0.35;
/** Smallest true change a pair may have: well above the parser's error on the outcome. */
const MIN_CHANGE: Readonly<Record<Cause, number>> = { speed: 1, direction: 1, mass: 0.5, restitution: 0.5, floor: 1, gravity: 5 };

/** One pair: the base scene `index` of the cause's family (world seed COUNTERFACTUAL_WORLD_SEED, split id). */
export interface CounterfactualPair {
  /** `CAUSE-NNN`, e.g. `speed-003`. */
  pair: string;
  cause: Cause;
  family: Family;
  index: number;
}

interface CauseScene {
  family: Family;
  change: SceneChange;
  /** Beyond a clear, measurable change: what else the pair must hold (captions, variant, templates). */
  qualifies: (base: WorldClip, changed: WorldClip) => boolean;
}

interface WorldClip {
  state: StateFile;
  template: string;
}

const withObject0 = (objects: readonly ObjectSpec[], o: Partial<ObjectSpec>) => objects.map((x, k) => (k === 0 ? { ...x, ...o } : x));
const captionsDiffer = (a: WorldClip, b: WorldClip) => a.state.caption !== b.state.caption;
const FLIP: Readonly<Record<Direction, Direction>> = { left: 'right', right: 'left', up: 'down', down: 'up' };

const CAUSE_SCENES: Readonly<Record<Cause, CauseScene>> = {
  speed: {
    family: 'uniform',
    change: (s) => {
      const { vx, vy } = s.objects[0].initial;
      const speed = Math.hypot(vx, vy);
      const k = speed < SPEED_CLASS_BOUNDS.fastFrom ? 2 : 0.5;
      return {
        ...s,
        objects: withObject0(s.objects, { initial: { ...s.objects[0].initial, vx: vx * k, vy: vy * k } }),
        motions: s.motions.map((m) => ({ ...m, speed: speed * k, speedClass: speedClassOf(speed * k) })),
      };
    },
    qualifies: captionsDiffer,
  },
  direction: {
    family: 'uniform',
    change: (s) => {
      const { vx, vy } = s.objects[0].initial;
      return {
        ...s,
        objects: withObject0(s.objects, { initial: { ...s.objects[0].initial, vx: -vx, vy: -vy } }),
        motions: s.motions.map((m) => ({ ...m, direction: FLIP[m.direction] })),
      };
    },
    qualifies: captionsDiffer,
  },
  mass: {
    family: 'collision',
    change: (s) => {
      const r = s.objects[0].size;
      const size = r < MASS_PIVOT_RADIUS ? r * MASS_FACTOR : r / MASS_FACTOR;
      return { ...s, objects: withObject0(s.objects, { size, sizeClass: sizeClassOf(size), halfWidth: size, halfHeight: size }) };
    },
    qualifies: (a, b) => {
      if (a.state.spec.variant !== 'head-on' || !captionsDiffer(a, b)) return false;
      // The grown ball must not start inside the other one.
      const [p, q] = b.state.objects.map((o) => o.track[0]);
      const [r0, r1] = b.state.objects.map((o) => o.size.halfWidth);
      return Math.abs(p.x - q.x) > r0 + r1 + 0.1;
    },
  },
  restitution: {
    family: 'bounce',
    change: (s) => {
      const e = s.physics.restitution;
      return { ...s, physics: { ...s.physics, restitution: e < RESTITUTION_PIVOT ? e + RESTITUTION_UP : e - RESTITUTION_DOWN } };
    },
    qualifies: () => true,
  },
  floor: {
    family: 'bounce',
    change: (s) => ({ ...s, physics: { ...s.physics, floor: false } }),
    qualifies: () => true,
  },
  gravity: {
    family: 'parabola',
    change: (s) => ({ ...s, physics: { ...s.physics, gravity: 0 } }),
    qualifies: (a) => a.template === 'parabola/0' || a.template === 'parabola/2',
  },
};

/** What makeSample applies to a pair's scene: nothing for its base clip, the cause's change for the other. */
export function pairChange(cause: Cause, changed: boolean): SceneChange | undefined {
  return changed ? CAUSE_SCENES[cause].change : undefined;
}

/** The first `n` qualifying pairs of each cause, in CAUSES order. */
export function counterfactualPairs(n: number = PAIRS_PER_CAUSE): CounterfactualPair[] {
  return CAUSES.flatMap((cause) => pairsOf(cause, n));
}

function pairsOf(cause: Cause, n: number): CounterfactualPair[] {
  const { family, change, qualifies } = CAUSE_SCENES[cause];
  const pairs: CounterfactualPair[] = [];
  const first = CAUSES.indexOf(cause) * MAX_TRIES;
  for (let index = first; pairs.length < n; index++) {
    if (index >= first + MAX_TRIES) throw new Error(`counterfactual ${cause}: only ${pairs.length} of ${n} pairs in ${MAX_TRIES} scenes`);
    const request = { family, split: 'id' as const, seed: COUNTERFACTUAL_WORLD_SEED, index };
    const clip = (c?: SceneChange): WorldClip => {
      const { meta } = makeSample(request, c);
      return { state: toStateFile(meta), template: meta.template };
    };
    const base = clip();
    const changed = clip(change);
    if (clearChange(cause, base.state, changed.state) && qualifies(base, changed)) pairs.push({ pair: `${cause}-${String(pairs.length).padStart(3, '0')}`, cause, family, index });
  }
  return pairs;
}

/** The true outcomes are measurable from frame 0 and from MEASURABLE_FROM, and change by at least MIN_CHANGE. */
function clearChange(cause: Cause, base: StateFile, changed: StateFile): boolean {
  for (const from of [0, MEASURABLE_FROM]) {
    const a = measureOutcome(cause, truthTracks(base), base, from);
    const b = measureOutcome(cause, truthTracks(changed), changed, from);
    if (a === null || b === null || Math.abs(b - a) < MIN_CHANGE[cause]) return false;
  }
  return true;
}
