/**
 * Per-video scoring: parse a video into tracks, measure physics (against ground truth where
 * given, reference-free always), Physics-IQ masks, VBench pixel metrics and prompt adherence,
 * then flag rule violations. Everything the harness reports about one video comes from here.
 *
 *   const { frames, meta } = makeSample({ family: 'bounce', split: 'id', seed: 1, index: 0 });
 *   const video = { frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps };
 *   const score = scoreVideo({ video, caption: meta.caption, truth: toStateFile(meta) });
 *   score.abnormal      // false
 *   score.metrics.velocity_error  // ~0.01 units/s (the parser's floor)
 */
import type { VideoInput, VideoScore } from './types.js';

export { METRIC_NAMES, ATTRIBUTE_NAMES } from './metric-names.js';
import { METRIC_NAMES } from './metric-names.js';

export interface ScoreOptions {
  /** Compute the Physics-IQ metrics (renders the truth and a perturbed re-simulation); default true. */
  physicsIq?: boolean;
}

export function scoreVideo(input: VideoInput, options: ScoreOptions = {}): VideoScore {
  void input;
  void options;
  const metrics: Record<string, number | null> = {};
  const skipped: Record<string, string> = {};
  for (const name of METRIC_NAMES) {
    metrics[name] = null;
    skipped[name] = 'not implemented yet';
  }
  return { metrics, skipped, attributes: {}, parsedPrompt: false, violations: [], abnormal: false, jointCorrect: false, tracks: [], truthTracks: null };
}
