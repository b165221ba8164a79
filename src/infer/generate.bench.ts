/**
 * Generation benchmark: seconds per 16-frame 32×32 video at 25 Heun steps with
 * classifier-free guidance 3 (50 model evaluations of a batch of 2, the prompt and the null
 * caption; 49 for x-prediction, whose last Heun step is Euler), decoding included, in two
 * cases: a pixel model and a latent one (the DiT on models/vae's latents: 64 tokens, then the
 * VAE's decoder). Each is the shipped model (models/default) when it is of that kind, else a
 * freshly initialised `small` model of it (the same network and cost; its line says so; the
 * latent case needs models/vae). One JSON line per backend and case.
 *
 *   npx tsx src/infer/generate.bench.ts [--backends native,wasm] [--iters 3] [--quick] [--cases pixel,latent]
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
import { disposePipeline, generateVideos, loadPipeline, readPipelineConfig, type Pipeline } from './pipeline.js';
import { PIXELS } from '../model/video-codec.js';
import { latentNetwork, openModelCodec } from '../model/vae-codec.js';
import { DEFAULT_VAE_DIR, defaultVaeDir } from '../model/vae-folder.js';

const PROMPT = 'a red ball drops onto the floor and bounces back up';
const CLIP = { frames: 16, height: 32, width: 32 };

type Case = 'pixel' | 'latent';

function pipeline(kind: Case): { pipe: Pipeline; model: string } {
  const dir = defaultModelDir();
  if (fs.existsSync(dir) && Boolean(readPipelineConfig(dir).latent) === (kind === 'latent')) return { pipe: loadPipeline(dir), model: DEFAULT_MODEL_DIR };
  const text = resolveTextEncoderConfig('small');
  if (kind === 'pixel') {
    const model = resolveConfig('small');
    const config = { model, text, objective: 'rectified-flow' as const };
    return { pipe: { net: buildVideoModel(model, text, 0), config, checkpoint: '(fresh small)', step: 0, codec: PIXELS }, model: `fresh small preset (untrained: ${DEFAULT_MODEL_DIR} is not a pixel model)` };
  }
  const { model, latent } = latentNetwork(resolveConfig('small'), defaultVaeDir(), 'the small preset');
  const config = { model, text, objective: 'rectified-flow' as const, latent };
  const codec = openModelCodec(config, '.', 'the latent bench model');
  return { pipe: { net: buildVideoModel(model, text, 0), config, checkpoint: '(fresh small latent)', step: 0, codec }, model: `fresh small preset on ${DEFAULT_VAE_DIR} latents (untrained: ${DEFAULT_MODEL_DIR} is not a latent model)` };
}

async function benchBackend(requested: string, kind: Case, iters: number, steps: number): Promise<void> {
  const choice = await useBackend({ requested });
  const { pipe, model } = pipeline(kind);
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
        case: `video-16x32x32-${kind}`,
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
    disposePipeline(pipe);
  }
}

const quick = process.argv.includes('--quick');
const iters = Number(flag('iters') ?? (quick ? 1 : 3));
const steps = quick ? 5 : GENERATE_DEFAULTS.steps;
const backends = (flag('backends') ?? 'native').split(',');
const cases = (flag('cases') ?? 'pixel,latent').split(',') as Case[];
(async () => {
  for (const b of backends) {
    for (const kind of cases) {
      try {
        await benchBackend(b, kind, iters, steps);
      } catch (err) {
        console.log(JSON.stringify({ bench: 'generate', case: `video-16x32x32-${kind}`, backend: b, skipped: (err as Error).message }));
      }
    }
  }
})();
