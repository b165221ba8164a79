/**
 * Captions written from a scene's structured spec. Each family has several templates
 * (paraphrases); every template states the family's facts, and object phrases follow one
 * small grammar: `a [small|medium-sized|large] COLOUR (ball|square)`. The evaluation
 * harness parses prompts back with the same vocabulary, so keep the word lists here.
 */
import type { Rng } from '../../base/rng.js';
import type { Direction, Family, MotionSpec, ObjectSpec, Relation, SceneSpec, SizeClass, SpeedClass } from './spec.js';

export const SIZE_WORDS: Readonly<Record<SizeClass, string>> = { small: 'small', medium: 'medium-sized', large: 'large' };
export const DIRECTION_WORDS: Readonly<Record<Direction, readonly string[]>> = {
  left: ['to the left', 'leftward'],
  right: ['to the right', 'rightward'],
  up: ['upward', 'up'],
  down: ['downward', 'down'],
};
export const SPEED_WORDS: Readonly<Record<SpeedClass, readonly string[]>> = {
  slow: ['slowly'],
  medium: ['at a moderate speed', 'steadily'],
  fast: ['quickly', 'fast'],
};
export const RELATION_WORDS: Readonly<Record<Relation, readonly string[]>> = {
  'left of': ['to the left of', 'left of', 'on the left of'],
  'right of': ['to the right of', 'right of', 'on the right of'],
  above: ['above', 'over', 'higher than'],
  below: ['below', 'beneath', 'under'],
};

/** Word choices for one caption, drawn once so a template reads consistently. */
class Words {
  constructor(
    private readonly rng: Rng,
    private readonly withSize: boolean,
  ) {}

  /** "a large red ball" / "an orange square" */
  a(o: ObjectSpec): string {
    const noun = this.noun(o);
    return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
  }

  /** "the red ball" (for a second mention) */
  the(o: ObjectSpec): string {
    return `the ${o.color} ${o.shape}`;
  }

  noun(o: ObjectSpec): string {
    const size = this.withSize ? `${SIZE_WORDS[o.sizeClass]} ` : '';
    return `${size}${o.color} ${o.shape}`;
  }

  dir(d: Direction): string {
    return this.rng.pick(DIRECTION_WORDS[d]);
  }

  speed(m: MotionSpec): string {
    return this.rng.pick(SPEED_WORDS[m.speedClass]);
  }

  relation(r: Relation): string {
    return this.rng.pick(RELATION_WORDS[r]);
  }
}

type Template = (s: SceneSpec, w: Words) => string;

const first = (s: SceneSpec) => s.objects[0];
const motion = (s: SceneSpec, id = 0) => s.motions.find((m) => m.object === id)!;

const TEMPLATES: Readonly<Record<Family, readonly Template[]>> = {
  uniform: [
    (s, w) => `${w.a(first(s))} moves ${w.dir(motion(s).direction)} ${w.speed(motion(s))}`,
    (s, w) => `${w.a(first(s))} glides ${w.dir(motion(s).direction)} at a constant speed`,
    (s, w) => `${w.a(first(s))} drifts ${w.speed(motion(s))} ${w.dir(motion(s).direction)} through empty space`,
    (s, w) => `${w.a(first(s))} travels ${w.dir(motion(s).direction)} in a straight line`,
    (s, w) => `in empty space, ${w.a(first(s))} moves ${w.speed(motion(s))} ${w.dir(motion(s).direction)}`,
  ],
  parabola: [
    (s, w) => `${w.a(first(s))} is thrown ${w.dir(motion(s).direction)}`,
    (s, w) => `${w.a(first(s))} flies ${w.dir(motion(s).direction)} in an arc`,
    (s, w) => `someone tosses ${w.a(first(s))} ${w.dir(motion(s).direction)}`,
    (s, w) => `${w.a(first(s))} follows a parabolic arc ${w.dir(motion(s).direction)}`,
    (s, w) => `${w.a(first(s))} is launched upward and ${w.dir(motion(s).direction)}, then falls under gravity`,
  ],
  bounce: [
    (s, w) => `${w.a(first(s))} bounces on the floor${drift(s, w)}`,
    (s, w) => `${w.a(first(s))} is dropped and bounces${drift(s, w)}`,
    (s, w) => `${w.a(first(s))} falls and bounces off the ground${drift(s, w)}`,
    (s, w) => `${w.a(first(s))} drops onto the floor and bounces back up${drift(s, w)}`,
    (s, w) => `a bouncing ${w.noun(first(s))} hits the floor${drift(s, w)}`,
  ],
  collision: [
    (s, w) => `${w.a(s.objects[0])} and ${w.a(s.objects[1])} collide${headOn(s)}`,
    (s, w) =>
      `${w.a(s.objects[0])} moving ${w.dir(motion(s, 0).direction)} hits ${w.a(s.objects[1])} moving ${w.dir(motion(s, 1).direction)}`,
    (s, w) => `${w.a(s.objects[0])} crashes into ${w.a(s.objects[1])}${headOn(s)}`,
    (s, w) => `two balls collide${headOn(s)}: ${w.a(s.objects[0])} and ${w.a(s.objects[1])}`,
    (s, w) => `${w.a(s.objects[0])} and ${w.a(s.objects[1])} bump into each other${headOn(s)}`,
  ],
  occlusion: [
    (s, w) => `${w.a(first(s))} passes behind a gray bar ${w.dir(motion(s).direction)}${reemerge(s, ' and reappears')}`,
    (s, w) => `${w.a(first(s))} moves ${w.dir(motion(s).direction)} behind a wall${reemerge(s, ' and comes out the other side')}`,
    (s, w) => `${w.a(first(s))} disappears behind a gray bar moving ${w.dir(motion(s).direction)}${reemerge(s, ', then reappears')}`,
    (s, w) => `${w.a(first(s))} travels ${w.dir(motion(s).direction)} and is hidden by a bar${reemerge(s, ' before it re-emerges')}`,
    (s, w) => `moving ${w.dir(motion(s).direction)}, ${w.a(first(s))} goes behind an occluder${reemerge(s, ' and emerges again')}`,
  ],
  layout: [
    (s, w) => relations(s, w, 'is') + moving(s, w),
    (s, w) => relations(s, w, 'sits') + moving(s, w),
    (s, w) => relations(s, w, 'is placed') + moving(s, w),
    (s, w) => relations(s, w, 'appears') + moving(s, w),
    (s, w) => relations(s, w, 'is positioned') + moving(s, w),
  ],
  slide: [
    (s, w) => `${w.a(first(s))} slides ${w.dir(motion(s).direction)} and stops`,
    (s, w) => `${w.a(first(s))} slides along the floor ${w.dir(motion(s).direction)} and comes to rest`,
    (s, w) => `${w.a(first(s))} is pushed ${w.dir(motion(s).direction)} and slows to a stop`,
    (s, w) => `${w.a(first(s))} skids ${w.dir(motion(s).direction)} on the ground until it stops`,
    (s, w) => `${w.a(first(s))} glides across the floor ${w.dir(motion(s).direction)} and halts`,
  ],
};

function drift(s: SceneSpec, w: Words): string {
  return s.variant === 'drift' ? ` while moving ${w.dir(motion(s).direction)}` : '';
}

function headOn(s: SceneSpec): string {
  return s.variant === 'head-on' ? ' head-on' : ' at a glancing angle';
}

function reemerge(s: SceneSpec, phrase: string): string {
  return s.variant === 'reemerges' ? phrase : '';
}

/** "a red ball is left of a blue square, and a small green ball is above the blue square" */
function relations(s: SceneSpec, w: Words, verb: string): string {
  return s.relations
    .map((r, k) => {
      const subject = s.objects[r.subject];
      const object = s.objects[r.object];
      // The object of the first relation and every already-named object take "the".
      const named = k === 0 ? [] : [s.relations[0].subject, s.relations[0].object];
      const obj = named.includes(object.id) ? w.the(object) : w.a(object);
      return `${w.a(subject)} ${verb} ${w.relation(r.relation)} ${obj}`;
    })
    .join(', and ');
}

function moving(s: SceneSpec, w: Words): string {
  if (s.variant !== 'moving') return '';
  const m = s.motions[0];
  return `, ${s.objects.length === 2 ? 'both' : 'all'} moving ${w.dir(m.direction)}`;
}

export const TEMPLATE_COUNTS: Readonly<Record<Family, number>> = Object.fromEntries(
  Object.entries(TEMPLATES).map(([f, t]) => [f, t.length]),
) as Record<Family, number>;

/** Write a caption for `spec`; returns it with the template's name (`family/k`). */
export function writeCaption(spec: SceneSpec, rng: Rng): { caption: string; template: string } {
  const templates = TEMPLATES[spec.family];
  const k = rng.int(0, templates.length - 1);
  const words = new Words(rng, rng.chance(0.5));
  return { caption: templates[k](spec, words), template: `${spec.family}/${k}` };
}
