/**
 * `spacetime model info|ship|check`: thin — flags → the library functions.
 *
 *   info   configuration and parameter counts of the presets
 *   ship   a run's checkpoint → a model folder (F16 EMA weights, config, training summary,
 *          quality check, model card): app/ship/ship.ts
 *   check  the quality check of a model folder or checkpoint: eval/check/quality-check.ts
 *   export-onnx  the text encoder and DiT (and a latent model's VAE) as ONNX files: src/onnx/export.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { WorldDataset } from '../../datasets/shards.js';
import { useBackend } from '../../base/compute/backend.js';
import { UserError } from '../../base/errors.js';
import { writeFileAtomic } from '../../base/io/atomic.js';
import { PRESETS, resolveConfig } from '../../src/model/config.js';
import { parameterCount } from '../../src/model/dit.js';
import { defaultModelDir, isModelFolder, MODEL_FILES } from '../../src/model/model-folder.js';
import { formatProbe, PROBE_DEFAULTS, runCaptionProbe } from '../../eval/check/caption-probe.js';
import { parseSwaps } from '../../src/text/swaps.js';
import { CHECK_DEFAULTS, assertHeldOut, formatCheck, runQualityCheck } from '../../eval/check/quality-check.js';
import { shipModel } from '../ship/ship.js';
import { runDatasets, trainingSources, type TrainingSummary } from '../ship/training-summary.js';
import type { TrainConfig } from '../../src/train/train-config.js';
import { disposePipeline, loadPipeline } from '../../src/infer/pipeline.js';
import { exportNetworks, writeOnnxFolder } from '../../src/onnx/export.js';
import { VaeCodec } from '../../src/model/vae-codec.js';
import { resolveTextEncoderConfig } from '../../src/text/config.js';
import { textEncoderParameterCount } from '../../src/text/encoder.js';
import { untrainedSizeWarning, type SizedConfig } from '../../src/model/clip-sizes.js';
import { pixelModel } from '../../src/model/latent-space.js';
import { parseArgs, required } from '../../base/args.js';
import { GENERATE_DEFAULTS } from '../../src/diffusion/generation-defaults.js';
import { guidanceFlags } from '../../src/diffusion/guidance/index.js';
import { Progress } from './progress.js';

const HELP = `spacetime model info [--preset P]
    configuration and parameter counts of the presets

spacetime model ship --run runs/NAME --out models/default [--checkpoint PATH] [--force]
    [--no-check] [--n ${CHECK_DEFAULTS.n}] [--shift 1] [--guidance-method cfg|interval|apg|cfg-zero-star
    [--guidance-interval LO,HI]] [--notes FILE] [--backend NAME]
    the run's latest (or the given) checkpoint as a model folder: EMA weights at F16
    (model.safetensors), config.json, training.json (with the legs of a run started with
    --init), check.json (the quality check of the shipped weights) and MODEL_CARD.md (with
    the markdown of --notes FILE), written atomically; --shift and --guidance-method
    (--guidance-interval): the time shift and the guidance method recorded as the model's
    sampling defaults (see generate --help), which generate, eval, the check and the server
    use wherever a request names none (a --frame-guidance request gets plain CFG)

spacetime model check [--checkpoint models/default] [--n ${CHECK_DEFAULTS.n}] [--seed ${CHECK_DEFAULTS.seed}] [--out check.json]
    [--steps S] [--guidance G] [--sampler NAME] [--shift S] [--guidance-method M [--guidance-interval LO,HI]]
    (default: the model folder's sampling settings, else ${GENERATE_DEFAULTS.steps} ${GENERATE_DEFAULTS.sampler} steps, guidance ${GENERATE_DEFAULTS.guidance}, plain CFG)
    [--size WxH] [--frames F] [--backend NAME]
    one video per held-out id prompt; prints the share with every colour present (≥ 90%
    required) and with every motion in the prompted direction (≥ 80%); writes the JSON;
    exits 1 when a rate is under its mark. --size/--frames: scenes rendered and videos made
    at that clip size (a bucketed model at each trained size; default the model's own)

spacetime model probe --data DIR --swap A=B[,C=D…] [--checkpoint models/default] [--n ${PROBE_DEFAULTS.n}]
    [--times ${PROBE_DEFAULTS.times.join(',')}] [--seed ${PROBE_DEFAULTS.seed}] [--out probe.json] [--backend NAME]
    does the model use these words? On the first n clips of DIR whose caption holds one, the
    clean-video error ‖x̂0 − x0‖² at each noise level t with the true caption, with the words
    swapped (A ↔ B) and with no caption, same noise for all; swap effect = (swapped − true) /
    (null − true): 0 = the words are ignored, 1 = as bad as no caption

spacetime model export-onnx [--checkpoint models/default] --out DIR
    the text encoder and the diffusion transformer as ONNX files (opset 17, dynamic batch),
    each with a JSON of its inputs, outputs and config: DIR/text-encoder.onnx, DIR/dit.onnx,
    and for a latent model its VAE's DIR/vae-encoder.onnx, DIR/vae-decoder.onnx (the latent
    scale inside them), all for the model's training clip size, written atomically; run by
    onnxruntime or \`spacetime generate --runtime onnx\``;

export async function runModel(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === 'help' || rest.includes('--help')) {
    console.log(HELP);
    return 0;
  }
  if (sub === 'info') return info(rest);
  if (sub === 'ship') return ship(rest);
  if (sub === 'check') return check(rest);
  if (sub === 'probe') return probe(rest);
  if (sub === 'export-onnx') return exportOnnx(rest);
  throw new UserError(`unknown model command "${sub ?? ''}" (expected: info, ship, check, probe, export-onnx)`);
}

function info(argv: string[]): number {
  const { flags } = parseArgs(argv, { preset: 'string' });
  const names = flags.preset ? [flags.preset] : Object.keys(PRESETS);
  for (const name of names) {
    const model = resolveConfig(name);
    const text = resolveTextEncoderConfig(name);
    const [dit, enc] = [parameterCount(model), textEncoderParameterCount(text)];
    console.log(`${name}: diffusion transformer ${dit.toLocaleString('en-US')} parameters + text encoder ${enc.toLocaleString('en-US')} = ${(dit + enc).toLocaleString('en-US')}`);
    console.log(`  ${JSON.stringify(model)}`);
  }
  return 0;
}

async function ship(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, { run: 'string', checkpoint: 'string', out: 'string', force: 'boolean', 'no-check': 'boolean', n: 'int', shift: 'number', 'guidance-method': 'string', 'guidance-interval': 'string', notes: 'string', backend: 'string', quiet: 'boolean' });
  const guidance = guidanceFlags(flags['guidance-method'], flags['guidance-interval']);
  if (flags.notes !== undefined && !fs.existsSync(flags.notes)) throw new UserError(`--notes: ${flags.notes} not found`);
  const notes = flags.notes !== undefined ? fs.readFileSync(flags.notes, 'utf8') : undefined;
  const run = required(flags.run, 'run');
  const out = required(flags.out, 'out');
  const t0 = performance.now();
  const choice = await useBackend({ requested: flags.backend });
  const n = flags.n ?? CHECK_DEFAULTS.n;
  const progress = flags['no-check'] ? null : new Progress(n, 'check', 'videos', flags.quiet);
  const result = shipModel({
    run,
    checkpoint: flags.checkpoint,
    out,
    force: flags.force,
    backend: choice.name,
    check: flags['no-check'] ? false : { n },
    onCheckProgress: (done) => progress?.update(done),
    shift: flags.shift,
    ...guidance,
    notes,
  });
  console.log(
    `shipped step ${result.step} of ${run} to ${result.dir}: ${result.parameters.toLocaleString('en-US')} parameters, ` +
      `${(result.bytes / 1e6).toFixed(1)} MB at F16, in ${((performance.now() - t0) / 1000).toFixed(1)}s on ${choice.name}`,
  );
  if (result.check) for (const line of formatCheck(result.check)) console.log(line);
  return 0;
}

async function check(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, {
    checkpoint: 'string',
    n: 'int',
    seed: 'int',
    out: 'string',
    steps: 'int',
    guidance: 'number',
    sampler: 'string',
    shift: 'number',
    'guidance-method': 'string',
    'guidance-interval': 'string',
    size: 'size',
    frames: 'int',
    backend: 'string',
    quiet: 'boolean',
  });
  const guidance = guidanceFlags(flags['guidance-method'], flags['guidance-interval']);
  const model = flags.checkpoint ?? defaultModelDir();
  if (!fs.existsSync(model)) {
    throw new UserError(flags.checkpoint ? `checkpoint ${model} not found` : `no shipped default model at ${model}; pass --checkpoint runs/NAME`);
  }
  const t0 = performance.now();
  const choice = await useBackend({ requested: flags.backend });
  const pipe = loadPipeline(model);
  for (const source of trainingDataSources(model, pipe.config as { data?: unknown; buckets?: unknown })) assertHeldOut(source);
  const n = flags.n ?? CHECK_DEFAULTS.n;
  if (flags.size !== undefined || flags.frames !== undefined) {
    const own = pixelModel(pipe.config);
    const warning = untrainedSizeWarning(pipe.config as SizedConfig, { frames: flags.frames ?? own.frames, height: flags.size?.height ?? own.height, width: flags.size?.width ?? own.width });
    if (warning) console.error(`warning: ${warning}`);
  }
  const progress = new Progress(n, 'check', 'videos', flags.quiet);
  const result = runQualityCheck(pipe, {
    n,
    seed: flags.seed,
    steps: flags.steps,
    guidance: flags.guidance,
    sampler: flags.sampler,
    shift: flags.shift,
    ...guidance,
    size: flags.size,
    frames: flags.frames,
    onProgress: (done) => progress.update(done),
  });
  const out = flags.out ?? 'check.json';
  writeFileAtomic(out, JSON.stringify(result, null, 2) + '\n');
  for (const line of formatCheck(result)) console.log(line);
  console.log(`wrote ${out} (${n} videos) in ${((performance.now() - t0) / 1000).toFixed(1)}s on ${choice.name}`);
  return result.passed ? 0 : 1;
}

async function probe(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, { checkpoint: 'string', data: 'string', swap: 'string', n: 'int', times: 'string', seed: 'int', out: 'string', backend: 'string' });
  const model = flags.checkpoint ?? defaultModelDir();
  if (!fs.existsSync(model)) throw new UserError(`checkpoint ${model} not found`);
  const swaps = parseSwaps(required(flags.swap, 'swap'));
  const times = flags.times?.split(',').map((x) => {
    const t = Number(x);
    if (x.trim() === '' || !Number.isFinite(t)) throw new UserError(`--times: "${x}" is not a number`);
    return t;
  });
  const dataset = new WorldDataset(required(flags.data, 'data'));
  const t0 = performance.now();
  const choice = await useBackend({ requested: flags.backend });
  const result = runCaptionProbe(loadPipeline(model), dataset, { swaps, n: flags.n, times, seed: flags.seed });
  for (const line of formatProbe(result)) console.log(line);
  if (flags.out) writeFileAtomic(flags.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`${flags.out ? `wrote ${flags.out}; ` : ''}${((performance.now() - t0) / 1000).toFixed(1)}s on ${choice.name}`);
  return 0;
}

async function exportOnnx(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, { checkpoint: 'string', out: 'string' });
  const out = required(flags.out, 'out');
  const model = flags.checkpoint ?? defaultModelDir();
  if (!fs.existsSync(model)) throw new UserError(`checkpoint ${model} not found`);
  const t0 = performance.now();
  await useBackend({}); // the timestep frequencies are computed by the same tfjs ops as the model's (export-dit.ts)
  let pipe;
  try {
    pipe = loadPipeline(model);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    throw new UserError(`export-onnx: ${model} is not a model (a model folder, run or checkpoint): ${err.message}`);
  }
  let networks;
  try {
    // A latent model's codec is its VAE (openModelCodec checked it is the one it was trained with): exported beside the DiT.
    const { codec } = pipe;
    if (pipe.config.latent && !(codec instanceof VaeCodec)) throw new UserError(`export-onnx: ${model} is a latent model whose codec "${codec.name}" is not a VAE: it has no ONNX export`);
    networks = exportNetworks(pipe.net, { objective: pipe.config.objective, source: model, vae: codec instanceof VaeCodec ? codec : undefined });
  } finally {
    disposePipeline(pipe);
  }
  writeOnnxFolder(out, networks);
  for (const { bytes, description } of Object.values(networks)) console.log(`${path.join(out, description.file)}: ${(bytes.length / 1e6).toFixed(1)} MB, inputs ${description.inputs.map((i) => i.name).join(', ')}`);
  console.log(`exported ${model} to ${out} in ${((performance.now() - t0) / 1000).toFixed(1)}s (opset ${networks.dit.description.opset})`);
  return 0;
}

/**
 * The `data make` selections a model was trained on, where they are recorded (to keep the check's
 * prompts held out): every bucket's of a bucketed run, and every earlier leg's of a model folder.
 */
function trainingDataSources(model: string, config: { data?: unknown; buckets?: unknown }): Record<string, unknown>[] {
  if (isModelFolder(model)) {
    const file = path.join(model, MODEL_FILES.training);
    return fs.existsSync(file) ? trainingSources(JSON.parse(fs.readFileSync(file, 'utf8')) as TrainingSummary) : [];
  }
  if (typeof config.data !== 'string') return [];
  return runDatasets(config as Pick<TrainConfig, 'data' | 'buckets'>)
    .map((d) => d.source)
    .filter((s): s is Record<string, unknown> => s !== null);
}
