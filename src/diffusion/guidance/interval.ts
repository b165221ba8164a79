/**
 * Guidance in a limited interval (Kynkäänniemi et al. 2024): CFG only for t in [lo, hi], the
 * conditional model alone elsewhere. High-noise guidance is what collapses the samples toward
 * a few modes and low-noise guidance does little but cost a pass, so dropping both ends keeps
 * most of the gain in prompt fidelity with more variety. Outside the interval the
 * unconditional pass is not run at all.
 *
 * The default interval is the paper's EDM2 one, σ ∈ (0.28, 5.42], on rectified flow's paths
 * (σ_EDM = t / (1 − t)): t ∈ [0.22, 0.84].
 *
 *   intervalGuidance(3, [0.22, 0.84]).guides(0.9) // false: the conditional model alone
 */
import { UserError } from '../../../base/errors.js';
import { cfg } from './cfg.js';
import type { Guidance } from './guidance.js';

export const DEFAULT_GUIDANCE_INTERVAL: readonly [number, number] = [0.22, 0.84];

export function intervalGuidance(scale: number, [lo, hi]: readonly [number, number] = DEFAULT_GUIDANCE_INTERVAL): Guidance {
  checkInterval([lo, hi]);
  const plain = cfg(scale);
  return { ...plain, name: 'interval', guides: (t) => plain.guides(t) && t >= lo && t <= hi };
}

/** `--guidance-interval LO,HI` → [lo, hi], 0 ≤ lo ≤ hi ≤ 1. */
export function parseGuidanceInterval(text: string): [number, number] {
  const parts = text.split(',');
  const values = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
  if (values.length !== 2 || !values.every(Number.isFinite)) throw new UserError(`--guidance-interval must be LO,HI (two times in [0, 1]), got "${text}"`);
  const interval: [number, number] = [values[0], values[1]];
  checkInterval(interval);
  return interval;
}

function checkInterval([lo, hi]: readonly [number, number]): void {
  if (!(lo >= 0 && lo <= hi && hi <= 1)) throw new UserError(`the guidance interval must have 0 ≤ LO ≤ HI ≤ 1, got ${lo},${hi}`);
}
