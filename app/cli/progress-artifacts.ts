/**
 * What a run shows while it trains, every `sampleEvery` steps: a grid video of the EMA
 * model's samples for a few of the dataset's captions (runs/NAME/samples/step-N.mp4) and
 * the loss curve as a self-contained HTML page (runs/NAME/loss.html, plotly inlined).
 * `writeProgress` is what `spacetime train` and quickRun pass train() as its sideOutputs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../base/io/atomic.js';
import { evaluationFigure, lossFigure, readEvaluations, readMetrics } from '../../eval/figures/loss-curve.js';
import { PlotlyPage } from '../../eval/figures/plotly.js';
import { GENERATE_DEFAULTS } from '../../src/diffusion/generation-defaults.js';
import { generateVideos, videoGrid } from '../../src/infer/pipeline.js';
import { writeMp4 } from '../../base/video/index.js';
import type { TrainingRun } from '../../src/train/trainer.js';

/** The loss page, then the preview samples: train()'s sideOutputs. */
export async function writeProgress(run: TrainingRun): Promise<void> {
  writeLossPlot(run.runDir);
  await writeSamples(run, previewPrompts(run));
}

/** Preview captions: the first two distinct captions of the dataset. */
function previewPrompts({ dataset }: TrainingRun): string[] {
  return [...new Set(Array.from({ length: Math.min(dataset.length, 8) }, (_, i) => dataset.meta(i).caption))].slice(0, 2);
}

/** Sampling settings for the previews: the defaults with fewer steps, cheap, so they do not slow training much. */
const PREVIEW = { steps: 12, guidance: GENERATE_DEFAULTS.guidance, sampler: GENERATE_DEFAULTS.sampler, seed: 0 };

/** Write samples/step-N.mp4 from the EMA weights, then restore the training weights. */
export async function writeSamples({ runDir, step, net, ema, config, codec }: Omit<TrainingRun, 'dataset'>, prompts: string[]): Promise<string> {
  const videos = ema.withAveragedWeights(net.params, () =>
    prompts.flatMap((prompt) => generateVideos({ net, config, checkpoint: '(training)', step, codec }, { prompt, seeds: [PREVIEW.seed], ...PREVIEW })),
  );
  const file = path.join(runDir, 'samples', `step-${String(step).padStart(8, '0')}.mp4`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await writeMp4(videoGrid(videos), file);
  return file;
}

/** Rewrite runs/NAME/loss.html from metrics.jsonl. */
export function writeLossPlot(runDir: string): string {
  const { data, layout } = lossFigure(readMetrics(runDir), { window: 20 });
  const page = new PlotlyPage();
  const evaluations = readEvaluations(runDir);
  const tracked = evaluations.length ? evaluationFigure(evaluations) : null;
  const body = page.html(data, layout) + (tracked ? page.html(tracked.data, tracked.layout) : '');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${path.basename(runDir)}: training loss</title></head><body>${body}</body></html>\n`;
  const file = path.join(runDir, 'loss.html');
  writeFileAtomic(file, html);
  return file;
}
