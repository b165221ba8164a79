/** `spacetime generate "PROMPT"`: thin — flags → loadPipeline() + generateVideos() → MP4 or GIF. */
import fs from 'node:fs';
import { useBackend } from '../../base/compute/backend.js';
import { UserError } from '../../base/errors.js';
import { DEFAULT_MODEL_DIR, defaultModelDir } from '../../src/model/model-folder.js';
import { onnxRuntimeFor, parseRuntime } from '../../src/onnx/runtime.js';
import { GENERATE_DEFAULTS } from '../../src/diffusion/generation-defaults.js';
import { guidanceFlags } from '../../src/diffusion/guidance/index.js';
import { generateVideos, loadPipeline, videoGrid } from '../../src/infer/pipeline.js';
import { checkWritableFile } from '../../base/io/atomic.js';
import { MAX_STEPS } from '../../src/infer/generation-limits.js';
import { c2paSigner } from '../../src/provenance/sign.js';
import { generationRecord } from '../../src/provenance/record.js';
import { generatedWriterFor } from '../../src/provenance/write.js';
import { parseArgs } from '../../base/args.js';

const MAX_VIDEOS = 64;

const HELP = `spacetime generate "a red ball bounces on the floor" --seed 1 --out out.mp4|out.gif|out.png
    [--steps ${GENERATE_DEFAULTS.steps}] [--guidance ${GENERATE_DEFAULTS.guidance}] [--sampler heun|euler|dpm-solver-2m]
    [--shift S] [--checkpoint PATH] [--frames F --size S] [--n K] [--backend NAME] [--runtime tfjs|onnx]
    [--sign-key KEY.pem --sign-cert CHAIN.pem]
    [--guidance-method cfg|interval|apg|cfg-zero-star] [--guidance-interval LO,HI] [--frame-guidance S]

Generates a video from a prompt. Without --checkpoint it uses the shipped default model
(${DEFAULT_MODEL_DIR}/ in the repository, from any working folder); --checkpoint takes a model
folder, a run folder (its latest checkpoint) or one checkpoint folder. --n K (1–${MAX_VIDEOS}) writes K seeds
(seed, seed+1, …) as one grid video; they go through the model in groups that fit memory, each
video the same as made alone. --out ends in .mp4 (H.264), .gif or .png (a contact sheet of the frames).
Every file says it is AI-generated and how it was made (model and weights sha256, prompt, seeds,
sampler settings, code version) in its tags; MP4 and PNG also carry a C2PA manifest signed with
--sign-key/--sign-cert (or $SPACETIME_C2PA_KEY/$SPACETIME_C2PA_CERT), else a local test key
(see \`spacetime verify\`). --steps is 1–${MAX_STEPS}; --frames
and --size are multiples of the model's patch, up to what one video's pass fits in memory (the
error names the largest that fit: 16 frames up to 124×124 for the default model on native,
100×100 on wasm). The same prompt,
seed, checkpoint and backend give a byte-identical video. --shift S warps the sampler's time
grid toward noise (SD3's t ↦ S·t / (1 + (S − 1)·t)); default: the model's own (1 when it
names none). --runtime onnx runs the text encoder and the DiT on onnxruntime-node (CPU),
exported in memory from the loaded weights; the sampling loop is the same (the video is
close to tfjs's, not bit-identical).
--guidance-method picks how the guided passes combine (src/diffusion/guidance/): cfg (default),
interval (CFG only for t in --guidance-interval LO,HI, default 0.22,0.84; the conditional model
elsewhere), apg (adaptive projected guidance on x̂0) or cfg-zero-star (optimised scale, first
step zeroed). --frame-guidance S gives frames given to a model that takes them a scale of
their own (three passes; --guidance is then the text's).`;

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
    'sign-key': 'string',
    'sign-cert': 'string',
    runtime: 'string',
    'guidance-method': 'string',
    'guidance-interval': 'string',
    'frame-guidance': 'number',
    help: 'boolean',
  }, { max: 1, usage: 'one PROMPT in quotes' });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const runtime = parseRuntime(flags.runtime);
  const guidance = guidanceFlags(flags['guidance-method'], flags['guidance-interval']);
  if (positional.length !== 1) throw new UserError(`expected one prompt in quotes, got ${positional.length} arguments`);
  const n = flags.n ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > MAX_VIDEOS) throw new UserError(`--n must be an integer in [1, ${MAX_VIDEOS}], got ${n}`);
  const out = flags.out ?? 'out.mp4';
  const writeVideo = generatedWriterFor(out);
  checkWritableFile(out); // before minutes of sampling
  const sign = await c2paSigner({ keyFile: flags['sign-key'], certFile: flags['sign-cert'] }); // a bad key fails first too
  const checkpoint = flags.checkpoint ?? defaultModelDir();
  if (!fs.existsSync(checkpoint)) {
    throw new UserError(
      flags.checkpoint
        ? `checkpoint ${checkpoint} not found`
        : `no shipped default model at ${checkpoint}; pass --checkpoint runs/NAME (from \`spacetime train\`) or ship one with \`spacetime model ship\``,
    );
  }
  const t0 = performance.now();
  const choice = await useBackend({ requested: flags.backend });
  const pipe = loadPipeline(checkpoint);
  const { model } = pipe.config;
  const onnx = runtime === 'onnx' ? onnxRuntimeFor(pipe, { frames: flags.frames ?? model.frames, height: flags.size ?? model.height, width: flags.size ?? model.width }) : undefined;
  pipe.runtime = onnx;
  const seed = flags.seed ?? 0;
  const settings = {
    prompt: positional[0],
    seeds: Array.from({ length: n }, (_, k) => seed + k),
    steps: flags.steps,
    guidance: flags.guidance,
    sampler: flags.sampler,
    shift: flags.shift,
    ...guidance,
    ...(flags['frame-guidance'] !== undefined && { frameGuidance: flags['frame-guidance'] }),
  };
  const videos = generateVideos(pipe, {
    ...settings,
    frames: flags.frames,
    height: flags.size,
    width: flags.size,
    warn: (line) => console.error(`warning: ${line}`),
  });
  onnx?.dispose();
  await writeVideo(n === 1 ? videos[0] : videoGrid(videos), out, { record: generationRecord(pipe, settings), sign });
  const seconds = (performance.now() - t0) / 1000;
  console.log(`wrote ${out} (${n} video${n > 1 ? 's' : ''}, ${videos[0].numFrames} frames ${videos[0].width}×${videos[0].height}) in ${seconds.toFixed(1)}s on ${runtime === 'onnx' ? 'onnxruntime-node' : choice.name}`);
  return 0;
}
