/**
 * Parse a prompt back into the world's structured spec, using exactly the templates and word
 * lists datasets/world/captions.ts writes with. A sentence outside that grammar (a
 * paraphrase it does not cover) is returned as null: reported unparsed, never guessed.
 *
 *   parsePrompt('a large red ball is dropped and bounces while moving to the left')
 *   // { family: 'bounce', objects: [{ color: 'red', shape: 'ball', sizeClass: 'large' }],
 *   //   motions: [{ object: 0, direction: 'left', speedClass: null }], events: ['bounce'], ... }
 */
import { DIRECTION_WORDS, RELATION_WORDS, SIZE_WORDS, SPEED_WORDS } from '../../datasets/world/captions.js';
import { COLOR_NAMES, type ColorName } from '../../datasets/world/palette.js';
import type { Direction, EventType, Family, Relation, SizeClass, SpeedClass } from '../../datasets/world/spec.js';

export interface PromptObject {
  color: ColorName;
  shape: 'ball' | 'square';
  /** null when the prompt does not state a size. */
  sizeClass: SizeClass | null;
}

export interface PromptMotion {
  object: number;
  direction: Direction;
  speedClass: SpeedClass | null;
}

export interface ParsedPrompt {
  family: Family;
  /** Index of the template (within the family) that matched. */
  template: number;
  objects: PromptObject[];
  motions: PromptMotion[];
  events: EventType[];
  relations: { subject: number; relation: Relation; object: number }[];
}

// ---------------------------------------------------------------- vocabulary as regex parts

const alt = (words: readonly string[]) => [...words].sort((a, b) => b.length - a.length).map(escape).join('|');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const inverse = <K extends string>(table: Readonly<Record<K, readonly string[]>>): Map<string, K> =>
  new Map(Object.entries<readonly string[]>(table).flatMap(([k, words]) => words.map((w) => [w, k as K] as const)));

const SIZE_OF = new Map(Object.entries(SIZE_WORDS).map(([k, w]) => [w, k as SizeClass]));
const DIRECTION_OF = inverse(DIRECTION_WORDS);
const SPEED_OF = inverse(SPEED_WORDS);
const RELATION_OF = inverse(RELATION_WORDS);

const NOUN = `(?:(${alt([...SIZE_OF.keys()])}) )?(${alt(COLOR_NAMES)}) (ball|square)`; // 3 groups
const OBJ = `an? ${NOUN}`; // 3 groups
const THE = `the (${alt(COLOR_NAMES)}) (ball|square)`; // 2 groups
const DIR = `(${alt([...DIRECTION_OF.keys()])})`;
const SPEED = `(${alt([...SPEED_OF.keys()])})`;
const REL = `(${alt([...RELATION_OF.keys()])})`;
const HEAD = `(?: head-on| at a glancing angle)`;

/** One template: a regex and how to read its groups (O = object, D = direction, S = speed, R = relation). */
interface Pattern {
  family: Family;
  template: number;
  re: RegExp;
  /** Group kinds in order; O takes 3 groups. */
  groups: ('O' | 'D' | 'S' | 'R' | 'T' | 'X')[];
  events: EventType[];
  /** Whether the last group X (optional phrase) adds `reappeared`. */
}

const P = (family: Family, template: number, src: string, groups: Pattern['groups'], events: EventType[] = []): Pattern => ({
  family,
  template,
  re: new RegExp(`^${src}$`),
  groups,
  events,
});

const DRIFT = `(?: while moving ${DIR})?`;

const PATTERNS: Pattern[] = [
  P('uniform', 0, `${OBJ} moves ${DIR} ${SPEED}`, ['O', 'D', 'S']),
  P('uniform', 1, `${OBJ} glides ${DIR} at a constant speed`, ['O', 'D']),
  P('uniform', 2, `${OBJ} drifts ${SPEED} ${DIR} through empty space`, ['O', 'S', 'D']),
  P('uniform', 3, `${OBJ} travels ${DIR} in a straight line`, ['O', 'D']),
  P('uniform', 4, `in empty space, ${OBJ} moves ${SPEED} ${DIR}`, ['O', 'S', 'D']),
  P('parabola', 0, `${OBJ} is thrown ${DIR}`, ['O', 'D']),
  P('parabola', 1, `${OBJ} flies ${DIR} in an arc`, ['O', 'D']),
  P('parabola', 2, `someone tosses ${OBJ} ${DIR}`, ['O', 'D']),
  P('parabola', 3, `${OBJ} follows a parabolic arc ${DIR}`, ['O', 'D']),
  P('parabola', 4, `${OBJ} is launched upward and ${DIR}, then falls under gravity`, ['O', 'D']),
  P('bounce', 0, `${OBJ} bounces on the floor${DRIFT}`, ['O', 'D'], ['bounce']),
  P('bounce', 1, `${OBJ} is dropped and bounces${DRIFT}`, ['O', 'D'], ['bounce']),
  P('bounce', 2, `${OBJ} falls and bounces off the ground${DRIFT}`, ['O', 'D'], ['bounce']),
  P('bounce', 3, `${OBJ} drops onto the floor and bounces back up${DRIFT}`, ['O', 'D'], ['bounce']),
  P('bounce', 4, `a bouncing ${NOUN} hits the floor${DRIFT}`, ['O', 'D'], ['bounce']),
  P('collision', 0, `${OBJ} and ${OBJ} collide${HEAD}`, ['O', 'O'], ['collision']),
  P('collision', 1, `${OBJ} moving ${DIR} hits ${OBJ} moving ${DIR}`, ['O', 'D', 'O', 'D'], ['collision']),
  P('collision', 2, `${OBJ} crashes into ${OBJ}${HEAD}`, ['O', 'O'], ['collision']),
  P('collision', 3, `two balls collide${HEAD}: ${OBJ} and ${OBJ}`, ['O', 'O'], ['collision']),
  P('collision', 4, `${OBJ} and ${OBJ} bump into each other${HEAD}`, ['O', 'O'], ['collision']),
  P('occlusion', 0, `${OBJ} passes behind a gray bar ${DIR}( and reappears)?`, ['O', 'D', 'X'], ['occluded']),
  P('occlusion', 1, `${OBJ} moves ${DIR} behind a wall( and comes out the other side)?`, ['O', 'D', 'X'], ['occluded']),
  P('occlusion', 2, `${OBJ} disappears behind a gray bar moving ${DIR}(, then reappears)?`, ['O', 'D', 'X'], ['occluded']),
  P('occlusion', 3, `${OBJ} travels ${DIR} and is hidden by a bar( before it re-emerges)?`, ['O', 'D', 'X'], ['occluded']),
  P('occlusion', 4, `moving ${DIR}, ${OBJ} goes behind an occluder( and emerges again)?`, ['D', 'O', 'X'], ['occluded']),
  P('slide', 0, `${OBJ} slides ${DIR} and stops`, ['O', 'D'], ['stopped']),
  P('slide', 1, `${OBJ} slides along the floor ${DIR} and comes to rest`, ['O', 'D'], ['stopped']),
  P('slide', 2, `${OBJ} is pushed ${DIR} and slows to a stop`, ['O', 'D'], ['stopped']),
  P('slide', 3, `${OBJ} skids ${DIR} on the ground until it stops`, ['O', 'D'], ['stopped']),
  P('slide', 4, `${OBJ} glides across the floor ${DIR} and halts`, ['O', 'D'], ['stopped']),
];

const LAYOUT_VERBS = ['is', 'sits', 'is placed', 'appears', 'is positioned'];
const LAYOUT_FIRST = new RegExp(`^${OBJ} (${alt(LAYOUT_VERBS)}) ${REL} ${OBJ}`);
const LAYOUT_NEXT = (verb: string) => new RegExp(`^, and ${OBJ} ${escape(verb)} ${REL} (?:${OBJ}|${THE})`);
const LAYOUT_MOVING = new RegExp(`^, (both|all) moving ${DIR}$`);

/** Normalise case, spacing and a trailing full stop; nothing else is forgiven. */
function normalise(prompt: string): string {
  return prompt.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\.$/, '');
}

export function parsePrompt(prompt: string): ParsedPrompt | null {
  const text = normalise(prompt);
  for (const p of PATTERNS) {
    const m = p.re.exec(text);
    if (m) return fromMatch(p, m);
  }
  return parseLayout(text);
}

function fromMatch(p: Pattern, m: RegExpExecArray): ParsedPrompt | null {
  const objects: PromptObject[] = [];
  const directions: Direction[] = [];
  let speed: SpeedClass | null = null;
  const events = [...p.events];
  let g = 1;
  for (const kind of p.groups) {
    if (kind === 'O') {
      objects.push({ sizeClass: m[g] ? SIZE_OF.get(m[g])! : null, color: m[g + 1] as ColorName, shape: m[g + 2] as 'ball' | 'square' });
      g += 3;
    } else if (kind === 'D') {
      if (m[g]) directions.push(DIRECTION_OF.get(m[g])!);
      g++;
    } else if (kind === 'S') {
      speed = SPEED_OF.get(m[g])!;
      g++;
    } else if (kind === 'X') {
      if (m[g]) events.push('reappeared');
      g++;
    }
  }
  if (new Set(objects.map((o) => o.color)).size !== objects.length) return null; // the world never repeats a colour
  const motions: PromptMotion[] = directions.map((direction, k) => ({ object: directions.length === objects.length ? k : 0, direction, speedClass: speed }));
  return { family: p.family, template: p.template, objects, motions, events, relations: [] };
}

/** Layout captions: one or more relation clauses joined by ", and ", optionally ", both/all moving DIR". */
function parseLayout(text: string): ParsedPrompt | null {
  const first = LAYOUT_FIRST.exec(text);
  if (!first) return null;
  const objects: PromptObject[] = [];
  const find = (color: string, shape: string) => objects.findIndex((o) => o.color === color && o.shape === shape);
  const add = (size: string | undefined, color: string, shape: string): number => {
    if (find(color, shape) >= 0) return -1;
    objects.push({ sizeClass: size ? SIZE_OF.get(size)! : null, color: color as ColorName, shape: shape as 'ball' | 'square' });
    return objects.length - 1;
  };
  const verb = first[4];
  const s0 = add(first[1], first[2], first[3]);
  const o0 = add(first[6], first[7], first[8]);
  if (s0 < 0 || o0 < 0) return null;
  const relations: ParsedPrompt['relations'] = [{ subject: s0, relation: RELATION_OF.get(first[5])!, object: o0 }];
  let rest = text.slice(first[0].length);
  const next = LAYOUT_NEXT(verb);
  for (let m = next.exec(rest); m; m = next.exec(rest)) {
    const subject = add(m[1], m[2], m[3]);
    // Indefinite object: a new object; definite: one already named.
    const object = m[6] ? add(m[5], m[6], m[7]) : find(m[8], m[9]);
    if (subject < 0 || object < 0) return null;
    relations.push({ subject, relation: RELATION_OF.get(m[4])!, object });
    rest = rest.slice(m[0].length);
  }
  const motions: PromptMotion[] = [];
  if (rest !== '') {
    const mv = LAYOUT_MOVING.exec(rest);
    if (!mv || (mv[1] === 'both') !== (objects.length === 2)) return null;
    const direction = DIRECTION_OF.get(mv[2])!;
    objects.forEach((_, k) => motions.push({ object: k, direction, speedClass: null }));
  }
  if (new Set(objects.map((o) => o.color)).size !== objects.length) return null;
  return { family: 'layout', template: LAYOUT_VERBS.indexOf(verb), objects, motions, events: [], relations };
}
