/**
 * The suite's prompts through a checkpoint or shipped model: one video per prompt and seed,
 * each paired with the world's ground truth for that prompt rendered at the model's clip size.
 * Prompts go through the model several at a time (a seed's video does not depend on the batch).
 */
import { GENERATE_DEFAULTS, generateBatch, type Pipeline } from '../../src/pipeline/text-to-video.js';
import { suiteTruth, type Suite } from '../suites/suites.js';
import { inputId, type EvalInput } from './inputs.js';

export interface GenerateSettings {
  steps: number;
  guidance: number;
  sampler: string;
  /** SD3's time shift of the sampler's grid (absent in runs from before it existed: 1). */
  shift?: number;
}

/** Videos per model batch: enough to amortise per-call overhead, small enough for memory. */
export const GENERATE_BATCH = 8;

/** The settings a run uses: the flags given, else the shipped model's own defaults, else `spacetime generate`'s. */
export function resolveGenerateSettings(pipe: Pipeline, given: Partial<GenerateSettings> = {}): GenerateSettings {
  const defaults = pipe.generation ?? GENERATE_DEFAULTS;
  return {
    steps: given.steps ?? defaults.steps,
    guidance: given.guidance ?? defaults.guidance,
    sampler: given.sampler ?? defaults.sampler,
    shift: given.shift ?? defaults.shift ?? 1,
  };
}

export function generateSuiteInputs(
  pipe: Pipeline,
  suite: Suite,
  seeds: number[],
  settings: GenerateSettings,
  onVideos?: (done: number, total: number) => void,
): EvalInput[] {
  const { frames, height, width } = pipe.config.model;
  const fps = pipe.generation?.fps ?? GENERATE_DEFAULTS.fps;
  const jobs = suite.items.flatMap((item) => seeds.map((seed) => ({ item, seed })));
  const truths = new Map(suite.items.map((item) => [item.promptId, suiteTruth(item, { width, height, numFrames: frames, fps })]));
  const inputs: EvalInput[] = [];
  for (let start = 0; start < jobs.length; start += GENERATE_BATCH) {
    const batch = jobs.slice(start, start + GENERATE_BATCH);
    const videos = generateBatch(pipe, { prompts: batch.map((j) => j.item.caption), seeds: batch.map((j) => j.seed), ...settings, fps });
    batch.forEach(({ item, seed }, b) => {
      inputs.push({
        id: inputId(item.promptId, seed),
        promptId: item.promptId,
        seed,
        category: item.category,
        split: item.split,
        family: item.family,
        caption: item.caption,
        video: videos[b],
        sourceFile: null,
        truth: truths.get(item.promptId)!,
      });
    });
    onVideos?.(inputs.length, jobs.length);
  }
  return inputs;
}
