/**
 * One line of a run's metrics.jsonl: what the trainer reports after every step, and what the
 * loss page, the notebooks and the training summary read back. Its own file so that readers
 * (src/notebook, src/pipeline) need not import the trainer.
 */
export interface StepMetrics {
  step: number;
  loss: number;
  lr: number;
  grad_norm: number;
  /** With hard negatives: mean over the swappable samples of (swapped − true) per-sample loss; > 0 = the words are read. */
  negative_gap?: number;
  /** A bucketed run: the batch's clip size, WxHxT as --buckets names it (its loss is that size's). */
  clip?: string;
  samples_per_s: number;
  seconds: number;
}

/**
 * A line of metrics.jsonl written by a training-time evaluation (TrainConfig.evaluation)
 * instead of a step: the harness's headline of the small suite at that step.
 */
export interface EvalMetrics {
  step: number;
  eval: {
    suite: string;
    keep_frames: number;
    videos: number;
    abnormal_rate: number;
    joint_accuracy: number;
    /** Mean vanishings per video. */
    vanish_count: number | null;
    /** Median over videos (units/s); null for a text-only evaluation (no reference) or none measurable. */
    velocity_error: number | null;
    attribute_accuracy: number | null;
    seconds: number;
    /** With `--eval-sizes`: the clip size (WxHxT) these videos were generated at; absent: the model's clip. */
    clip?: string;
  };
}

/** Whether a metrics.jsonl line is a step's (not an evaluation's). */
export function isStepLine(line: StepMetrics | EvalMetrics): line is StepMetrics {
  return typeof (line as StepMetrics).loss === 'number';
}
