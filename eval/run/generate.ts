/**
 * The suite's prompts through a checkpoint or shipped model: one video per prompt and seed,
 * each paired with the world's ground truth for that prompt rendered at the model's clip size.
 * Prompts go through the model several at a time (a seed's video does not depend on the batch).
 * With `keepFrames` K ≥ 1 (PhyWorld's protocol) each prompt's first K true frames are given
 * to the model with its caption; they come back exactly in its video.
 *
 * What is scored is what the run stores: each generated video is written as the run's MP4
 * and decoded back, and those decoded frames are scored. (Storing losslessly instead would
 * need H.264's 4:4:4 lossless profile, which browsers — the comparison server, the report —
 * do not play.) The round trip moved the shipped model's abnormal rate 91.1% → 92.9%.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GENERATE_DEFAULTS, namedGuidance, resolveGuidance } from '../../src/diffusion/generation-defaults.js';
import { generateBatch, type Pipeline } from '../../src/infer/pipeline.js';
import { modelClip } from '../../src/model/latent-space.js';
import { c2paSignerIfLoadable } from '../../src/provenance/sign.js';
import { generationRecord } from '../../src/provenance/record.js';
import { GENERATED_WRITERS, type Provenance } from '../../src/provenance/write.js';
import { readVideo, type Video } from '../../base/video/index.js';
import { suiteItemAt, suiteTruth, type Suite } from '../suites/suites.js';
import { inputId, type EvalInput } from './inputs.js';
import type { GenerateSettings } from './run-schema.js';

/** Videos per model batch: enough to amortise per-call overhead, small enough for memory. */
export const GENERATE_BATCH = 8;

/** The settings a run uses: the flags given, else the shipped model's own defaults, else `spacetime generate`'s. */
export function resolveGenerateSettings(pipe: Pipeline, given: Partial<GenerateSettings> = {}): GenerateSettings & { shift: number } {
  const defaults = pipe.generation ?? GENERATE_DEFAULTS;
  return {
    steps: given.steps ?? defaults.steps,
    guidance: given.guidance ?? defaults.guidance,
    sampler: given.sampler ?? defaults.sampler,
    shift: given.shift ?? defaults.shift ?? 1,
    ...namedGuidance(resolveGuidance(pipe.generation, given)),
    ...(given.frameGuidance !== undefined && { frameGuidance: given.frameGuidance }),
  };
}

/** Resolved settings as a `generateBatch` request: a method they do not name is plain CFG, whatever the model folder recommends. */
export function samplingRequest(settings: GenerateSettings): GenerateSettings & { guidanceMethod: string } {
  return { ...settings, guidanceMethod: settings.guidanceMethod ?? 'cfg' };
}

export async function generateSuiteInputs(
  pipe: Pipeline,
  suite: Suite,
  seeds: number[],
  settings: GenerateSettings,
  keepFrames: number,
  onVideos?: (done: number, total: number) => void,
  /** The clip size to generate at, in pixels (a size the model was trained at); default the model's. */
  clip: { frames: number; height: number; width: number } = modelClip(pipe.config),
): Promise<EvalInput[]> {
  const { frames, height, width } = clip;
  const fps = pipe.generation?.fps ?? GENERATE_DEFAULTS.fps;
  // The prompts are the scenes' at this clip (another size can be another scene: suites.ts).
  const truthClip = { width, height, numFrames: frames, fps };
  const items = suite.items.map((item) => suiteItemAt(item, truthClip));
  const jobs = items.flatMap((item) => seeds.map((seed) => ({ item, seed })));
  const truths = new Map(items.map((item) => [item.promptId, suiteTruth(item, truthClip)]));
  const mask = Array.from({ length: frames }, (_, t) => t < keepFrames);
  const inputs: EvalInput[] = [];
  const signing = await c2paSignerIfLoadable({});
  if ('unavailable' in signing) console.warn(`note: the C2PA library cannot load here (${signing.unavailable}); the run's videos carry provenance tags only`);
  const sign = 'sign' in signing ? signing.sign : null;
  const sampling = samplingRequest(settings);
  const runRecord = generationRecord(pipe, { prompt: '', seeds: [], ...sampling }); // code version looked up once
  onVideos?.(0, jobs.length); // the stage's clock starts now, not at its first batch
  for (let start = 0; start < jobs.length; start += GENERATE_BATCH) {
    const batch = jobs.slice(start, start + GENERATE_BATCH);
    const given = keepFrames > 0 ? batch.map((j) => ({ frames: truths.get(j.item.promptId)!.video.frames, mask })) : undefined;
    const videos = generateBatch(pipe, { prompts: batch.map((j) => j.item.caption), seeds: batch.map((j) => j.seed), ...sampling, fps, given, frames, height, width });
    for (const [b, { item, seed }] of batch.entries()) {
      const givenFrames = keepFrames > 0 ? `frames 0-${keepFrames - 1} of the ground truth of ${suite.name} ${item.promptId}` : null;
      const stored = await storeAndDecode(videos[b], { record: { ...runRecord, prompt: item.caption, seeds: [seed], givenFrames }, sign });
      inputs.push({
        id: inputId(item.promptId, seed),
        promptId: item.promptId,
        seed,
        category: item.category,
        split: item.split,
        family: item.family,
        caption: item.caption,
        video: stored.video,
        sourceFile: null,
        mp4: stored.mp4,
        truth: truths.get(item.promptId)!,
      });
    }
    onVideos?.(inputs.length, jobs.length);
  }
  return inputs;
}

/**
 * `video` as the run stores it: the MP4 bytes `spacetime generate` writes (with `provenance`),
 * and the frames `readVideo` decodes from them (through a private temporary folder, always removed).
 */
export async function storeAndDecode(video: Video, provenance: Provenance): Promise<{ mp4: Uint8Array; video: Video }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-eval-mp4-'));
  try {
    const file = path.join(dir, 'video.mp4');
    await GENERATED_WRITERS['.mp4'](video, file, provenance);
    return { mp4: new Uint8Array(fs.readFileSync(file)), video: await readVideo(file) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
