/**
 * Samplers by name, for the CLI's `--sampler`. Each call makes a fresh sampler, since a
 * multistep sampler keeps history between steps.
 *
 *   const sampler = createSampler('heun');
 */
import { UserError } from '../../../base/errors.js';
import { DpmSolver2MSampler } from './dpm-solver-2m.js';
import { EulerSampler } from './euler.js';
import { HeunSampler } from './heun.js';
import type { Sampler } from './sampler.js';

export type { Prediction, ProbabilityFlow, Sampler } from './sampler.js';
export { shiftTimesteps, uniformTimesteps } from './sampler.js';
export { DpmSolver2MSampler, EulerSampler, HeunSampler };

const SAMPLERS = {
  euler: () => new EulerSampler(),
  heun: () => new HeunSampler(),
  'dpm-solver-2m': () => new DpmSolver2MSampler(),
} satisfies Record<string, () => Sampler>;

export type SamplerName = keyof typeof SAMPLERS;
export const SAMPLER_NAMES = Object.keys(SAMPLERS) as SamplerName[];

export function createSampler(name: string): Sampler {
  if (!Object.hasOwn(SAMPLERS, name)) throw new UserError(`unknown sampler "${name}" (expected one of: ${SAMPLER_NAMES.join(', ')})`);
  return SAMPLERS[name as SamplerName]();
}
