/**
 * What the physics metrics need to know about the world a video claims to show: gravity,
 * whether there is a floor. From the ground truth when given, else from the prompt's family
 * (the world's families have fixed physics), else unknown (those metrics are skipped).
 */
import type { StateFile } from '../../datasets/interchange.js';
import { GRAVITY } from '../../datasets/world/families/context.js';
import type { Family } from '../../datasets/world/spec.js';

export interface PhysicsContext {
  family: Family | null;
  /** Downward acceleration, units/s²; null when unknown. */
  gravity: number | null;
  /** Whether the bottom edge of the frame is a floor; null when unknown. */
  floor: boolean | null;
  /** Frames per second of the video. */
  fps: number;
}

const GRAVITY_FAMILIES: readonly Family[] = ['parabola', 'bounce', 'slide'];
const FLOOR_FAMILIES: readonly Family[] = ['bounce', 'slide'];

export function physicsContext(fps: number, truth: StateFile | null | undefined, promptFamily: Family | null): PhysicsContext {
  if (truth) return { family: truth.spec.family, gravity: truth.constants.gravity, floor: truth.constants.floor, fps };
  if (promptFamily) {
    return { family: promptFamily, gravity: GRAVITY_FAMILIES.includes(promptFamily) ? GRAVITY : 0, floor: FLOOR_FAMILIES.includes(promptFamily), fps };
  }
  return { family: null, gravity: null, floor: null, fps };
}
