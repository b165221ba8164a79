/**
 * The contract between the harness's per-video scoring (eval/score.ts) and everything built on
 * it (suites, the `spacetime eval` CLI, reports, the comparison server). See eval/FORMAT.md.
 */
import type { Video } from '../base/video/video.js';
import type { StateFile } from '../datasets/interchange.js';

/** One tracked object, in world units (y up, origin bottom-left as in the world), one point per frame it is seen. */
export interface Track {
  /** Palette colour name (or `cluster-k` when the palette was estimated). */
  color: string;
  points: { frame: number; x: number; y: number; area: number }[];
}

export interface VideoInput {
  video: Video;
  /** The prompt the video was made from. */
  caption: string;
  /** Ground truth for the same prompt and seed, when the suite has it. */
  truth?: StateFile | null;
}

export interface VideoScore {
  /** Every metric by stable name (snake_case); null when it could not be computed (see skipped). */
  metrics: Record<string, number | null>;
  /** Metric name → why it was skipped (e.g. "no ground truth", "prompt not parsed"). */
  skipped: Record<string, string>;
  /** Prompt adherence per attribute: true/false, or null when the prompt does not state it. */
  attributes: Record<string, boolean | null>;
  /** Whether the prompt parsed into the world's spec (a paraphrase outside the grammar does not). */
  parsedPrompt: boolean;
  /** Rule names over their thresholds (e.g. "teleport", "gravity", "vanish"). */
  violations: string[];
  abnormal: boolean;
  /** Every stated attribute right and not abnormal. */
  jointCorrect: boolean;
  tracks: Track[];
  truthTracks: Track[] | null;
}
