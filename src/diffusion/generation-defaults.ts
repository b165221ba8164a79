/**
 * The sampling settings generation uses when neither the request nor the model folder names
 * them: 25 Heun steps, guidance 3, the uniform time grid, 10 fps. The defaults of `generate`,
 * `eval`, `model check`, the server's jobs and what `model ship` records all come from here.
 *
 *   const steps = request.steps ?? (pipe.generation ?? GENERATE_DEFAULTS).steps;
 */

/** Sampling settings a model folder recommends (its config.json `generation`), or these defaults. */
export interface GenerationDefaults {
  steps: number;
  guidance: number;
  /** A sampler name of src/diffusion/samplers. */
  sampler: string;
  fps: number;
  /** SD3's time shift of the sampler's grid (absent in older model folders: 1, the uniform grid). */
  shift?: number;
}

export const GENERATE_DEFAULTS: Readonly<Required<GenerationDefaults>> = { steps: 25, guidance: 3, sampler: 'heun', fps: 10, shift: 1 };
