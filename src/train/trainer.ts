/**
 * The training loop: text-conditioned rectified flow (or v-prediction) on a world dataset,
 * a JSONL line of metrics per step, atomic checkpoints, and `resume` continuing
 * bit-identically on the same backend. The run's setup is in run-setup.ts, one step (AdamW,
 * clipping, EMA, caption dropout, hard negatives) in step.ts.
 *
 * A step's randomness comes from an RNG seeded by (seed, step), and batches from a seeded
 * permutation with a saved cursor, so a resumed run needs no RNG state beyond the step number.
 *
 *   const result = await train({ preset: 'tiny', data: 'data/id', steps: 200, out: 'runs/tiny' });
 */
import fs from 'node:fs';
import type { WorldDataset } from '../../datasets/shards.js';
import type { VideoModel } from '../model/video-model.js';
import type { VideoCodec } from '../model/video-codec.js';
import type { Ema } from './ema.js';
import { closeRun, setupRun, type Run, type RunOptions } from './run-setup.js';
import { saveTrainingCheckpoint } from './run-state.js';
import { trainStep } from './step.js';
import type { EvalMetrics, StepMetrics } from './step-metrics.js';
import type { TrainConfig, TrainingEvaluation } from './train-config.js';

export interface TrainOptions extends RunOptions {
  /** Called after every step with its metrics. */
  onStep?: (metrics: StepMetrics) => void;
  /**
   * Called every `sampleEvery` steps and at the last step, once metrics.jsonl is on disk:
   * what the run shows while it trains (the CLI's loss page and preview videos). It may swap
   * the EMA weights in, and must put the training weights back exactly. Absent: nothing.
   */
  sideOutputs?: (run: TrainingRun) => Promise<void> | void;
  /**
   * How the run's `config.evaluation` is carried out (the CLI passes the harness's,
   * eval/run/track.ts): called at its cadence with the EMA weights' run; each headline it returns
   * (one per evaluated clip size) is a line of metrics.jsonl. Must put the training weights back
   * exactly. Absent: no evaluation.
   */
  evaluate?: (run: TrainingRun, settings: TrainingEvaluation) => Promise<EvalMetrics['eval'][]>;
}

/** A run between two steps, as side outputs see it. */
export interface TrainingRun {
  runDir: string;
  step: number;
  config: TrainConfig;
  net: VideoModel;
  ema: Ema;
  dataset: WorldDataset;
  /** What the DiT denoises: PIXELS, or the run's VAE (--latent). */
  codec: VideoCodec;
}

export interface TrainResult {
  runDir: string;
  step: number;
  loss: number;
  checkpoint: string;
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { onStep, sideOutputs, evaluate, ...runOptions } = options;
  const run = setupRun(runOptions);
  const { runDir, config } = run;
  let { step, checkpoint } = run;
  let loss = NaN;
  try {
    while (step < config.steps) {
      step += 1;
      const metrics = trainStep(run, step);
      loss = metrics.loss;
      fs.writeSync(run.metricsFd, JSON.stringify(metrics) + '\n');
      onStep?.(metrics);
      const last = step === config.steps;
      if (step % config.checkpointEvery === 0 || last) checkpoint = save(run, step);
      const now = { runDir, step, config, net: run.net, ema: run.ema, dataset: run.dataset, codec: run.codec };
      const { evaluation } = config;
      if (evaluate && evaluation && (step % evaluation.every === 0 || last)) {
        for (const e of await evaluate(now, evaluation)) fs.writeSync(run.metricsFd, JSON.stringify({ step, eval: e } satisfies EvalMetrics) + '\n');
      }
      if (sideOutputs && config.sampleEvery > 0 && (step % config.sampleEvery === 0 || last)) {
        fs.fsyncSync(run.metricsFd); // side outputs read it back (the loss page)
        await sideOutputs(now);
      }
    }
  } finally {
    closeRun(run);
  }
  return { runDir, step, loss, checkpoint };
}

function save(run: Run, step: number): string {
  return saveTrainingCheckpoint(run.runDir, step, run.config, { ...run, params: run.net.params }, run.config.keepCheckpoints);
}
