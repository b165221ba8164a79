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
  samples_per_s: number;
  seconds: number;
}
