/**
 * Generation benchmark: seconds per 16-frame 32×32 video at 25 Heun steps with
 * classifier-free guidance 3 (50 model evaluations of a batch of 2, the prompt and the null
 * caption; 49 for x-prediction, whose last Heun step is Euler), for the shipped model
 * (models/default) or, where none is shipped yet, a freshly initialised `small` model (the
 * same network and cost; its line says so). One JSON line per backend.
 *
 *   npx tsx src/infer/generate.bench.ts [--backends native,wasm] [--iters 3] [--quick]
 */
import fs from 'node:fs';
import { useBackend } from '../../base/compute/backend.js';
import { createObjective } from '../diffusion/objective.js';
import { resolveConfig } from '../model/config.js';
import { buildVideoModel } from '../model/video-model.js';
import { resolveTextEncoderConfig } from '../text/config.js';
import { benchFlag as flag } from '../../base/compute/spec-backends.js';
import { DEFAULT_MODEL_DIR, defaultModelDir } from '../model/model-folder.js';
import { GENERATE_DEFAULTS } from '../diffusion/generation-defaults.js';
import { generateVideos, loadPipeline, type Pipeline } from './pipeline.js';
import { PIXELS } from '../model/video-codec.js';

const PROMPT = 'a red ball drops onto the floor and bounces back up';
const CLIP = { frames: 16, height: 32, width: 32 };

function pipeline(): { pipe: Pipeline; model: string } {
  const dir = defaultModelDir();
  if (fs.existsSync(dir)) return { pipe: loadPipeline(dir), model: DEFAULT_MODEL_DIR };
  const model = resolveConfig('small');
  const net = buildVideoModel(model, resolveTextEncoderConfig('small'), 0);
  const config = { model, text: resolveTextEncoderConfig('small'), objective: 'rectified-flow' as const };
  return { pipe: { net, config, checkpoint: '(fresh small)', step: 0, codec: PIXELS }, model: `fresh small preset (untrained: no ${DEFAULT_MODEL_DIR} yet)` };
}

async function benchBackend(requested: string, iters: number, steps: number): Promise<void> {
  const choice = await useBackend({ requested });
  const { pipe, model } = pipeline();
  const request = { prompt: PROMPT, steps, guidance: GENERATE_DEFAULTS.guidance, sampler: GENERATE_DEFAULTS.sampler, ...CLIP };
  try {
    generateVideos(pipe, { ...request, seeds: [0] }); // warm-up: kernels, positions, the wasm heap
    const seconds: number[] = [];
    for (let i = 0; i < iters; i++) {
      const t0 = performance.now();
      generateVideos(pipe, { ...request, seeds: [i + 1] });
      seconds.push((performance.now() - t0) / 1000);
    }
    const evaluations = 2 * steps - (createObjective(pipe.config.objective).singularAtZero ? 1 : 0); // Heun: two per step
    console.log(
      JSON.stringify({
        bench: 'generate',
        case: 'video-16x32x32',
        model,
        objective: pipe.config.objective,
        backend: choice.name,
        steps,
        guidance: request.guidance,
        sampler: request.sampler,
        model_evaluations: evaluations,
        iters,
        seconds_per_video: +Math.min(...seconds).toFixed(3),
        seconds_median: +[...seconds].sort((a, b) => a - b)[Math.floor(seconds.length / 2)].toFixed(3),
        ms_per_evaluation: +((1000 * Math.min(...seconds)) / evaluations).toFixed(1),
      }),
    );
  } finally {
    pipe.net.dit.dispose();
    pipe.net.encoder.dispose();
  }
}

const quick = process.argv.includes('--quick');
const iters = Number(flag('iters') ?? (quick ? 1 : 3));
const steps = quick ? 5 : GENERATE_DEFAULTS.steps;
const backends = (flag('backends') ?? 'native').split(',');
(async () => {
  for (const b of backends) {
    try {
      await benchBackend(b, iters, steps);
    } catch (err) {
      console.log(JSON.stringify({ bench: 'generate', backend: b, skipped: (err as Error).message }));
    }
  }
})();
