/**
 * What every trainer here (the DiT's trainer.ts, the autoencoder's vae-trainer.ts) does the
 * same way, written once: claim the run folder, keep metrics.jsonl in step with the
 * checkpoint a run continues from, apply one optimiser update (global-norm clipping, AdamW,
 * EMA), and save or restore everything a resumed run needs (weights, EMA, AdamW's moments,
 * the data cursor) so it continues bit-identically.
 *
 *   claimRunFolder(out, resuming);
 *   const metricsFd = openMetrics(out, step);
 *   const gradNorm = applyUpdate(state, grads, lr, clipNorm, step);
 *   saveTrainingCheckpoint(out, step, config, state, keepLast);
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../base/errors.js';
import { writeFileAtomic } from '../../base/io/atomic.js';
import { restoreVariables, saveCheckpoint, type LoadedCheckpoint } from '../model/checkpoint.js';
import type { AdamW } from './adamw.js';
import { clipByGlobalNorm } from './clip.js';
import type { Ema } from './ema.js';

/** The trained state of a run between steps. */
export interface TrainingState {
  params: Record<string, tf.Variable>;
  opt: AdamW;
  ema: Ema;
  /** Where the run is in its data (a BatchStream, or a BucketStream's cursors): what a checkpoint saves. */
  batches: { readonly cursor: unknown };
}

/** A new run needs a fresh folder, a resumed one its config.json. */
export function claimRunFolder(runDir: string, resuming: boolean): void {
  const existing = fs.existsSync(path.join(runDir, 'config.json'));
  if (existing && !resuming) throw new UserError(`${runDir} already holds a run; pass --resume to continue it, or choose another --out`);
  if (resuming && !existing) throw new UserError(`--resume: no run in ${runDir} (missing config.json)`);
}

/** metrics.jsonl open for appending, after the resumed step's lines: the steps after it are rewritten. */
export function openMetrics(runDir: string, step: number): number {
  const file = path.join(runDir, 'metrics.jsonl');
  const kept = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => metricsStep(l) <= step) : [];
  writeFileAtomic(file, kept.map((l) => l + '\n').join(''));
  return fs.openSync(file, 'a');
}

/** The step of one metrics.jsonl line; Infinity for a blank or torn line (a kill mid-write), which is dropped. */
function metricsStep(line: string): number {
  try {
    const step = (JSON.parse(line) as { step?: unknown }).step;
    return typeof step === 'number' ? step : Infinity;
  } catch {
    return Infinity;
  }
}

/**
 * Optimiser step `step` (1-based) with `grads`: clipped by their global norm, AdamW at rate
 * `lr`, then the EMA. Returns the norm before clipping; the caller still owns `grads`.
 */
export function applyUpdate(s: Pick<TrainingState, 'params' | 'opt' | 'ema'>, grads: Record<string, tf.Tensor>, lr: number, clipNorm: number, step: number): number {
  const clipped = clipByGlobalNorm(grads, clipNorm);
  s.opt.step(clipped.grads, lr);
  s.ema.update(s.params, step);
  for (const g of Object.values(clipped.grads)) g.dispose();
  return clipped.norm;
}

/** A checkpoint of everything resume needs: weights, EMA, optimizer moments, the data cursor. */
export function saveTrainingCheckpoint(runDir: string, step: number, config: unknown, s: TrainingState, keepLast: number): string {
  const { params, ema, opt, batches } = s;
  return saveCheckpoint(
    runDir,
    { step, config, params, ema: ema.shadow, optimizer: { step: opt.step_, m: opt.m, v: opt.v }, state: { cursor: batches.cursor } },
    { keepLast },
  );
}

/** Put a resumed checkpoint's weights, EMA and optimizer moments back (the cursor goes to the batch stream). */
export function restoreTrainingState(ck: LoadedCheckpoint, s: Pick<TrainingState, 'params' | 'opt' | 'ema'>): void {
  restoreVariables(s.params, ck.params, 'model');
  if (ck.ema) restoreVariables(s.ema.shadow, ck.ema, 'EMA');
  if (ck.optimizer) {
    restoreVariables(s.opt.m, ck.optimizer.m, 'optimizer m');
    restoreVariables(s.opt.v, ck.optimizer.v, 'optimizer v');
    s.opt.step_ = ck.optimizer.step;
  }
}
