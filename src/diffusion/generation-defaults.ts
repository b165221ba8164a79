/**
 * The sampling settings generation uses when neither the request nor the model folder names
 * them: 25 Heun steps, guidance 3 (plain CFG), the uniform time grid, 10 fps. The defaults of
 * `generate`, `eval`, `model check`, the server's jobs and what `model ship` records all come
 * from here, and so does the one rule for which guidance method a request gets.
 *
 *   const steps = request.steps ?? (pipe.generation ?? GENERATE_DEFAULTS).steps;
 *   const { method, interval } = resolveGuidance(pipe.generation, request); // 'interval', [0.22, 0.84]
 */
import { UserError } from '../../base/errors.js';
import { checkGuidanceMethod, DEFAULT_GUIDANCE_INTERVAL } from './guidance/index.js';

/** Sampling settings a model folder recommends (its config.json `generation`), or these defaults. */
export interface GenerationDefaults {
  steps: number;
  guidance: number;
  /** A sampler name of src/diffusion/samplers. */
  sampler: string;
  fps: number;
  /** SD3's time shift of the sampler's grid (absent in older model folders: 1, the uniform grid). */
  shift?: number;
  /** The guidance method of src/diffusion/guidance a request naming none gets (absent: 'cfg'). */
  guidanceMethod?: string;
  /** The interval method's [lo, hi] in t (absent: DEFAULT_GUIDANCE_INTERVAL); only with guidanceMethod 'interval'. */
  guidanceInterval?: [number, number];
}

export const GENERATE_DEFAULTS: Readonly<Required<Omit<GenerationDefaults, 'guidanceMethod' | 'guidanceInterval'>>> = { steps: 25, guidance: 3, sampler: 'heun', fps: 10, shift: 1 };

/** A request's guidance settings, as `generateBatch` takes them. */
export interface GuidanceRequest {
  guidanceMethod?: string;
  guidanceInterval?: [number, number];
  frameGuidance?: number;
}

/**
 * The guidance a request gets: the method it names; else plain CFG where it sets a frame scale
 * (`frameGuidance` combines with CFG only); else the model folder's recommended method; else
 * CFG. The interval method's bounds: the request's, else the model's, else the default ones
 * (bounds for any other method are refused).
 */
export function resolveGuidance(defaults: GenerationDefaults | undefined, request: GuidanceRequest): { method: string; interval?: [number, number] } {
  const method = request.guidanceMethod ?? (request.frameGuidance !== undefined ? 'cfg' : (defaults?.guidanceMethod ?? 'cfg'));
  if (method !== 'interval') {
    if (request.guidanceInterval) throw new UserError(`--guidance-interval applies to --guidance-method interval, not ${method}`);
    return { method };
  }
  return { method, interval: [...(request.guidanceInterval ?? defaults?.guidanceInterval ?? DEFAULT_GUIDANCE_INTERVAL)] as [number, number] };
}

/** A resolved guidance as record fields (run.json, check.json, provenance): named only when not plain CFG, so a CFG record is what it always was. */
export function namedGuidance({ method, interval }: { method: string; interval?: [number, number] }): { guidanceMethod?: string; guidanceInterval?: [number, number] } {
  return { ...(method !== 'cfg' && { guidanceMethod: method }), ...(interval && { guidanceInterval: interval }) };
}

/** A problem with a model folder's recommended guidance (config.json `generation`), or null. */
export function checkGuidanceDefaults(g: Pick<GenerationDefaults, 'guidanceMethod' | 'guidanceInterval'>): string | null {
  if (g.guidanceMethod === undefined) return g.guidanceInterval === undefined ? null : '"guidanceInterval" without "guidanceMethod": "interval"';
  try {
    if (typeof g.guidanceMethod !== 'string') throw new Error(`${JSON.stringify(g.guidanceMethod)} is not a name`);
    checkGuidanceMethod(g.guidanceMethod);
    if (g.guidanceInterval === undefined) return null;
    if (g.guidanceMethod !== 'interval') throw new Error(`"guidanceInterval" applies to the interval method, not ${g.guidanceMethod}`);
    const i = g.guidanceInterval as unknown;
    const ok = Array.isArray(i) && i.length === 2 && i.every((v) => typeof v === 'number') && 0 <= i[0] && i[0] <= i[1] && i[1] <= 1;
    if (!ok) throw new Error(`interval ${JSON.stringify(i)} is not [lo, hi] with 0 ≤ lo ≤ hi ≤ 1`);
    return null;
  } catch (err) {
    return `bad "generation" guidance: ${(err as Error).message}`;
  }
}
