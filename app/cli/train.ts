/** `spacetime train`: thin — flags → train() with a progress bar. */
import { evaluateDuringTraining, trackingSuite } from '../../eval/run/track.js';
import { useBackend } from '../../base/compute/backend.js';
import type { LogitNormal } from '../../src/diffusion/objective.js';
import { UserError } from '../../base/errors.js';
import { checkSettings, checkTimesteps, MAX_SEED } from '../../src/train/train-config.js';
import { TRAIN_DEFAULTS } from '../../src/train/train-config.js';
import { train, type TrainOptions } from '../../src/train/trainer.js';
import { parseSwaps } from '../../src/text/swaps.js';
import { parseBuckets, parseClipSizes } from '../../src/train/buckets.js';
import type { ClipSize } from '../../src/model/clip-sizes.js';
import { parseArgs, required } from '../../base/args.js';
import { Progress } from './progress.js';
import { writeProgress } from './progress-artifacts.js';

const HELP = `spacetime train --preset tiny|mini|small|base|bench --data DIR --steps N --out runs/NAME
    [--resume | --resume-from STEP|CHECKPOINT | --init CHECKPOINT|MODEL] [--frame-conditioning [--frame-hints]] [--latent VAE_DIR]
    [--eval-every N [--eval-suite S] [--eval-keep-frames K] [--eval-per-category M] [--eval-sizes all|WxHxT[,…]]]
    [--batch-size ${TRAIN_DEFAULTS.batchSize}] [--lr ${TRAIN_DEFAULTS.lr}] [--warmup ${TRAIN_DEFAULTS.warmup}] [--seed 0]
    [--caption-dropout ${TRAIN_DEFAULTS.captionDropout}] [--checkpoint-every ${TRAIN_DEFAULTS.checkpointEvery}]
    [--sample-every ${TRAIN_DEFAULTS.sampleEvery}] [--objective rectified-flow|x-prediction|v-prediction]
    [--logit-mean M --logit-std S] [--negatives A=B[,C=D…] [--negative-weight 1]] [--backend NAME]
    [--buckets WxHxT:R[,WxHxT:R…]]

Trains the text-conditioned diffusion transformer on a dataset from \`spacetime data make\`.
Writes runs/NAME/config.json, metrics.jsonl (one line per step), checkpoints/ (atomic), and
every --sample-every steps samples/step-N.mp4 (EMA samples of two captions) and loss.html;
--resume continues the run from its latest checkpoint, bit-identically on the same backend (a
run killed before its first checkpoint starts over from step 0 with its config.json). It uses
the run's saved settings: the other flags but --steps are checked and then ignored.
--resume-from STEP|CHECKPOINT: the same from a checkpoint picked by hand, a step number or a
folder RUN/checkpoints/step-N of the run (e.g. when the latest is damaged); it becomes the
run's latest. A damaged checkpoint is never loaded: the error names the file and the previous
good checkpoint. If the checkpoint \`latest\` names is deleted, --resume takes the newest good
one before it and says so.
Ranges: --batch-size 1 to the dataset's clip count, --lr > 0, --warmup ≥ 0, --seed 0 to
${MAX_SEED}, --caption-dropout 0 to 1, --checkpoint-every ≥ 1, --sample-every ≥ 0 (0 = never),
--logit-std > 0, --negative-weight > 0; a value out of range is refused before anything is written.
--objective: rectified flow predicting the velocity (default), the same flow with the network
predicting the clean video (x-prediction: trains much faster with big tubelets such as the
small preset's 4×4×4; the shipped model uses it), or v-prediction on the cosine schedule.
With --init, the checkpoint's objective (another one is refused: its network predicts for that one).
--logit-mean/--logit-std: training times t = sigmoid(M + S·z), z ~ N(0, 1) (defaults: 0, 1
for rectified flow; 0.8, 0.8 for x-prediction); a larger M trains more at high noise, where
the prompt decides the layout and the motion.
--negatives left=right,leftward=rightward: hard-negative captions. Each caption with those
words swapped is a false description of its clip; the run also denoises each such clip with
it and adds --negative-weight × a smooth hinge asking the swapped caption to do worse than the
true one (metrics: negative_gap, the mean per-sample loss difference; > 0 = the words are read;
loss includes the weighted hinge). The forward pass then holds up to twice --batch-size clips:
on the small preset batch 8 fits the wasm backend's heap, batch 12 ran out of it here.
--init CHECKPOINT: a new run that starts from that checkpoint's weights and EMA (same preset),
with a fresh optimizer and its own schedule: a second leg with new settings. A shipped model
folder (models/default) works too.
--eval-every N: physics tracked while training: every N steps (and at the last) the EMA
weights generate --eval-per-category M (default 2) prompts of each category of --eval-suite S
(default all-id), given their first --eval-keep-frames K true frames (default 4 with
--frame-conditioning, else 0: text only), and the harness's headline (abnormal rate, joint
accuracy, vanishings, median velocity error, attribute accuracy) goes into metrics.jsonl and
the loss page. --eval-sizes all (or a list of WIDTHxHEIGHTxFRAMES, each one of --buckets'
sizes) evaluates at each of those sizes, one line each, named by its size (clip); default the
model's clip. Recorded in config.json, so --resume keeps evaluating.
--buckets 32x32x16:0.4,48x32x16:0.2,32x48x16:0.2,64x64x16:0.1,32x32x32:0.1: bucketed training
(Open-Sora's multi-resolution buckets): each entry is WIDTHxHEIGHTxFRAMES:RATIO, each batch one
bucket's clips, the bucket drawn by RATIO (relative weights) from the run's seeded RNG; the same
weights learn every size. --data DIR then holds one dataset per bucket in DIR/WIDTHxHEIGHTxFRAMES
(spacetime data make --size 48x32 --frames 16 --out DIR/48x32x16, once per bucket). Sides and
frames must be multiples of the model's patch, --batch-size at most the smallest bucket's clips.
Recorded in config.json (the trained sizes; model ship carries them, and generate warns at any
other size); --resume continues bit-identically. Each step's line of metrics.jsonl names its
batch's size (clip: WIDTHxHEIGHTxFRAMES).
--frame-conditioning: the model can be given frames (image/video prompting, PhyWorld's
protocol): each clip trains under a random strategy of given frames (none, first, first K,
last K, first and last, every other, random) and the loss covers the generated frames. With
--init from a text-only model it starts as exactly that model.
--latent VAE_DIR (e.g. models/vae): latent mode. The preset's transformer (same width and depth)
denoises the VAE's latents — a 16×32×32 clip is 16 × 4×8×8 latents, 64 tokens of 1×2×2 cells
instead of 256 pixel tokens — each batch encoded by the VAE as it is drawn. Recorded in
config.json (the folder's absolute path and its weights' sha256), so generate, eval, model ship
(which copies the VAE into the model folder), the server and the notebooks decode through it
without flags. With --frame-conditioning, frames are given in whole latent frames (groups of the
VAE's 4): --eval-keep-frames and --keep-frames must be multiples of 4, unless --frame-hints.
--frame-hints (a latent model with --frame-conditioning, new or --init from one): any frames can
be given — one image, PhyWorld's 3 frames. The strategies are drawn over the pixel frames; a
latent frame partly given is a hint, the VAE's encoding of it with its given frames held still,
its mask value the share given, and it is generated (the loss covers it). Recorded in the model
config (frameHints), so generate, eval and the server then take any frames.`;

/** --negatives/--negative-weight → the hard-negative settings. */
function negativesFlag(spec: string | undefined, weight: number | undefined): TrainOptions['negatives'] {
  if (spec === undefined) {
    if (weight !== undefined) throw new UserError('--negative-weight needs --negatives');
    return undefined;
  }
  const w = weight ?? 1;
  if (!(Number.isFinite(w) && w > 0)) throw new UserError(`--negative-weight must be a positive number, got ${w}`);
  return { swaps: parseSwaps(spec, '--negatives'), weight: w };
}

/** --eval-every N [--eval-suite S] [--eval-keep-frames K] [--eval-per-category M] → the run's tracked evaluation. */
function evaluationFlags(flags: { 'eval-every'?: number; 'eval-suite'?: string; 'eval-keep-frames'?: number; 'eval-per-category'?: number; 'eval-sizes'?: string; 'frame-conditioning'?: boolean; buckets?: string }): TrainOptions['evaluation'] {
  const every = flags['eval-every'];
  if (every === undefined) {
    for (const f of ['eval-suite', 'eval-keep-frames', 'eval-per-category', 'eval-sizes'] as const) if (flags[f] !== undefined) throw new UserError(`--${f} needs --eval-every N`);
    return undefined;
  }
  if (!(every >= 1)) throw new UserError(`--eval-every must be a positive integer, got ${every}`);
  const keepFrames = flags['eval-keep-frames'] ?? (flags['frame-conditioning'] ? 4 : 0);
  const perCategory = flags['eval-per-category'] ?? 2;
  if (!(keepFrames >= 0)) throw new UserError(`--eval-keep-frames must be 0 (text only) or more, got ${keepFrames}`);
  if (!(perCategory >= 1 && perCategory <= 8)) throw new UserError(`--eval-per-category must be from 1 to 8, got ${perCategory}`);
  const sizes = flags['eval-sizes'] === undefined ? undefined : evalSizesFlag(flags['eval-sizes'], flags.buckets);
  const evaluation = { every, suite: flags['eval-suite'] ?? 'all-id', keepFrames, perCategory, ...(sizes && { sizes }) };
  trackingSuite(evaluation.suite, perCategory); // an unknown suite fails now, not at step N
  return evaluation;
}

/** --eval-sizes all (every bucket) or WxHxT[,WxHxT…]; whether each is a trained size is checked with the run's config (run-setup.ts). */
function evalSizesFlag(spec: string, buckets: string | undefined): ClipSize[] {
  if (spec === 'all') {
    if (buckets === undefined) throw new UserError('--eval-sizes all needs --buckets (a run without buckets trains at one size: leave --eval-sizes out)');
    return parseBuckets(buckets).map(({ width, height, frames }) => ({ width, height, frames }));
  }
  return parseClipSizes(spec, '--eval-sizes');
}

/** --logit-mean/--logit-std → the timestep distribution (both or neither). */
function timestepsFlag(m: number | undefined, s: number | undefined): LogitNormal | undefined {
  if (m === undefined && s === undefined) return undefined;
  if (m === undefined || s === undefined) throw new UserError('--logit-mean and --logit-std go together: pass both');
  checkTimesteps({ m, s });
  return { m, s };
}

export async function runTrain(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, {
    preset: 'string',
    data: 'string',
    steps: 'int',
    out: 'string',
    resume: 'boolean',
    'resume-from': 'string',
    init: 'string',
    'frame-conditioning': 'boolean',
    'frame-hints': 'boolean',
    latent: 'string',
    'eval-every': 'int',
    'eval-suite': 'string',
    'eval-keep-frames': 'int',
    'eval-per-category': 'int',
    'eval-sizes': 'string',
    'batch-size': 'int',
    lr: 'number',
    warmup: 'int',
    seed: 'int',
    'caption-dropout': 'number',
    'checkpoint-every': 'int',
    'sample-every': 'int',
    objective: 'string',
    'logit-mean': 'number',
    'logit-std': 'number',
    negatives: 'string',
    'negative-weight': 'number',
    buckets: 'string',
    backend: 'string',
    quiet: 'boolean',
    help: 'boolean',
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  // Every flag is checked before the backend starts or anything is written.
  const steps = required(flags.steps, 'steps');
  const settings = {
    steps,
    batchSize: flags['batch-size'],
    lr: flags.lr,
    warmup: flags.warmup,
    seed: flags.seed,
    captionDropout: flags['caption-dropout'],
    checkpointEvery: flags['checkpoint-every'],
    sampleEvery: flags['sample-every'],
  };
  checkSettings(settings);
  const options: TrainOptions = {
    ...settings,
    preset: flags.preset ?? 'small',
    data: required(flags.data, 'data'),
    out: required(flags.out, 'out'),
    resume: flags.resume,
    resumeFrom: flags['resume-from'],
    init: flags.init,
    frameConditioning: flags['frame-conditioning'],
    frameHints: flags['frame-hints'],
    latent: flags.latent,
    evaluation: evaluationFlags(flags),
    objective: flags.objective as TrainOptions['objective'],
    timesteps: timestepsFlag(flags['logit-mean'], flags['logit-std']),
    negatives: negativesFlag(flags.negatives, flags['negative-weight']),
    buckets: flags.buckets === undefined ? undefined : parseBuckets(flags.buckets),
    note: (line) => console.error(`note: ${line}`),
  };
  const choice = await useBackend({ requested: flags.backend });
  console.error(choice.summary);
  const progress = new Progress(steps, 'train', 'steps', flags.quiet);
  let first = true;
  const result = await train({
    ...options,
    evaluate: evaluateDuringTraining,
    onStep: (m) => {
      if (first) progress.startAt(m.step - 1);
      first = false;
      progress.update(m.step);
    },
    sideOutputs: writeProgress,
  });
  console.log(`trained to step ${result.step} (loss ${result.loss.toFixed(4)}) on ${choice.name}; checkpoint ${result.checkpoint}`);
  return 0;
}
