/**
 * Guidance methods by name, for `--guidance-method`. Each call makes a fresh one, since APG
 * keeps a momentum between evaluations.
 *
 *   const guide = createGuidance('interval', 3, { interval: [0.22, 0.84] });
 *   const request = guidanceFlags(flags['guidance-method'], flags['guidance-interval']); // checked CLI flags
 */
import { UserError } from '../../../base/errors.js';
import { apg, type ApgSettings } from './apg.js';
import { cfg } from './cfg.js';
import { cfgZeroStar, type CfgZeroStarSettings } from './cfg-zero-star.js';
import type { Guidance } from './guidance.js';
import { DEFAULT_GUIDANCE_INTERVAL, intervalGuidance, parseGuidanceInterval } from './interval.js';

export type { Guidance, GuidanceSpace, GuidanceStep } from './guidance.js';
export { textAndFrameGuidance } from './frames.js';
export { APG_DEFAULTS, type ApgSettings } from './apg.js';
export type { CfgZeroStarSettings } from './cfg-zero-star.js';
export { DEFAULT_GUIDANCE_INTERVAL, parseGuidanceInterval };
export { apg, cfg, cfgZeroStar, intervalGuidance };

export const GUIDANCE_METHODS = ['cfg', 'interval', 'apg', 'cfg-zero-star'] as const;
export type GuidanceMethod = (typeof GUIDANCE_METHODS)[number];

/** A method's settings beyond the scale; each applies to its own method only. */
export interface GuidanceSettings {
  /** interval: [lo, hi] in t (DEFAULT_GUIDANCE_INTERVAL when absent). */
  interval?: readonly [number, number];
  apg?: ApgSettings;
  cfgZeroStar?: CfgZeroStarSettings;
}

export function createGuidance(method: string, scale: number, settings: GuidanceSettings = {}): Guidance {
  checkGuidanceMethod(method);
  if (settings.interval && method !== 'interval') throw new UserError(`--guidance-interval applies to --guidance-method interval, not ${method}`);
  if (method === 'interval') return intervalGuidance(scale, settings.interval);
  if (method === 'apg') return apg(scale, settings.apg);
  if (method === 'cfg-zero-star') return cfgZeroStar(scale, settings.cfgZeroStar);
  return cfg(scale);
}

export function checkGuidanceMethod(method: string): asserts method is GuidanceMethod {
  if (!(GUIDANCE_METHODS as readonly string[]).includes(method)) {
    throw new UserError(`unknown guidance method "${method}" (expected one of: ${GUIDANCE_METHODS.join(', ')})`);
  }
}

/**
 * `--guidance-method M [--guidance-interval LO,HI]` as request fields, checked (a UserError
 * exiting with `exitCode`): a method not given is absent (plain CFG), and an interval needs
 * the interval method.
 */
export function guidanceFlags(method?: string, interval?: string, exitCode = 2): { guidanceMethod?: GuidanceMethod; guidanceInterval?: [number, number] } {
  try {
    if (method !== undefined) checkGuidanceMethod(method);
    if (interval !== undefined && method !== 'interval') throw new UserError('--guidance-interval needs --guidance-method interval');
    return {
      ...(method !== undefined && { guidanceMethod: method as GuidanceMethod }),
      ...(interval !== undefined && { guidanceInterval: parseGuidanceInterval(interval) }),
    };
  } catch (err) {
    throw err instanceof UserError ? new UserError(err.message, exitCode) : err;
  }
}
