/**
 * A short training run for notebooks: make a small world dataset and train a model on it,
 * both in one folder (a fresh temporary one unless given). What `spacetime data make`
 * followed by `spacetime train` does, scaled down to finish in well under a minute with the
 * `tiny` preset on 16×16 clips of 4 frames.
 *
 * It trains on whatever tfjs backend is active: call `useBackend()` first.
 *
 *   await useBackend();
 *   const quick = await quickRun({ steps: 200 });
 *   const pipe = loadPipeline(quick.run);
 *   // … later: fs.rmSync(quick.dir, { recursive: true, force: true });
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeDataset } from '../../datasets/make.js';
import { parseSelection, type Selection } from '../../datasets/selection.js';
import type { StepMetrics } from '../../src/train/step-metrics.js';
import { train, type TrainResult } from '../../src/train/trainer.js';
import { writeProgress } from '../cli/progress-artifacts.js';

export interface QuickRunOptions {
  /** Folder that gets `data/` and `run/`; default a fresh folder under the OS temp dir. */
  dir?: string;
  /** Comma-separated families, as `--families` takes them. */
  families?: string;
  /** Samples in the dataset (families take turns). */
  samples?: number;
  /** Clip side in pixels and length in frames. */
  size?: number;
  frames?: number;
  /** Model preset. */
  preset?: string;
  steps?: number;
  batchSize?: number;
  lr?: number;
  warmup?: number;
  /**
   * EMA decay of the weights that sampling uses. The trainer's default (0.999) averages
   * over ~1000 steps, so after a short run the EMA would still be mostly the random
   * initialisation; 0.95 averages over the last ~20 steps.
   */
  emaDecay?: number;
  /** Seeds the dataset and the run. */
  seed?: number;
  onStep?: (metrics: StepMetrics) => void;
}

export const QUICK_RUN_DEFAULTS = {
  families: 'uniform,bounce,slide',
  samples: 16,
  size: 16,
  frames: 4,
  preset: 'tiny',
  steps: 200,
  batchSize: 8,
  lr: 1e-2,
  warmup: 20,
  emaDecay: 0.95,
  seed: 0,
};

export interface QuickRun {
  /** The folder holding both; remove it when done. */
  dir: string;
  /** The dataset folder (a `WorldDataset`). */
  data: string;
  /** The run folder: config.json, metrics.jsonl, checkpoints/ (for `loadPipeline`), loss.html, samples/. */
  run: string;
  selection: Selection;
  result: TrainResult;
  /** Wall time of the training alone. */
  trainSeconds: number;
}

export async function quickRun(options: QuickRunOptions = {}): Promise<QuickRun> {
  const o = { ...QUICK_RUN_DEFAULTS, ...stripUndefined(options) };
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-quick-run-'));
  const data = path.join(dir, 'data');
  const run = path.join(dir, 'run');
  const selection = parseSelection({ families: o.families, split: 'id', n: o.samples, seed: o.seed, size: o.size, frames: o.frames });
  makeDataset(selection, { out: data });
  const t0 = performance.now();
  const result = await train({
    preset: o.preset,
    data,
    out: run,
    steps: o.steps,
    batchSize: o.batchSize,
    lr: o.lr,
    warmup: o.warmup,
    emaDecay: o.emaDecay,
    seed: o.seed,
    checkpointEvery: o.steps, // one checkpoint, at the end
    keepCheckpoints: 1,
    onStep: options.onStep,
    sideOutputs: writeProgress, // at the last step: loss.html and samples/step-N.mp4, as `spacetime train` writes them
  });
  return { dir, data, run, selection, result, trainSeconds: (performance.now() - t0) / 1000 };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
