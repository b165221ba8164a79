/** `spacetime eval`: thin — flags → runEvaluation() (eval/run/run.ts) → a run folder (eval/FORMAT.md). */
import fs from 'node:fs';
import { useBackend } from '../../base/compute/backend.js';
import { UserError } from '../../base/errors.js';
import { DEFAULT_MODEL_DIR, defaultModelDir } from '../../src/model/model-folder.js';
import { GENERATE_DEFAULTS } from '../../src/diffusion/generation-defaults.js';
import { guidanceFlags } from '../../src/diffusion/guidance/index.js';
import { runEvaluation } from '../../eval/run/run.js';
import type { PhysiqConventions } from '../../eval/physiq/masks.js';
import { parseSelection } from '../../datasets/selection.js';
import { exportSuite } from '../../eval/suites/export.js';
import { resolveSuite, suiteNames } from '../../eval/suites/suites.js';
import { parseRuntime } from '../../src/onnx/runtime.js';
import { parseArgs, type FrameSize } from '../../base/args.js';
import { untrainedSizeWarning, type SizedConfig } from '../../src/model/clip-sizes.js';
import { readPipelineConfig } from '../../src/infer/pipeline.js';
import { pixelModel } from '../../src/model/latent-space.js';
import { Progress } from './progress.js';

const HELP = `spacetime eval --suite NAME (--checkpoint PATH | --videos DIR) --out DIR
    [--seeds K] [--keep-frames K | --given-frames K] [--limit N] [--skip-physics-iq] [--physiq exact|official] [--palette world|estimate] [--steps S] [--guidance G] [--sampler heun|euler|dpm-solver-2m] [--shift S]
    [--guidance-method cfg|interval|apg|cfg-zero-star] [--guidance-interval LO,HI] [--frame-guidance S] [--backend NAME] [--runtime tfjs|onnx] [--quiet]

Scores videos against the world's ground truth and writes one run folder (eval/FORMAT.md):
run.json, videos.csv/json, categories.csv/json, videos/, truth/, tracks/.

  --checkpoint PATH  generate the suite's prompts with this checkpoint or run folder
                     (default: the shipped model, ${DEFAULT_MODEL_DIR}/), seeds 1..K each
  --size WxH, --frames T
                     with --checkpoint: generate (and render the truth) at this clip size,
                     e.g. 48x32 or 32x48 (S for S×S), default the model's own; a size the
                     model was not trained at draws a one-line warning naming the trained ones
  --videos DIR       score a folder in the interchange layout (videos/*.mp4, captions.csv,
                     states/*.json optional) — any generator's videos; with --suite its rows
                     are matched to the suite's prompts (file name PROMPT-sN, or the caption)
  --keep-frames K    PhyWorld's protocol: give the model (trained with --frame-conditioning)
                     each prompt's first K true frames. Velocity and position error and
                     Physics-IQ compare the frames it generated with the truth; without the
                     flag the run is text-only and those are skipped (the prompt does not fix
                     one scene to compare with). Recorded in run.json keep_frames
  --given-frames K   with --videos: the folder's clips were made from their first K true
                     frames (scored as --keep-frames K), or from text alone (0: comparisons
                     with the truth skipped); default: compared with the truth as PhyWorld's
  --steps, --guidance, --sampler, --shift
                     default: the shipped model's own settings, else ${GENERATE_DEFAULTS.steps} steps, guidance ${GENERATE_DEFAULTS.guidance}, ${GENERATE_DEFAULTS.sampler}, shift ${GENERATE_DEFAULTS.shift}
  --guidance-method, --guidance-interval
                     how the guided passes combine, as for \`spacetime generate\` (default: the
                     model folder's recommended method, else cfg); recorded in run.json
                     source.generate when not cfg
  --frame-guidance S with --keep-frames: the given frames' own guidance scale (three passes,
                     as \`spacetime generate --frame-guidance\`); recorded in run.json
  --runtime onnx     run the text encoder and DiT (a latent model's VAE too) on onnxruntime-node (CPU) instead of tfjs
  --limit N          at most N prompts per category (counterfactual: N pairs per cause)
  --skip-physics-iq  leave out the Physics-IQ metrics (most of the scoring time)
  --physiq official  Physics-IQ with the official code's conventions (OpenCV grey, 8-bit
                     resize before the MSE, first 5 s), bit for bit; default exact (the
                     definition in real numbers). Recorded in run.json scoring.physiq
  --palette estimate parse with colours clustered from the videos themselves instead of the
                     world's palette (a generator with colours of its own); tracks are matched
                     to the true objects, the colour attribute is not judged
  --export DIR       instead of scoring: write the suite's ground truth in the interchange
                     layout (videos/PROMPT.mp4, captions.csv, states/) [--size WxH --frames T]:
                     the prompt list for another generator, and a clean baseline for --videos

Suites: CATEGORY-SPLIT, all-SPLIT, smoke (one prompt per category), counterfactual (pairs
of scenes that differ in one cause; --limit N keeps N pairs per cause; run.json counterfactual):
  ${suiteNames().join(', ')}

Exit status: 0 every input scored; 2 some inputs skipped (listed in run.json bad_inputs);
1 nothing usable, or a usage error.`;

/** Skipped inputs named on stderr; the rest are only in run.json (a 100k-row folder of bad rows). */
const MAX_SKIPPED_LINES = 50;

export async function runEvalCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv, {
      suite: 'string',
      checkpoint: 'string',
      videos: 'string',
      out: 'string',
      seeds: 'int',
      'keep-frames': 'int',
      'given-frames': 'int',
      limit: 'int',
      steps: 'int',
      guidance: 'number',
      sampler: 'string',
      shift: 'number',
      'guidance-method': 'string',
      'guidance-interval': 'string',
      'frame-guidance': 'number',
      backend: 'string',
      runtime: 'string',
      export: 'string',
      'skip-physics-iq': 'boolean',
      physiq: 'string',
      palette: 'string',
      size: 'size',
      frames: 'int',
      quiet: 'boolean',
      help: 'boolean',
    });
  } catch (err) {
    if (err instanceof UserError) throw new UserError(err.message, 1);
    throw err;
  }
  const { flags, positional } = parsed;
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  if (positional.length > 0) throw new UserError(`unexpected argument "${positional[0]}" (spacetime eval --help)`, 1);
  if (flags.export !== undefined) {
    if (!flags.suite) throw new UserError('--export needs --suite NAME', 1);
    if (flags.checkpoint || flags.videos || flags.out) throw new UserError('--export writes a suite; it takes no --checkpoint, --videos or --out', 1);
    const suite = resolveSuite(flags.suite, { limit: flags.limit });
    const { clip } = parseSelection({ size: flags.size, frames: flags.frames }); // validates them
    const n = await exportSuite(suite, flags.export, clip);
    console.log(`wrote ${n} prompts of suite ${suite.name} with their ground truth to ${flags.export} (videos/, captions.csv, states/)`);
    return 0;
  }
  const runtime = parseRuntime(flags.runtime, 1);
  const guidance = guidanceFlags(flags['guidance-method'], flags['guidance-interval'], 1);
  if (flags['frame-guidance'] !== undefined && !flags['keep-frames']) throw new UserError('--frame-guidance needs --keep-frames K (frames given to the model)', 1);
  if (flags.videos && (flags.size !== undefined || flags.frames !== undefined)) throw new UserError('--size and --frames do not go with --videos: the videos bring their own size', 1);
  if (!flags.out) throw new UserError('missing required flag --out', 1);
  let checkpoint = flags.checkpoint;
  if (!checkpoint && !flags.videos) {
    checkpoint = defaultModelDir();
    if (!fs.existsSync(checkpoint)) throw new UserError(`no shipped default model at ${checkpoint}; pass --checkpoint PATH or --videos DIR`, 1);
  }
  const clip = checkpoint ? requestedClip(checkpoint, flags.size, flags.frames) : undefined;
  if (checkpoint) await useBackend({ requested: flags.backend });
  const bars: Record<string, Progress> = {};
  const result = await runEvaluation({
    suite: flags.suite,
    limit: flags.limit,
    checkpoint,
    videos: flags.videos,
    out: flags.out,
    seeds: flags.seeds,
    keepFrames: flags['keep-frames'],
    givenFrames: flags['given-frames'],
    clip,
    physicsIq: !flags['skip-physics-iq'],
    physiq: flags.physiq as PhysiqConventions | undefined,
    palette: flags.palette as 'world' | 'estimate' | undefined,
    generate: { steps: flags.steps, guidance: flags.guidance, sampler: flags.sampler, shift: flags.shift, ...guidance, ...(flags['frame-guidance'] !== undefined && { frameGuidance: flags['frame-guidance'] }) },
    runtime,
    onProgress: (stage, done, total) => {
      const unit = 'videos';
      bars[stage] ??= new Progress(total, stage, unit, flags.quiet ?? false); // a stage's first report (0 done) starts its clock
      if (done > 0) bars[stage].update(done);
    },
  });
  const { run } = result;
  for (const b of run.bad_inputs.slice(0, MAX_SKIPPED_LINES)) console.error(`skipped: ${b.file}${b.row ? ` line ${b.row}` : ''}: ${b.reason}`);
  if (run.bad_inputs.length > MAX_SKIPPED_LINES) console.error(`skipped: ${run.bad_inputs.length - MAX_SKIPPED_LINES} more, listed in ${result.out}/run.json bad_inputs`);
  const h = run.headline;
  const fd = (name: string) => (run.frechet[name] ? `${name} ${run.frechet[name].fd.toFixed(3)} [${run.frechet[name].ci95.map((v: number) => v.toFixed(3)).join(', ')}]` : null);
  console.log(
    [
      `wrote ${result.out}: ${h.videos} videos scored${run.bad_inputs.length ? `, ${run.bad_inputs.length} skipped` : ''} in ${run.timings.total_s.toFixed(1)}s`,
      `abnormal ${(100 * h.abnormal_rate).toFixed(1)}%, joint accuracy ${(100 * h.joint_accuracy).toFixed(1)}%`,
      ...[fd('fd_encoder'), fd('fd_pixel'), fd('fvmd')].filter(Boolean),
    ].join('; '),
  );
  const cf = run.counterfactual;
  if (cf) {
    const causes = Object.entries(cf.per_cause).map(([cause, t]) => `${cause} ${t.correct}/${t.testable}`);
    console.log(`counterfactual pairs changed the right way: ${cf.overall.correct} of ${cf.overall.testable} testable (${causes.join(', ')})`);
  }
  return result.exitCode;
}

/**
 * The clip size a model generates a suite at: --size WxH and --frames over the model's own.
 * One that is none of its trained sizes draws a one-line warning naming them.
 */
function requestedClip(checkpoint: string, size: FrameSize | undefined, frames: number | undefined): { frames: number; height: number; width: number } | undefined {
  if (size === undefined && frames === undefined) return undefined;
  const config = readPipelineConfig(checkpoint);
  const model = pixelModel(config);
  const clip = { frames: frames ?? model.frames, height: size?.height ?? model.height, width: size?.width ?? model.width };
  const warning = untrainedSizeWarning(config as SizedConfig, clip);
  if (warning) console.error(`warning: ${warning}`);
  return clip;
}
