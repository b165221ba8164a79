/** The family samplers by name. */
import type { Family } from '../spec.js';
import type { FamilySampler } from './context.js';
import { bounce } from './bounce.js';
import { collision } from './collision.js';
import { layout } from './layout.js';
import { occlusion } from './occlusion.js';
import { parabola } from './parabola.js';
import { slide } from './slide.js';
import { uniform } from './uniform.js';

export const FAMILY_SAMPLERS: Readonly<Record<Family, FamilySampler>> = {
  uniform,
  parabola,
  bounce,
  collision,
  occlusion,
  layout,
  slide,
};
export { FamilyContext, GRAVITY, type SceneSetup } from './context.js';
