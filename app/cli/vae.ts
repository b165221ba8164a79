/**
 * `spacetime vae train|ship|roundtrip|info`: thin — flags → the library functions.
 *
 *   train      src/train/vae-trainer.ts
 *   ship       a run's checkpoint → a VAE folder with its evaluation: app/ship/vae-ship.ts
 *   roundtrip  encode then decode one video file with a VAE folder; prints the PSNR
 *   info       a VAE folder's config, size, compression, scale and card figures
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, required } from '../../base/args.js';
import { useBackend } from '../../base/compute/backend.js';
import { UserError } from '../../base/errors.js';
import { checkWritableFile } from '../../base/io/atomic.js';
import { psnr, writeMp4 } from '../../base/video/index.js';
import { RECONSTRUCTION_DEFAULTS, type ReconstructionReport } from '../../eval/reconstruction/reconstruction.js';
import { readInputClip } from '../../src/infer/prompt-clips.js';
import { VAE_PRESETS } from '../../src/model/vae-config.js';
import { loadVaeCodec } from '../../src/model/vae-codec.js';
import { DEFAULT_VAE_DIR, defaultVaeDir, readVaeFolder, VAE_FILES } from '../../src/model/vae-folder.js';
import { MAX_SEED } from '../../src/train/train-config.js';
import { VAE_TRAIN_DEFAULTS } from '../../src/train/vae-train-config.js';
import { trainVae } from '../../src/train/vae-trainer.js';
import { parseBuckets } from '../../src/train/buckets.js';
import { latentMap } from '../ship/vae-card.js';
import { shipVae } from '../ship/vae-ship.js';
import { Progress } from './progress.js';

/** Steps of a run when --steps is not given. */
const DEFAULT_STEPS = 10_000;
const D = VAE_TRAIN_DEFAULTS;
const VAE_HELP = `spacetime vae train --data DIR --out RUN [--steps ${DEFAULT_STEPS}] [--batch-size ${D.batchSize}] [--lr ${D.lr}]
    [--warmup ${D.warmup}] [--seed 0] [--checkpoint-every ${D.checkpointEvery}] [--latent-penalty ${D.latentPenalty}]
    [--temporal-weight ${D.temporalWeight}] [--config ${Object.keys(VAE_PRESETS).join('|')} | --init VAE_DIR]
    [--buckets WxHxT:RATIO,…] [--resume] [--backend NAME]
    trains the video autoencoder of latent mode (src/model/vae.ts) on a dataset from
    \`spacetime data make\` whose clips have the config's size (small: 16×32×32, tiny:
    4×16×16). Writes RUN/config.json, metrics.jsonl (loss, mse, psnr per step) and atomic
    checkpoints every --checkpoint-every steps; --resume continues from the latest checkpoint,
    bit-identically on the same backend (the other flags are then ignored; --steps, when given,
    sets a new total, which re-times the cosine schedule from there on).
    Ranges: --batch-size 1 to the dataset's clip count, --lr > 0, --seed 0 to ${MAX_SEED}.
    --temporal-weight β adds β × the MSE of consecutive frames' differences (the motion the
    harness measures velocities from; metrics.jsonl reports temporal_mse either way).
    --init VAE_DIR starts a new run from a shipped VAE folder's weights (weights and EMA, its
    config) with a fresh optimizer and this run's schedule: a second leg (recorded as initFrom).
    --buckets 32x32x16:0.4,48x32x16:0.2,…: clips of several sizes and lengths, one bucket a
    batch drawn by ratio (as train --buckets), DIR holding one dataset per bucket,
    DIR/WIDTHxHEIGHTxFRAMES; sides and frames multiples of the VAE's tubelet. A latent model
    trained at several sizes needs a VAE that reconstructs them.

spacetime vae ship --run RUN --out models/vae [--checkpoint PATH] [--force] [--per-family ${RECONSTRUCTION_DEFAULTS.perFamily}]
    [--notes FILE] [--backend NAME]
    the run's latest (or the given) checkpoint as a VAE folder: EMA weights at F16
    (model.safetensors, ≤ 5 MB), config.json with the latent shift and scale measured on the
    run's training clips, reconstruction.json (eval/reconstruction: PSNR, centroid
    displacement and objects lost per family and split, on held-out clips) and MODEL_CARD.md
    (with the markdown of --notes FILE), written atomically

spacetime vae roundtrip IN.mp4 --out OUT.mp4 [--vae models/vae] [--backend NAME]
    encodes then decodes one clip of the VAE's frame size (native, or a 2× file as generate
    --video reads them; frames a multiple of the VAE's time compression) and prints its PSNR

spacetime vae info [--vae models/vae]
    the VAE's config, parameter count, compression, latent scale and its card's figures`;

export async function runVae(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'train') return runVaeTrain(rest);
  if (sub === 'ship') return runVaeShip(rest);
  if (sub === 'roundtrip') return runVaeRoundtrip(rest);
  if (sub === 'info') return runVaeInfo(rest);
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(VAE_HELP);
    return sub === undefined ? 1 : 0;
  }
  throw new UserError(`unknown vae command "${sub}" (expected train, ship, roundtrip or info; see spacetime vae --help)`);
}

async function runVaeTrain(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, {
    data: 'string',
    out: 'string',
    steps: 'int',
    'batch-size': 'int',
    lr: 'number',
    warmup: 'int',
    seed: 'int',
    'checkpoint-every': 'int',
    'latent-penalty': 'number',
    'temporal-weight': 'number',
    init: 'string',
    config: 'string',
    buckets: 'string',
    resume: 'boolean',
    backend: 'string',
    quiet: 'boolean',
    help: 'boolean',
  });
  if (flags.help) {
    console.log(VAE_HELP);
    return 0;
  }
  // A resumed run keeps its own total unless --steps is given (the trainer reads it).
  const steps = flags.steps ?? (flags.resume ? undefined : DEFAULT_STEPS);
  const options = {
    preset: flags.config ?? 'small',
    data: required(flags.data, 'data'),
    out: required(flags.out, 'out'),
    steps,
    batchSize: flags['batch-size'],
    lr: flags.lr,
    warmup: flags.warmup,
    seed: flags.seed,
    checkpointEvery: flags['checkpoint-every'],
    latentPenalty: flags['latent-penalty'],
    temporalWeight: flags['temporal-weight'],
    init: flags.init,
    buckets: flags.buckets === undefined ? undefined : parseBuckets(flags.buckets),
    resume: flags.resume,
  };
  const choice = await useBackend({ requested: flags.backend });
  console.error(choice.summary);
  let progress: Progress | undefined;
  const result = await trainVae({
    ...options,
    onStep: (m, total) => {
      if (!progress) (progress = new Progress(total, 'vae train', 'steps', flags.quiet)).startAt(m.step - 1);
      progress.update(m.step);
    },
  });
  console.log(`trained to step ${result.step} (PSNR ${result.psnr.toFixed(2)} dB on the last batch) on ${choice.name}; checkpoint ${result.checkpoint}`);
  return 0;
}

async function runVaeShip(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, { run: 'string', out: 'string', checkpoint: 'string', force: 'boolean', 'per-family': 'int', notes: 'string', backend: 'string', quiet: 'boolean' });
  if (flags.notes !== undefined && !fs.existsSync(flags.notes)) throw new UserError(`--notes: ${flags.notes} not found`);
  const notes = flags.notes !== undefined ? fs.readFileSync(flags.notes, 'utf8') : undefined;
  const perFamily = flags['per-family'] ?? RECONSTRUCTION_DEFAULTS.perFamily;
  if (!(perFamily >= 1 && perFamily <= 256)) throw new UserError(`--per-family must be from 1 to 256, got ${perFamily}`);
  const [run, out] = [required(flags.run, 'run'), required(flags.out, 'out')];
  const choice = await useBackend({ requested: flags.backend });
  console.error(choice.summary);
  let progress: Progress | undefined;
  const onProgress = (done: number, total: number) => (progress ??= new Progress(total, 'reconstruction', 'clips', flags.quiet)).update(done);
  const result = shipVae({ run, out, checkpoint: flags.checkpoint, force: flags.force, evaluation: { perFamily }, notes, onProgress });
  const { config, report } = result;
  console.log(`shipped ${run} step ${config.training.step} to ${result.dir} (${config.weights.bytes} bytes, latent scale ${config.latent.scale.toFixed(4)})`);
  console.log(reconstructionLines(report).join('\n'));
  return 0;
}

async function runVaeRoundtrip(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, { out: 'string', vae: 'string', backend: 'string' }, { max: 1, usage: 'one IN video' });
  const file = positional[0];
  if (file === undefined) throw new UserError('vae roundtrip needs an IN video: spacetime vae roundtrip IN.mp4 --out OUT.mp4');
  const out = required(flags.out, 'out');
  if (path.extname(out).toLowerCase() !== '.mp4') throw new UserError(`--out must end in .mp4, got ${out}`);
  checkWritableFile(out);
  const dir = flags.vae ?? defaultVaeDir();
  const { config } = readVaeFolder(dir); // a bad folder fails before the backend starts
  const { video } = await readInputClip(file, config.vae, 'IN');
  const pt = config.vae.patch[0];
  if (video.numFrames % pt !== 0) throw new UserError(`IN ${file} has ${video.numFrames} frames; the VAE takes a multiple of ${pt}`);
  const choice = await useBackend({ requested: flags.backend });
  const codec = loadVaeCodec(dir);
  try {
    const clip: [number, number, number] = [video.numFrames, video.height, video.width];
    const latents = codec.encode([video.frames], clip);
    const [frames] = codec.decode(latents);
    latents.dispose();
    const back = { ...video, frames };
    await writeMp4(back, out);
    console.log(`wrote ${out}: ${clip.join('×')} through ${latents.shape.slice(1).join('×')} latents on ${choice.name}, PSNR ${psnr(video, back).toFixed(2)} dB`);
  } finally {
    codec.dispose();
  }
  return 0;
}

async function runVaeInfo(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, { vae: 'string' });
  const dir = flags.vae ?? defaultVaeDir();
  const { config } = readVaeFolder(dir);
  const v = config.vae;
  const latent = [v.latentChannels, v.frames / v.patch[0], v.height / v.patch[1], v.width / v.patch[2]];
  const ratio = (v.channels * v.frames * v.height * v.width) / latent.reduce((a, b) => a * b, 1);
  console.log(`${flags.vae ?? DEFAULT_VAE_DIR}: video autoencoder, ${config.weights.parameters.toLocaleString('en-US')} parameters (${config.weights.dtype}, ${config.weights.bytes} bytes)`);
  console.log(`config: ${JSON.stringify(v)}`);
  console.log(`compression: [3, ${v.frames}, ${v.height}, ${v.width}] → [${latent.join(', ')}], ${ratio.toFixed(0)}× fewer values (${v.patch.join('×')} per latent cell)`);
  console.log(`latent: ${latentMap(config.latent)} (unit variance on training clips)`);
  console.log(`training: ${config.training.step} steps, ${config.training.samples} clips, ${(config.training.seconds / 60).toFixed(0)} min, data ${config.training.data}`);
  const file = path.join(dir, VAE_FILES.reconstruction);
  if (fs.existsSync(file)) console.log(reconstructionLines(JSON.parse(fs.readFileSync(file, 'utf8')) as ReconstructionReport).join('\n'));
  return 0;
}

/** The card's headline figures, one line per split and one for the targets. */
function reconstructionLines(report: ReconstructionReport): string[] {
  const lines = Object.entries(report.splits).map(
    ([split, f]) => `${split.padEnd(4)} ${f!.clips} clips: PSNR ${f!.psnr} dB (worst ${f!.psnr_min}), centroid p95 ${f!.centroid_p95_px} px, lost ${f!.objects_lost} objects / ${f!.colours_lost} colours / ${f!.points_lost} points`,
  );
  const m = report.meets;
  lines.push(`targets (id ≥ ${report.targets.psnrId} dB, ood ≥ ${report.targets.psnrOod} dB, p95 ≤ ${report.targets.centroidP95Px} px, nothing lost): ${m.all ? 'all met' : `missed: ${Object.entries(m).filter(([k, ok]) => k !== 'all' && ok === false).map(([k]) => k).join(', ')}`}`);
  return lines;
}
