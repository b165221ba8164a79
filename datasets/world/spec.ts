/**
 * The structured description of a scene: what a caption is written from, what the
 * simulator is started from, and what an evaluator compares a generated video against.
 * World units throughout, y pointing up, origin at the bottom-left corner of the world.
 */
import type { ColorName, Rgb } from './palette.js';

export const FAMILIES = ['uniform', 'parabola', 'bounce', 'collision', 'occlusion', 'layout', 'slide'] as const;
export type Family = (typeof FAMILIES)[number];

export const SPLITS = ['id', 'ood', 'combo'] as const;
export type Split = (typeof SPLITS)[number];

export type Shape = 'ball' | 'square' | 'bar';
export const SIZE_CLASSES = ['small', 'medium', 'large'] as const;
export type SizeClass = (typeof SIZE_CLASSES)[number];
export const SPEED_CLASSES = ['slow', 'medium', 'fast'] as const;
export type SpeedClass = (typeof SPEED_CLASSES)[number];
export type Direction = 'left' | 'right' | 'up' | 'down';
export type Relation = 'left of' | 'right of' | 'above' | 'below';

/** Size classes by radius (balls) or half-side (squares), in world units. */
export const SIZE_CLASS_BOUNDS = { smallBelow: 0.95, largeFrom: 1.25 } as const;
/** Speed classes by initial speed, in world units per second. */
export const SPEED_CLASS_BOUNDS = { slowBelow: 2.0, fastFrom: 3.0 } as const;

export function sizeClassOf(size: number): SizeClass {
  if (size < SIZE_CLASS_BOUNDS.smallBelow) return 'small';
  return size < SIZE_CLASS_BOUNDS.largeFrom ? 'medium' : 'large';
}

export function speedClassOf(speed: number): SpeedClass {
  if (speed < SPEED_CLASS_BOUNDS.slowBelow) return 'slow';
  return speed < SPEED_CLASS_BOUNDS.fastFrom ? 'medium' : 'fast';
}

/** Physical constants of one scene (some vary per scene: restitution, friction). */
export interface WorldConstants {
  /** Downward gravitational acceleration in units/s² (0 for floating families). */
  gravity: number;
  /** Coefficient of restitution of the scene's contacts (1 = elastic). */
  restitution: number;
  /** Coulomb friction coefficient of the scene's contacts. */
  friction: number;
  /** Frames per second of the rendered video. */
  fps: number;
  /** Pixels per world unit (the same on both axes). */
  scale: number;
  /** World size in units (height is 10 as in PhyWorld; width follows the image's aspect). */
  worldWidth: number;
  worldHeight: number;
  /** Whether the scene has a floor at y = 0. */
  floor: boolean;
  /** Physics sub-steps per rendered frame. */
  substeps: number;
}

export interface ObjectSpec {
  id: number;
  shape: Shape;
  /** Palette name; the occluder bar is 'gray'. */
  color: ColorName | 'gray';
  rgb: Rgb;
  /** Radius (ball) or half-side (square) in units; for a bar, its half-width. */
  size: number;
  sizeClass: SizeClass;
  halfWidth: number;
  halfHeight: number;
  /** Static objects (the occluder) never move. */
  static: boolean;
  initial: { x: number; y: number; vx: number; vy: number };
}

export interface MotionSpec {
  object: number;
  /** Dominant direction of the initial velocity (for a drop: 'down'). */
  direction: Direction;
  speed: number;
  speedClass: SpeedClass;
}

export type EventType = 'bounce' | 'collision' | 'occluded' | 'reappeared' | 'stopped';

export interface EventSpec {
  type: EventType;
  /** Simulation time of the event in seconds from the first frame. */
  time: number;
  /** First frame index at or after the event. */
  frame: number;
  objects: number[];
}

export interface RelationSpec {
  subject: number;
  relation: Relation;
  object: number;
}

/** Everything a caption is written from. */
export interface SceneSpec {
  family: Family;
  split: Split;
  objects: ObjectSpec[];
  motions: MotionSpec[];
  events: EventSpec[];
  relations: RelationSpec[];
  /** Family-specific detail: e.g. head-on vs glancing, static vs moving layout. */
  variant: string;
}

/** One object's true state at one frame. */
export interface TrackPoint {
  t: number;
  x: number;
  y: number;
  vx: number;
  vy: number;
  angle: number;
  /** Pixel coordinates: origin at the image's top-left, y down, pixel centres at +0.5. */
  px: number;
  py: number;
  /** Fraction of the object's area that is drawn (not behind another object, not off-frame). */
  visible: number;
}

export interface SampleMeta {
  /** Stable name, e.g. `id-bounce-000042`. */
  name: string;
  seed: number;
  index: number;
  caption: string;
  /** Which caption template wrote the caption (`family/k`). */
  template: string;
  /** The structured spec; null only for imported videos that came without a state file. */
  spec: SceneSpec | null;
  /** World constants; null only for imported videos that came without a state file. */
  constants: WorldConstants | null;
  /** tracks[objectIndex][frame]; empty for imported videos without a state file. */
  tracks: TrackPoint[][];
  numFrames: number;
  height: number;
  width: number;
  fps: number;
}

/** Metadata of a sample made by the world (spec and constants always present). */
export type WorldSampleMeta = SampleMeta & { spec: SceneSpec; constants: WorldConstants };
