/** `spacetime generate "PROMPT"`: thin — flags → loadPipeline() + generateVideos() → MP4. */
import fs from 'node:fs';
import { useBackend } from '../compute/backend.js';
import { UserError } from '../errors.js';
import { DEFAULT_MODEL_DIR, defaultModelDir } from '../pipeline/model-folder.js';
import { onnxRuntimeFor, parseRuntime } from '../onnx/runtime.js';
import { GENERATE_DEFAULTS, generateVideos, loadPipeline, videoGrid } from '../pipeline/text-to-video.js';
import { writeMp4 } from '../video/index.js';
import { parseArgs } from './args.js';

const HELP = `spacetime generate "a red ball bounces on the floor" --seed 1 --out out.mp4
    [--steps ${GENERATE_DEFAULTS.steps}] [--guidance ${GENERATE_DEFAULTS.guidance}] [--sampler heun|euler|dpm-solver-2m]
    [--shift S] [--checkpoint PATH] [--frames F --size S] [--n K] [--backend NAME] [--runtime tfjs|onnx]

Generates a video from a prompt. Without --checkpoint it uses the shipped default model
(${DEFAULT_MODEL_DIR}/ in the repository, from any working folder); --checkpoint takes a model
folder, a run folder (its latest checkpoint) or one checkpoint folder. --n K writes K seeds (seed, seed+1, …) as one grid video. The same prompt,
seed, checkpoint and backend give a byte-identical video. --shift S warps the sampler's time
grid toward noise (SD3's t ↦ S·t / (1 + (S − 1)·t)); default: the model's own (1 when it
names none). --runtime onnx runs the text encoder and the DiT on onnxruntime-node (CPU),
exported in memory from the loaded weights; the sampling loop is the same (the video is
close to tfjs's, not bit-identical).`;

export async function runGenerate(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, {
    seed: 'int',
    out: 'string',
    steps: 'int',
    guidance: 'number',
    sampler: 'string',
    shift: 'number',
    checkpoint: 'string',
    frames: 'int',
    size: 'int',
    n: 'int',
    backend: 'string',
    runtime: 'string',
    help: 'boolean',
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const runtime = parseRuntime(flags.runtime);
  if (positional.length !== 1) throw new UserError(`expected one prompt in quotes, got ${positional.length} arguments`);
  const n = flags.n ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UserError(`--n must be an integer in [1, 64], got ${n}`);
  const checkpoint = flags.checkpoint ?? defaultModelDir();
  if (!fs.existsSync(checkpoint)) {
    throw new UserError(
      flags.checkpoint
        ? `checkpoint ${checkpoint} not found`
        : `no shipped default model at ${checkpoint}; pass --checkpoint runs/NAME (from \`spacetime train\`) or ship one with \`spacetime model ship\``,
    );
  }
  const out = flags.out ?? 'out.mp4';
  const t0 = performance.now();
  const choice = await useBackend({ requested: flags.backend });
  const pipe = loadPipeline(checkpoint);
  const { model } = pipe.config;
  const onnx = runtime === 'onnx' ? onnxRuntimeFor(pipe, { frames: flags.frames ?? model.frames, height: flags.size ?? model.height, width: flags.size ?? model.width }) : undefined;
  pipe.runtime = onnx;
  const seed = flags.seed ?? 0;
  const videos = generateVideos(pipe, {
    prompt: positional[0],
    seeds: Array.from({ length: n }, (_, k) => seed + k),
    steps: flags.steps,
    guidance: flags.guidance,
    sampler: flags.sampler,
    shift: flags.shift,
    frames: flags.frames,
    height: flags.size,
    width: flags.size,
    warn: (line) => console.error(`warning: ${line}`),
  });
  onnx?.dispose();
  await writeMp4(n === 1 ? videos[0] : videoGrid(videos), out);
  const seconds = (performance.now() - t0) / 1000;
  console.log(`wrote ${out} (${n} video${n > 1 ? 's' : ''}, ${videos[0].numFrames} frames ${videos[0].width}×${videos[0].height}) in ${seconds.toFixed(1)}s on ${runtime === 'onnx' ? 'onnxruntime-node' : choice.name}`);
  return 0;
}
