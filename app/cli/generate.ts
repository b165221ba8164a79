/** `spacetime generate "PROMPT"`: thin — flags → loadPipeline() + generateVideos() or a prompting mode (src/infer/prompting.ts) → MP4, GIF or PNG. */
import fs from 'node:fs';
import { useBackend } from '../../base/compute/backend.js';
import { UserError } from '../../base/errors.js';
import { DEFAULT_MODEL_DIR, defaultModelDir } from '../../src/model/model-folder.js';
import { onnxRuntimeFor, parseRuntime, type OnnxTextToVideo } from '../../src/onnx/runtime.js';
import { GENERATE_DEFAULTS } from '../../src/diffusion/generation-defaults.js';
import { guidanceFlags } from '../../src/diffusion/guidance/index.js';
import { disposePipeline, generateVideos, loadPipeline, videoGrid } from '../../src/infer/pipeline.js';
import { pixelModel } from '../../src/model/latent-space.js';
import { generatePrompted, type PromptedVideos, type PromptingMode } from '../../src/infer/prompting.js';
import { checkWritableFile } from '../../base/io/atomic.js';
import { MAX_STEPS } from '../../src/infer/generation-limits.js';
import { c2paSigner } from '../../src/provenance/sign.js';
import { generationRecord } from '../../src/provenance/record.js';
import { generatedWriterFor } from '../../src/provenance/write.js';
import { parseArgs, type FrameSize } from '../../base/args.js';
import { untrainedSizeWarning, type SizedConfig } from '../../src/model/clip-sizes.js';

const MAX_VIDEOS = 64;

const HELP = `spacetime generate "a red ball bounces on the floor" --seed 1 --out out.mp4|out.gif|out.png
    [--steps ${GENERATE_DEFAULTS.steps}] [--guidance ${GENERATE_DEFAULTS.guidance}] [--sampler heun|euler|dpm-solver-2m]
    [--shift S] [--checkpoint PATH] [--frames F --size WxH] [--n K] [--backend NAME] [--runtime tfjs|onnx]
    [--sign-key KEY.pem --sign-cert CHAIN.pem]
    [--guidance-method cfg|interval|apg|cfg-zero-star] [--guidance-interval LO,HI] [--frame-guidance S]
  prompting with images and videos (a model trained with --frame-conditioning; T×W×H: its clip):
    --image FRAME.png                   the image is the first frame of a T-frame clip
    --video IN.mp4 --keep-frames K      IN's first K frames (1 ≤ K < T) given, the rest of the clip generated
    --video IN.mp4 --extend N [--backward]
                                        IN followed (preceded) by N new frames: windows of T frames, each
                                        given the last T/2 known frames (the given frames are exact: no seam)
    --interpolate A.mp4 B.mp4 [--frames F]
                                        F new frames (1–T) from where A ends to where B starts (A, then
                                        these, then B play as one clip): one window given A's last and B's
                                        first frames (T − F of them; past T − 2, one each in a longer window);
                                        default F: T less up to T/4 frames of each
    --loop                              a clip, then the frames that lead from its last frame back into its
                                        first (T + T − 2⌊T/4⌋ frames; it plays as a loop)
  any model:
    --video IN.mp4 --strength S         SDEdit: IN noised to S in (0, 1] and denoised under the prompt
    --frames 1 --out OUT.png            a still: the tubelets span several frames, so the model makes its
                                        whole clip and the first frame is written (at 2× in a PNG)

Generates a video from a prompt. Without --checkpoint it uses the shipped default model
(${DEFAULT_MODEL_DIR}/ in the repository, from any working folder); --checkpoint takes a model
folder, a run folder (its latest checkpoint) or one checkpoint folder. --n K (1–${MAX_VIDEOS}) writes K seeds
(seed, seed+1, …) as one grid video; they go through the model in groups that fit memory, each
video the same as made alone. --out ends in .mp4 (H.264), .gif or .png (a contact sheet of the frames).
Every file says it is AI-generated and how it was made (model and weights sha256, prompt, seeds,
sampler settings, given frames' mode and files by name and sha256, code version) in its tags;
MP4 and PNG also carry a C2PA manifest signed with
--sign-key/--sign-cert (or $SPACETIME_C2PA_KEY/$SPACETIME_C2PA_CERT), else a local test key
(see \`spacetime verify\`). --steps is 1–${MAX_STEPS}; --size is WxH (width × height, e.g.
48x32 landscape, 32x48 portrait) or S for S×S; a size and --frames the model was not trained
at (its record from --buckets, else its own clip) draw a one-line warning naming the trained
ones. --frames and --size are multiples of the model's patch, up to what one video's pass fits in memory (the
error names the largest that fit: 16 frames up to 124×124 for the default model on native,
100×100 on wasm). Images and videos given to a prompt are any MP4, WebM, GIF or PNG of the
model's W×H (or 2W×2H, as spacetime's MP4s store them); the prompting modes make clips of the
model's size, so --size goes with text prompts only. The same prompt,
seed, checkpoint and backend give a byte-identical video. --shift S warps the sampler's time
grid toward noise (SD3's t ↦ S·t / (1 + (S − 1)·t)); default: the model's own (1 when it
names none). --runtime onnx runs the text encoder and the DiT (and a latent model's VAE) on
onnxruntime-node (CPU), exported in memory from the loaded weights; the sampling loop is the same (the video is
close to tfjs's, not bit-identical).
--guidance-method picks how the guided passes combine (src/diffusion/guidance/): cfg (the
default, unless the model folder recommends another: config.json generation.guidanceMethod,
set by model ship --guidance-method), interval (CFG only for t in --guidance-interval LO,HI,
default the model's, else 0.22,0.84; the conditional model elsewhere), apg (adaptive projected guidance on x̂0) or cfg-zero-star (optimised scale, first
step zeroed). --frame-guidance S gives frames given to a model that takes them a scale of
their own (three passes; --guidance is then the text's, by plain CFG).`;

export async function runGenerate(argv: string[]): Promise<number> {
  const { rest, pair: interpolate } = takeFlagPair(argv, '--interpolate');
  const { flags, positional } = parseArgs(rest, {
    seed: 'int',
    out: 'string',
    steps: 'int',
    guidance: 'number',
    sampler: 'string',
    shift: 'number',
    checkpoint: 'string',
    frames: 'int',
    size: 'size',
    n: 'int',
    backend: 'string',
    'sign-key': 'string',
    'sign-cert': 'string',
    runtime: 'string',
    image: 'string',
    video: 'string',
    'keep-frames': 'int',
    extend: 'int',
    backward: 'boolean',
    loop: 'boolean',
    strength: 'number',
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
  const mode = promptingMode(flags, interpolate);
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
  const model = pixelModel(pipe.config);
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
  const warn = (line: string) => console.error(`warning: ${line}`);
  let onnx: OnnxTextToVideo | undefined;
  let generated: PromptedVideos;
  try {
    const clipFrames = mode ? model.frames : flags.frames ?? model.frames; // a still is the first frame of the model's clip
    const clip = { frames: clipFrames, height: flags.size?.height ?? model.height, width: flags.size?.width ?? model.width };
    onnx = runtime === 'onnx' ? onnxRuntimeFor(pipe, clip) : undefined;
    pipe.runtime = onnx;
    generated = mode
      ? await generatePrompted(pipe, { ...settings, warn }, mode)
      : { videos: generateVideos(pipe, { ...settings, frames: flags.frames, height: flags.size?.height, width: flags.size?.width, warn }), givenFrames: null };
    // Once the size proved one the model can take (a refused one gets its one-line error only).
    const untrained = untrainedSizeWarning(pipe.config as SizedConfig, clip);
    if (untrained) warn(untrained);
  } finally {
    // Freed on a refusal too, so the command can run again in one process (the tests run it in theirs).
    onnx?.dispose();
    disposePipeline(pipe);
  }
  const { videos, givenFrames } = generated;
  await writeVideo(n === 1 ? videos[0] : videoGrid(videos), out, { record: generationRecord(pipe, { ...settings, givenFrames }), sign });
  const seconds = (performance.now() - t0) / 1000;
  console.log(`wrote ${out} (${n} video${n > 1 ? 's' : ''}, ${videos[0].numFrames} frame${videos[0].numFrames > 1 ? 's' : ''} ${videos[0].width}×${videos[0].height}) in ${seconds.toFixed(1)}s on ${runtime === 'onnx' ? 'onnxruntime-node' : choice.name}`);
  return 0;
}

/** `--interpolate A B` takes two values, which `parseArgs` does not: take it (and them) out of argv first. */
function takeFlagPair(argv: string[], flag: string): { rest: string[]; pair?: [string, string] } {
  const flags = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv; // after --: the prompt
  const usage = `${flag} needs two videos: ${flag} A.mp4 B.mp4`;
  if (flags.some((token) => token.startsWith(`${flag}=`))) throw new UserError(usage);
  const at = flags.indexOf(flag);
  if (at < 0) return { rest: argv };
  if (flags.indexOf(flag, at + 1) >= 0) throw new UserError(`${flag} is given twice`);
  const pair = flags.slice(at + 1, at + 3);
  if (pair.length < 2 || pair.some((token) => token.startsWith('--'))) throw new UserError(usage);
  return { rest: [...argv.slice(0, at), ...argv.slice(at + 3)], pair: [pair[0], pair[1]] };
}

type GenerateFlags = { image?: string; video?: string; 'keep-frames'?: number; extend?: number; backward?: boolean; loop?: boolean; strength?: number; frames?: number; size?: FrameSize };

/**
 * The prompting mode the flags ask for (null: text to video), or a one-line UserError when flags
 * that do not go together are given together.
 */
function promptingMode(flags: GenerateFlags, interpolate: [string, string] | undefined): PromptingMode | null {
  const given = { image: flags.image !== undefined, video: flags.video !== undefined, interpolate: interpolate !== undefined, loop: flags.loop === true };
  const sources = Object.keys(given).filter((k) => given[k as keyof typeof given]);
  if (sources.length > 1) throw new UserError(`--${sources[0]} and --${sources[1]} do not go together`);
  const videoModes = (['keep-frames', 'extend', 'strength'] as const).filter((k) => flags[k] !== undefined);
  if (videoModes.length > 1) throw new UserError(`--${videoModes[0]} and --${videoModes[1]} do not go together`);
  if (videoModes.length && flags.video === undefined) throw new UserError(`--${videoModes[0]} needs --video IN`);
  if (flags.video !== undefined && !videoModes.length) throw new UserError('--video needs one of --keep-frames K, --extend N or --strength S');
  if (flags.backward && flags.extend === undefined) throw new UserError('--backward goes with --extend only');
  const [source] = sources;
  if (source && flags.size !== undefined) throw new UserError(`--size does not go with --${source}: the clip is the model's size`);
  if (source && source !== 'interpolate' && flags.frames !== undefined) throw new UserError(`--frames does not go with --${source}`);
  if (flags.image !== undefined) return { mode: 'image', image: flags.image };
  if (interpolate) return { mode: 'interpolate', from: interpolate[0], to: interpolate[1], frames: flags.frames };
  if (flags.loop) return { mode: 'loop' };
  if (flags.video !== undefined) {
    if (flags['keep-frames'] !== undefined) return { mode: 'keep-frames', video: flags.video, keep: flags['keep-frames'] };
    if (flags.extend !== undefined) return { mode: 'extend', video: flags.video, frames: flags.extend, backward: flags.backward ?? false };
    return { mode: 'edit', video: flags.video, strength: flags.strength! };
  }
  if (flags.frames === 1) return { mode: 'still', size: flags.size };
  return null;
}
