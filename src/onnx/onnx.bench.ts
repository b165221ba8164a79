/**
 * onnxruntime-node against tfjs (`native` by default) on the same weights, in one process,
 * alternating so both see the same machine: the DiT's forward pass at batch 1 and 8, and one
 * 16-frame 32×32 generation at 25 Heun steps with guidance 3 (the shipped model, or a fresh
 * `small` model where none is shipped), with the PSNR between the two videos. One JSON line
 * per case and runtime; `npm run bench -- --only onnx` runs it.
 *
 *   npx tsx src/onnx/onnx.bench.ts [--backends native] [--iters 5] [--quick]
 */
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { benchFlag as flag } from '../../base/compute/spec-backends.js';
import { useBackend } from '../../base/compute/backend.js';
import { resolveConfig } from '../model/config.js';
import { buildVideoModel } from '../model/video-model.js';
import { DEFAULT_MODEL_DIR, defaultModelDir } from '../model/model-folder.js';
import { GENERATE_DEFAULTS } from '../diffusion/generation-defaults.js';
import { generateVideos, loadPipeline, type Pipeline } from '../infer/pipeline.js';
import { resolveTextEncoderConfig } from '../text/config.js';
import { psnr } from '../../base/video/index.js';
import { onnxRuntimeFor, type OnnxTextToVideo } from './runtime.js';
import { PIXELS } from '../model/video-codec.js';

const PROMPT = 'a red ball drops onto the floor and bounces back up';
const BATCHES = [1, 8];
const ONNX = 'onnxruntime-node';

function pipeline(): { pipe: Pipeline; model: string } {
  const dir = defaultModelDir();
  if (fs.existsSync(dir)) return { pipe: loadPipeline(dir), model: DEFAULT_MODEL_DIR };
  const model = resolveConfig('small');
  const text = resolveTextEncoderConfig('small');
  const pipe: Pipeline = { net: buildVideoModel(model, text, 0), config: { model, text, objective: 'rectified-flow' }, checkpoint: '(fresh small)', step: 0, codec: PIXELS };
  return { pipe, model: `fresh small preset (untrained: no ${DEFAULT_MODEL_DIR} yet)` };
}

/** The fastest of `iters` timed calls after one warm-up, in ms. */
function fastest(iters: number, run: () => void): number {
  run();
  let best = Infinity;
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function benchForward(pipe: Pipeline, onnx: OnnxTextToVideo, B: number, iters: number, backend: string, model: string): void {
  const { channels, frames, height, width } = pipe.config.model;
  const text = pipe.net.encoder.encode(Array.from({ length: B }, () => PROMPT));
  const x = tf.randomNormal([B, channels, frames, height, width], 0, 1, 'float32', 1) as tf.Tensor5D;
  const t = tf.fill([B], 500) as tf.Tensor1D;
  // Until the values exist; tidy frees the forward pass's intermediates, as generate's loop does.
  const once = (forward: () => tf.Tensor) => () => void tf.tidy(() => forward().dataSync());
  // Alternate the two so a change in machine load hits both.
  let tfjsMs = Infinity;
  let onnxMs = Infinity;
  for (let round = 0; round < 2; round++) {
    tfjsMs = Math.min(tfjsMs, fastest(iters, once(() => pipe.net.dit.forward(x, t, text))));
    onnxMs = Math.min(onnxMs, fastest(iters, once(() => onnx.denoise(x, t, text))));
  }
  for (const [runtime, ms] of [[backend, tfjsMs], [ONNX, onnxMs]] as const) {
    console.log(JSON.stringify({ bench: 'onnx', case: `forward-batch${B}`, model, runtime, batch: B, iters, ms: +ms.toFixed(2), videos_per_s: +((1000 * B) / ms).toFixed(1) }));
  }
  tf.dispose([x, t, text.tokens, text.pooled, text.mask]);
}

function benchGenerate(pipe: Pipeline, onnx: OnnxTextToVideo, backend: string, model: string, steps: number): void {
  const request = { prompt: PROMPT, seeds: [1], steps, guidance: GENERATE_DEFAULTS.guidance, sampler: GENERATE_DEFAULTS.sampler };
  const timed = (runtime: OnnxTextToVideo | undefined) => {
    pipe.runtime = runtime;
    const t0 = performance.now();
    const [video] = generateVideos(pipe, request);
    return { video, seconds: (performance.now() - t0) / 1000 };
  };
  timed(undefined); // warm-up of both
  timed(onnx);
  // The faster of two alternating runs each.
  let viaTfjs = timed(undefined);
  let viaOnnx = timed(onnx);
  const [tfjs2, onnx2] = [timed(undefined), timed(onnx)];
  if (tfjs2.seconds < viaTfjs.seconds) viaTfjs = tfjs2;
  if (onnx2.seconds < viaOnnx.seconds) viaOnnx = onnx2;
  pipe.runtime = undefined;
  const db = psnr(viaOnnx.video, viaTfjs.video);
  for (const [runtime, { seconds }] of [[backend, viaTfjs], [ONNX, viaOnnx]] as const) {
    console.log(
      JSON.stringify({
        bench: 'onnx',
        case: 'generate-16x32x32',
        model,
        runtime,
        steps,
        guidance: request.guidance,
        sampler: request.sampler,
        seconds_per_video: +seconds.toFixed(3),
        psnr_onnx_vs_tfjs_db: Number.isFinite(db) ? +db.toFixed(2) : 'identical',
      }),
    );
  }
}

const quick = process.argv.includes('--quick');
const iters = Number(flag('iters') ?? (quick ? 2 : 5));
const steps = quick ? 5 : GENERATE_DEFAULTS.steps;
const backends = (flag('backends') ?? 'native').split(',');
(async () => {
  for (const requested of backends) {
    let choice;
    try {
      choice = await useBackend({ requested });
    } catch (err) {
      console.log(JSON.stringify({ bench: 'onnx', runtime: requested, skipped: (err as Error).message }));
      continue;
    }
    const { pipe, model } = pipeline();
    const onnx = onnxRuntimeFor(pipe);
    try {
      for (const B of BATCHES) benchForward(pipe, onnx, B, iters, choice.name, model);
      benchGenerate(pipe, onnx, choice.name, model, steps);
    } finally {
      onnx.dispose();
      pipe.net.dit.dispose();
      pipe.net.encoder.dispose();
    }
  }
})();
