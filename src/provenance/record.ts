/**
 * The provenance record of a generation: which model, which prompt and seeds, which sampler
 * settings (resolved as `generateBatch` resolves them), and which code.
 *
 *   const record = generationRecord(pipe, { prompt: 'a red ball bounces', seeds: [1], steps: 25 });
 */
import path from 'node:path';
import { GENERATE_DEFAULTS, namedGuidance, resolveGuidance } from '../diffusion/generation-defaults.js';
import type { GenerateRequest, Pipeline } from '../infer/pipeline.js';
import { codeVersion } from './code-version.js';
import type { ProvenanceRecord } from './tags.js';

/**
 * The request's settings that the record names (unset ones resolve to the model's defaults), and
 * where given frames came from (src/infer/prompting.ts says it: the mode, then the files by name
 * and sha256); none for text to video.
 */
export type GenerationSettings = Pick<GenerateRequest, 'prompt' | 'seeds' | 'steps' | 'guidance' | 'sampler' | 'shift' | 'guidanceMethod' | 'guidanceInterval' | 'frameGuidance'> & {
  givenFrames?: string | null;
};

/** The record for videos `generateVideos(pipe, settings)` makes; unset settings take the model's defaults. */
export function generationRecord(pipe: PipelineIdentity, settings: GenerationSettings): ProvenanceRecord {
  const defaults = pipe.generation ?? GENERATE_DEFAULTS;
  return {
    aiGenerated: true,
    generator: codeVersion(),
    model: { name: pipe.name ?? path.basename(pipe.checkpoint), weightsSha256: pipe.weightsSha256 ?? UNKNOWN_WEIGHTS },
    prompt: settings.prompt,
    seeds: settings.seeds,
    sampler: settings.sampler ?? defaults.sampler,
    steps: settings.steps ?? defaults.steps,
    guidance: settings.guidance ?? defaults.guidance,
    shift: settings.shift ?? defaults.shift ?? 1,
    givenFrames: settings.givenFrames ?? null,
    ...namedGuidance(resolveGuidance(pipe.generation, settings)),
    ...(settings.frameGuidance !== undefined && { frameGuidance: settings.frameGuidance }),
  };
}

/** What a record needs of a pipeline. */
type PipelineIdentity = Pick<Pipeline, 'name' | 'weightsSha256' | 'generation' | 'checkpoint'>;

/** A pipeline built in memory (a training run's progress videos) has no weights file to hash. */
const UNKNOWN_WEIGHTS = 'unknown (weights not loaded from a file)';
