/**
 * A run's training loss as a plotly figure: every step's loss (thin, faint) and its
 * trailing moving average (thick), read from the run's metrics.jsonl.
 *
 *   const metrics = readMetrics('runs/tiny');
 *   const { data, layout } = lossFigure(metrics, { window: 20 });
 *   tslab.display.html(plotlyHtml(data, layout));
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import { isStepLine, type EvalMetrics, type StepMetrics } from '../../src/train/step-metrics.js';
import type { PlotlyFigure } from './plotly.js';

/** Every step's metrics of the run in `runDir`, in file (= step) order. */
export function readMetrics(runDir: string): StepMetrics[] {
  return readLines(runDir).filter(isStepLine);
}

/** The run's training-time evaluations (`--eval-every`), in step order. */
export function readEvaluations(runDir: string): EvalMetrics[] {
  return readLines(runDir).filter((line): line is EvalMetrics => !isStepLine(line));
}

function readLines(runDir: string): (StepMetrics | EvalMetrics)[] {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) throw new UserError(`no metrics in ${runDir} (missing metrics.jsonl): not a run folder`);
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as StepMetrics | EvalMetrics);
}

/**
 * Mean of each value and the `window − 1` before it; the first values average over what
 * there is so far, so the output is as long as the input.
 *
 *   movingAverage([1, 2, 3, 4], 2) // [1, 1.5, 2.5, 3.5]
 */
export function movingAverage(values: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}

export interface LossFigureOptions {
  /** Steps in the moving average; default 20. */
  window?: number;
  title?: string;
  /** Plot height in CSS pixels; default 360. */
  height?: number;
}

export function lossFigure(metrics: readonly StepMetrics[], opts: LossFigureOptions = {}): PlotlyFigure {
  if (metrics.length === 0) throw new RangeError('lossFigure needs at least one step');
  const window = opts.window ?? 20;
  const steps = metrics.map((m) => m.step);
  const losses = metrics.map((m) => m.loss);
  return {
    data: [
      { type: 'scatter', mode: 'lines', name: 'loss', x: steps, y: losses, line: { width: 1, color: 'rgba(31, 119, 180, 0.35)' } },
      { type: 'scatter', mode: 'lines', name: `mean of ${window} steps`, x: steps, y: movingAverage(losses, window), line: { width: 3, color: 'rgb(31, 119, 180)' } },
    ],
    layout: {
      title: { text: opts.title ?? 'training loss' },
      xaxis: { title: { text: 'step' } },
      yaxis: { title: { text: 'loss (MSE)' }, rangemode: 'tozero' },
      height: opts.height ?? 360,
      margin: { l: 60, r: 20, t: 50, b: 50 },
      legend: { x: 1, xanchor: 'right', y: 1 },
    },
  };
}

/**
 * The harness's headline at each training-time evaluation: abnormal rate, joint accuracy and
 * attribute accuracy (left axis, 0–1), median velocity error and vanishings per video (right).
 * Evaluations at several clip sizes (`--eval-sizes`) get the abnormal rate, joint accuracy and
 * vanishings of each size, named by it.
 */
export function evaluationFigure(evaluations: readonly EvalMetrics[], opts: { height?: number } = {}): PlotlyFigure {
  if (evaluations.length === 0) throw new RangeError('evaluationFigure needs at least one evaluation');
  const { suite, keep_frames: k } = evaluations[evaluations.length - 1].eval;
  const clips = [...new Set(evaluations.map((e) => e.eval.clip ?? ''))];
  const line = (name: string, of: readonly EvalMetrics[], value: (e: EvalMetrics['eval']) => number | null, axis: 'y' | 'y2', dash?: string) =>
    ({ type: 'scatter', mode: 'lines+markers', name, x: of.map((e) => e.step), y: of.map((e) => value(e.eval)), yaxis: axis, line: dash ? { dash } : {} }) as PlotlyFigure['data'][number];
  const data =
    clips.length === 1
      ? [
          line('abnormal rate', evaluations, (e) => e.abnormal_rate, 'y'),
          line('joint accuracy', evaluations, (e) => e.joint_accuracy, 'y'),
          line('attribute accuracy', evaluations, (e) => e.attribute_accuracy, 'y'),
          line('velocity error (median, units/s)', evaluations, (e) => e.velocity_error, 'y2', 'dot'),
          line('vanishings per video', evaluations, (e) => e.vanish_count, 'y2', 'dot'),
        ]
      : clips.flatMap((clip) => {
          const of = evaluations.filter((e) => (e.eval.clip ?? '') === clip);
          const name = clip || 'model clip';
          return [
            line(`abnormal rate, ${name}`, of, (e) => e.abnormal_rate, 'y'),
            line(`joint accuracy, ${name}`, of, (e) => e.joint_accuracy, 'y', 'dash'),
            line(`vanishings per video, ${name}`, of, (e) => e.vanish_count, 'y2', 'dot'),
          ];
        });
  return {
    data,
    layout: {
      title: { text: `physics while training: ${suite}, ${k > 0 ? `first ${k} frames given` : 'text only'}${clips.length > 1 ? `, at ${clips.length} clip sizes` : ''}` },
      xaxis: { title: { text: 'step' } },
      yaxis: { title: { text: 'rate' }, range: [0, 1] },
      yaxis2: { title: { text: 'units/s · count' }, overlaying: 'y', side: 'right', rangemode: 'tozero' },
      height: opts.height ?? 360,
      margin: { l: 60, r: 60, t: 50, b: 50 },
      legend: { x: 0, xanchor: 'left', y: -0.25, orientation: 'h' },
    },
  };
}
