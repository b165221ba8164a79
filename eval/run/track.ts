/**
 * Physics tracked during training (`spacetime train --eval-every N --eval-suite S`): at the
 * run's evaluation steps the EMA weights generate a small suite — `perCategory` prompts of
 * each category, seed 1, the model's sampling defaults — each given its first K true frames
 * when K ≥ 1 (PhyWorld's protocol), and the harness scores them. The headline (abnormal rate,
 * joint accuracy, vanishings, median velocity error, attribute accuracy) is what train() writes
 * to metrics.jsonl beside the loss, so a researcher sees physics emerge, or not, as it trains.
 *
 * The videos are scored as generated (no MP4 round trip, unlike `spacetime eval`, which scores
 * what it stores), and without Physics-IQ (its truth renders are the costly part). With `sizes`
 * (`--eval-sizes`, a bucketed run) the same prompts are generated and scored at each size, one
 * headline each, named by its clip (`eval.clip`).
 *
 *   await train({ ..., evaluation: { every: 500, suite: 'all-id', keepFrames: 4, perCategory: 2 }, evaluate: evaluateDuringTraining });
 */
import { UserError } from '../../base/errors.js';
import { GENERATE_DEFAULTS } from '../../src/diffusion/generation-defaults.js';
import { generateBatch, type Pipeline } from '../../src/infer/pipeline.js';
import { modelClip } from '../../src/model/latent-space.js';
import { clipSizeLabel, type ClipSize } from '../../src/model/clip-sizes.js';
import type { EvalMetrics } from '../../src/train/step-metrics.js';
import type { TrainingEvaluation } from '../../src/train/train-config.js';
import type { TrainingRun } from '../../src/train/trainer.js';
import { createScorer } from '../score.js';
import type { VideoScore } from '../types.js';
import { CATEGORIES, resolveSuite, suiteItemAt, suiteTruth, type Suite } from '../suites/suites.js';

/** Seed of every tracking video: the same noise at every evaluation, so changes are the model's. */
const TRACK_SEED = 1;

/** The first `perCategory` items of each category of `suite`. */
export function trackingSuite(name: string, perCategory: number): Suite {
  const suite = resolveSuite(name);
  const items = CATEGORIES.flatMap((c) => suite.items.filter((item) => item.category === c).slice(0, perCategory));
  if (items.length === 0) throw new UserError(`--eval-suite ${name} has no items`);
  return { ...suite, items };
}

/**
 * train()'s `evaluate`: the suite through the EMA weights, scored, at each of `settings.sizes`
 * (a bucketed run's sizes; default the model's clip); the training weights put back exactly.
 */
export async function evaluateDuringTraining(run: TrainingRun, settings: TrainingEvaluation): Promise<EvalMetrics['eval'][]> {
  const suite = trackingSuite(settings.suite, settings.perCategory);
  if (!settings.sizes) return [await evaluateAt(run, settings, suite, modelClip(run.config))];
  const out: EvalMetrics['eval'][] = [];
  for (const size of settings.sizes) out.push({ ...(await evaluateAt(run, settings, suite, size)), clip: clipSizeLabel(size) });
  return out;
}

async function evaluateAt(run: TrainingRun, settings: TrainingEvaluation, suite: Suite, size: ClipSize): Promise<EvalMetrics['eval']> {
  const t0 = performance.now();
  const { net, ema, config, codec } = run;
  const { frames, height, width } = size;
  const clip = { width, height, numFrames: frames, fps: GENERATE_DEFAULTS.fps };
  const items = suite.items.map((item) => suiteItemAt(item, clip)); // the prompts at the clip generated (suites.ts)
  const truths = items.map((item) => suiteTruth(item, clip));
  const mask = Array.from({ length: frames }, (_, t) => t < settings.keepFrames);
  const given = settings.keepFrames > 0 ? truths.map((truth) => ({ frames: truth.video.frames, mask })) : undefined;
  const pipe: Pipeline = { net, config, checkpoint: `${run.runDir} (training, step ${run.step})`, step: run.step, codec };
  // generateBatch groups the videos to fit memory; each is the one its prompt and seed make alone.
  const videos = ema.withAveragedWeights(net.params, () =>
    generateBatch(pipe, { prompts: items.map((i) => i.caption), seeds: items.map(() => TRACK_SEED), ...GENERATE_DEFAULTS, given, frames, height, width }),
  );
  const score = createScorer({ physicsIq: false, reference: settings.keepFrames > 0, ...(settings.keepFrames > 0 ? { givenFrames: settings.keepFrames } : {}) });
  const scores = videos.map((video, k) => score({ video, caption: items[k].caption, truth: truths[k].state }));
  return { suite: settings.suite, keep_frames: settings.keepFrames, ...trackingHeadline(scores), seconds: (performance.now() - t0) / 1000 };
}

/**
 * The headline of scored videos: how many, the abnormal rate, joint accuracy, mean vanishings,
 * median velocity error and mean attribute accuracy (null where no video has the metric).
 */
export function trackingHeadline(scores: VideoScore[]) {
  const mean = (xs: (number | null)[]) => {
    const known = xs.filter((x): x is number => x !== null);
    return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
  };
  const median = (xs: (number | null)[]) => {
    const known = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
    return known.length ? (known[(known.length - 1) >> 1] + known[known.length >> 1]) / 2 : null;
  };
  return {
    videos: scores.length,
    abnormal_rate: scores.filter((s) => s.abnormal).length / scores.length,
    joint_accuracy: scores.filter((s) => s.jointCorrect).length / scores.length,
    vanish_count: mean(scores.map((s) => s.metrics.vanish_count)),
    velocity_error: median(scores.map((s) => s.metrics.velocity_error)),
    attribute_accuracy: mean(scores.map((s) => s.metrics.attribute_accuracy)),
  };
}
