/**
 * The suite's prompts through a checkpoint: one video per prompt and seed, each paired with
 * the world's ground truth for that prompt rendered at the model's clip size.
 */
import { GENERATE_DEFAULTS, generateVideos, type Pipeline } from '../../src/pipeline/text-to-video.js';
import { suiteTruth, type Suite } from '../suites/suites.js';
import { inputId, type EvalInput } from './inputs.js';

export interface GenerateSettings {
  steps: number;
  guidance: number;
  sampler: string;
}

/** Evaluation defaults: the same as `spacetime generate`'s. */
export const EVAL_GENERATE_DEFAULTS: GenerateSettings = { steps: GENERATE_DEFAULTS.steps, guidance: GENERATE_DEFAULTS.guidance, sampler: GENERATE_DEFAULTS.sampler };

export function generateSuiteInputs(
  pipe: Pipeline,
  suite: Suite,
  seeds: number[],
  settings: GenerateSettings,
  onPrompt?: (done: number, total: number) => void,
): EvalInput[] {
  const { frames, height, width } = pipe.config.model;
  const fps = GENERATE_DEFAULTS.fps;
  const inputs: EvalInput[] = [];
  suite.items.forEach((item, k) => {
    const videos = generateVideos(pipe, { prompt: item.caption, seeds, ...settings, fps });
    const truth = suiteTruth(item, { width, height, numFrames: frames, fps });
    videos.forEach((video, s) => {
      inputs.push({
        id: inputId(item.promptId, seeds[s]),
        promptId: item.promptId,
        seed: seeds[s],
        category: item.category,
        split: item.split,
        family: item.family,
        caption: item.caption,
        video,
        sourceFile: null,
        truth,
      });
    });
    onPrompt?.(k + 1, suite.items.length);
  });
  return inputs;
}
