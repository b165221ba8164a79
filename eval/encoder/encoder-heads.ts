/**
 * The supervised heads the video encoder is trained with, and their targets read from a
 * world sample's ground truth — the way I3D's features come from a Kinetics classifier:
 * the encoder learns what the world's clips differ in (which scene, which colours, how
 * many objects, which way and how fast the first one moves, what happens, where it goes),
 * and its penultimate layer is then used as a feature vector (video-encoder.ts).
 *
 * "The object" below is the first object that is not the occluder bar (spec.objects order).
 *
 *   const y = headTargets(meta);                 // Float32Array(HEAD_OUTPUTS)
 *   const right = headHits(ENCODER_HEADS[0], outputs, y); // 1 when the family is right
 */
import { COLOR_NAMES } from '../../datasets/world/palette.js';
import { FAMILIES, SIZE_CLASSES, type SceneSpec, type TrackPoint } from '../../datasets/world/spec.js';

export type HeadKind =
  /** One class of several: softmax cross-entropy; right when the arg-max is the class. */
  | 'class'
  /** Any subset of the classes: sigmoid cross-entropy per class; right when every bit is. */
  | 'multi'
  /** Numbers: mean squared error; scored by mean absolute error. */
  | 'regress';

export interface EncoderHead {
  name: string;
  kind: HeadKind;
  /** Class names (class, multi) or value names (regress), one per output. */
  outputs: readonly string[];
  /** What the head reads from the ground truth. */
  note: string;
}

/** Frames at which the trajectory head reads the object's position (of a 16-frame clip). */
export const TRAJECTORY_FRAMES = [0, 5, 10, 15] as const;

const DIRECTIONS = ['left', 'right', 'up', 'down', 'none'] as const;
const SPEEDS = ['slow', 'medium', 'fast', 'none'] as const;
const EVENTS = ['bounce', 'collision', 'occluded', 'reappeared', 'stopped'] as const;
const RELATIONS = ['left of', 'right of', 'above', 'below', 'none'] as const;

export const ENCODER_HEADS: readonly EncoderHead[] = [
  { name: 'family', kind: 'class', outputs: FAMILIES, note: 'the scene family' },
  { name: 'colours', kind: 'multi', outputs: COLOR_NAMES, note: 'palette colours of the objects (not the grey occluder)' },
  { name: 'count', kind: 'class', outputs: ['1', '2', '3'], note: 'number of objects (not the occluder)' },
  { name: 'shape', kind: 'class', outputs: ['ball', 'square'], note: "the object's shape" },
  { name: 'size', kind: 'class', outputs: SIZE_CLASSES, note: "the object's size class" },
  { name: 'direction', kind: 'class', outputs: DIRECTIONS, note: "the object's motion direction (none: a static layout)" },
  { name: 'speed', kind: 'class', outputs: SPEEDS, note: "the object's speed class (none: a static layout)" },
  { name: 'events', kind: 'multi', outputs: EVENTS, note: 'which events happen in the clip' },
  { name: 'relation', kind: 'class', outputs: RELATIONS, note: 'the first spatial relation (layout scenes; none elsewhere)' },
  {
    name: 'trajectory',
    kind: 'regress',
    outputs: TRAJECTORY_FRAMES.flatMap((t) => [`x${t}`, `y${t}`]),
    note: "the object's pixel centre / image size at frames 0, 5, 10, 15 (clamped to [-0.5, 1.5])",
  },
];

/** Width of the heads' output (and target) vector. */
export const HEAD_OUTPUTS = ENCODER_HEADS.reduce((n, h) => n + h.outputs.length, 0);

/** Where each head's outputs start in the output vector. */
export const HEAD_OFFSETS: readonly number[] = ENCODER_HEADS.map((_, k) => ENCODER_HEADS.slice(0, k).reduce((n, h) => n + h.outputs.length, 0));

/** What headTargets needs of a sample: its spec, its tracks and its size. */
export interface TargetSource {
  spec: SceneSpec;
  tracks: TrackPoint[][];
  width: number;
  height: number;
}

/** The target vector of one sample (one-hot, multi-hot and values, head after head). */
export function headTargets(sample: TargetSource): Float32Array {
  const { spec, tracks, width, height } = sample;
  const y = new Float32Array(HEAD_OUTPUTS);
  const set = (head: string, output: string | number, value = 1) => {
    const k = ENCODER_HEADS.findIndex((h) => h.name === head);
    const j = typeof output === 'number' ? output : ENCODER_HEADS[k].outputs.indexOf(output);
    if (j < 0) throw new RangeError(`head ${head} has no output "${output}"`);
    y[HEAD_OFFSETS[k] + j] = value;
  };
  const objects = spec.objects.map((o, index) => ({ o, index })).filter(({ o }) => o.shape !== 'bar');
  if (objects.length === 0) throw new RangeError(`a ${spec.family} scene without objects`);
  const { o: first, index: firstIndex } = objects[0];
  set('family', spec.family);
  for (const { o } of objects) set('colours', o.color);
  set('count', String(Math.min(objects.length, 3)));
  set('shape', first.shape);
  set('size', first.sizeClass);
  const motion = spec.motions.find((m) => m.object === first.id);
  set('direction', motion?.direction ?? 'none');
  set('speed', motion?.speedClass ?? 'none');
  for (const e of spec.events) set('events', e.type);
  set('relation', spec.relations[0]?.relation ?? 'none');
  const track = tracks[firstIndex];
  TRAJECTORY_FRAMES.forEach((t, k) => {
    const p = track[Math.min(t, track.length - 1)];
    const clamp = (v: number) => Math.min(1.5, Math.max(-0.5, v));
    set('trajectory', 2 * k, clamp(p.px / width));
    set('trajectory', 2 * k + 1, clamp(p.py / height));
  });
  return y;
}

/**
 * How one head did on one sample: 1/0 for class and multi heads (multi: every bit right
 * at 0.5), the mean absolute error for a regression head. `outputs` are raw head outputs
 * (logits for class and multi heads), the whole output vector.
 */
export function headHits(head: EncoderHead, outputs: ArrayLike<number>, targets: ArrayLike<number>): number {
  const at = HEAD_OFFSETS[ENCODER_HEADS.indexOf(head)];
  const n = head.outputs.length;
  if (head.kind === 'class') {
    let best = 0;
    for (let j = 1; j < n; j++) if (outputs[at + j] > outputs[at + best]) best = j;
    return targets[at + best] === 1 ? 1 : 0;
  }
  if (head.kind === 'multi') {
    for (let j = 0; j < n; j++) if (outputs[at + j] > 0 !== targets[at + j] > 0.5) return 0;
    return 1;
  }
  let error = 0;
  for (let j = 0; j < n; j++) error += Math.abs(outputs[at + j] - targets[at + j]) / n;
  return error;
}
