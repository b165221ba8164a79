// PhyWorld's table reproduced on this machine (issue 15, item 5): models of two (or more) sizes,
// trained alike, scored by the harness on the ID / OOD / combo suites under PhyWorld's protocol
// (each prompt's first frames given, the rest generated and compared with the simulator's
// continuation of the same scene), beside the numbers PhyWorld published (../shared/METRICS.md).
// Also the physics each run tracked while training (--eval-every): the curve of harness metrics
// against clips seen. Writes table.json (every figure, with its source) and README.md (the tables,
// then --notes, the reading of them). Usage:
//
//   npx tsx scripts/phyworld-table.ts --models small=runs/rt1,mini=runs/rt-mini --evals evals/rt \
//     [--keep-frames 4] [--notes FILE] [--out reports/phyworld]
//
// reads EVALS/LABEL-kK/all-SPLIT/ (frames given) and, where present, EVALS/LABEL/all-SPLIT/ (text only).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from '../base/args.js';
import { UserError } from '../base/errors.js';
import { writeFileAtomic } from '../base/io/atomic.js';
import { parameterCount } from '../src/model/dit.js';
import { textEncoderParameterCount } from '../src/text/encoder.js';
import type { TrainConfig } from '../src/train/train-config.js';
import { summarizeTraining, trainingLegs } from '../app/ship/training-summary.js';

function main(): void {
  const { flags } = parseArgs(process.argv.slice(2), { models: 'string', evals: 'string', 'keep-frames': 'int', notes: 'string', out: 'string' });
  if (!flags.models || !flags.evals) throw new UserError('usage: npx tsx scripts/phyworld-table.ts --models LABEL=RUN[,LABEL=RUN…] --evals DIR [--keep-frames 4] [--notes FILE] [--out reports/phyworld]');
  const models = flags.models.split(',').map((spec) => {
    const [label, run] = spec.split('=');
    if (!label || !run) throw new UserError(`--models: "${spec}" is not LABEL=RUN`);
    return { label, run };
  });
  const K = flags['keep-frames'] ?? 4;
  const out = flags.out ?? 'reports/phyworld';
  const SPLITS = ['id', 'ood', 'combo'] as const;

  /** PhyWorld's published figures (Kang et al., ICML 2025; ../shared/METRICS.md), units/s. */
  const PHYWORLD = {
    source: 'Kang et al., "How Far is Video Generation from World Model: A Physical Law Perspective", ICML 2025 (../shared/METRICS.md)',
    protocol: 'VAE + DiT, Box2D world of 10×10 units, 32 frames at 128×128, first 3 frames given; uniform motion, collision, parabola',
    velocityError: { parserOnTruth: [0.0099, 0.0210], inDistribution: [0.012, 0.022], outOfDistribution: [0.33, 0.43], outOfDistributionSvd: 0.908 },
    abnormalByTemplates: { 6: 0.67, 30: 0.18, 60: 0.1 },
    findings: ['in distribution, error falls to near the parser floor as model and data grow', 'out of distribution, error stays an order of magnitude higher and scale does not help', 'combinatorial generalisation improves with more templates (abnormal 67% → 10%)'],
  };

  interface Row {
    velocity_error: number | null;
    position_ade: number | null;
    gravity_error: number | null;
    abnormal: number;
    joint_correct: number;
    vanish_count: number | null;
    attribute_accuracy: number | null;
  }

  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : null;
  };
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const known = (rows: Row[], key: keyof Row) => rows.map((r) => r[key]).filter((v): v is number => typeof v === 'number');

  /** One evaluation run's figures: PhyWorld's mean velocity error, and the medians the issue's targets name. */
  function scores(dir: string) {
    const file = path.join(dir, 'videos.json');
    if (!fs.existsSync(file)) throw new UserError(`${file} not found: run the evaluation first (see the header of this script)`);
    const rows = (JSON.parse(fs.readFileSync(file, 'utf8')) as { rows: Row[] }).rows;
    const run = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { source?: { path?: string; step?: number } };
    return {
      eval: dir,
      checkpoint: run.source?.path ?? null,
      videos: rows.length,
      abnormal_rate: mean(rows.map((r) => r.abnormal)),
      joint_accuracy: mean(rows.map((r) => r.joint_correct)),
      vanish_count: mean(known(rows, 'vanish_count')),
      attribute_accuracy: mean(known(rows, 'attribute_accuracy')),
      velocity_error_mean: mean(known(rows, 'velocity_error')),
      velocity_error_median: median(known(rows, 'velocity_error')),
      position_ade_mean: mean(known(rows, 'position_ade')),
      gravity_error_median: median(known(rows, 'gravity_error')),
      gravity_videos: known(rows, 'gravity_error').length,
    };
  }

  interface MetricsLine {
    step: number;
    seconds?: number;
    loss?: number;
    eval?: { keep_frames: number; videos: number; abnormal_rate: number; joint_accuracy: number; vanish_count: number | null; velocity_error: number | null; attribute_accuracy: number | null };
  }

  function training(run: string) {
    if (!fs.existsSync(path.join(run, 'config.json'))) throw new UserError(`--models: ${run} is not a training run (no config.json)`);
    const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')) as TrainConfig;
    const lines = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MetricsLine);
    const steps = lines.filter((l) => l.seconds !== undefined && l.loss !== undefined);
    // A run started with --init counts its earlier legs too (the model card's legs: app/ship/training-summary.ts).
    const legs = trainingLegs(summarizeTraining(run, steps.length, { backend: 'unknown' }));
    const earlierClips = legs.slice(0, -1).reduce((sum, l) => sum + l.samplesSeen, 0);
    return {
      run,
      preset: config.preset,
      parameters: { dit: parameterCount(config.model), textEncoder: textEncoderParameterCount(config.text) },
      model: { hidden: config.model.hidden, depth: config.model.depth, heads: config.model.heads, latent: Boolean(config.latent), frameHints: Boolean(config.model.frameHints) },
      data: config.data,
      legs: legs.map((l) => ({ run: l.run, steps: l.step, batchSize: l.batchSize, clipsSeen: l.samplesSeen, stepMinutes: l.stepSeconds / 60 })),
      steps: legs.reduce((sum, l) => sum + l.step, 0),
      scheduleSteps: config.steps,
      batchSize: config.batchSize,
      clipsSeen: legs.reduce((sum, l) => sum + l.samplesSeen, 0),
      stepMinutes: legs.reduce((sum, l) => sum + l.stepSeconds, 0) / 60,
      // this run's tracked evaluations, at the clips seen over all legs
      curve: lines.filter((l) => l.eval).map((l) => ({ step: l.step, clipsSeen: earlierClips + l.step * config.batchSize, ...l.eval! })),
    };
  }

  function evaluations(label: string, given: boolean) {
    const folder = path.join(flags.evals!, given ? `${label}-k${K}` : label);
    if (!given && !fs.existsSync(folder)) return null;
    return Object.fromEntries(SPLITS.map((split) => [split, scores(path.join(folder, `all-${split}`))]));
  }

  const result = {
    format: 'spacetime-phyworld-table',
    version: 1,
    created: new Date().toISOString(),
    command: `npx tsx scripts/phyworld-table.ts --models ${flags.models} --evals ${flags.evals} --keep-frames ${K}`,
    keepFrames: K,
    phyworld: PHYWORLD,
    models: models.map(({ label, run }) => ({ label, training: training(run), given: evaluations(label, true)!, textOnly: evaluations(label, false) })),
  };

  const f = (x: number | null | undefined, digits = 2) => (x === null || x === undefined ? '—' : x.toFixed(digits));
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${Math.round(100 * x)}%`);
  const lines: string[] = [];
  lines.push(`# PhyWorld's table, reproduced on one machine`, '');
  lines.push(`Made by \`${result.command}\`; every figure is in table.json. The harness scores each video against the`);
  lines.push(`simulator's continuation of the same scene (PhyWorld's protocol: the first ${K} true frames given; PhyWorld gives 3),`);
  lines.push('56 prompts a suite, seed 1, the defaults of `generate`.', '');
  lines.push('| model | DiT parameters | text encoder | steps (batch) | clips seen | training minutes |', '|---|---|---|---|---|---|');
  for (const m of result.models) {
    const t = m.training;
    lines.push(`| ${m.label} (${t.preset}, width ${t.model.hidden}, depth ${t.model.depth}${t.model.latent ? ', latent' : ''}) | ${t.parameters.dit.toLocaleString('en-US')} | ${t.parameters.textEncoder.toLocaleString('en-US')} | ${t.steps.toLocaleString('en-US')} (${t.batchSize})${t.legs.length > 1 ? ` in ${t.legs.length} legs (--init)` : ''} | ${t.clipsSeen.toLocaleString('en-US')} | ${t.stepMinutes.toFixed(0)} |`);
  }
  lines.push('', `**First ${K} frames given** — velocity error in units/s (PhyWorld's: mean over videos of the mean |v − v̂| over frames after the given ones), median beside it:`, '');
  lines.push('| split | model | velocity error, mean | median | abnormal | vanishings / video | attribute accuracy | gravity error, median (videos) | PhyWorld velocity error |', '|---|---|---|---|---|---|---|---|---|');
  const theirs: Record<(typeof SPLITS)[number], string> = {
    id: `${PHYWORLD.velocityError.inDistribution.join('–')}`,
    ood: `${PHYWORLD.velocityError.outOfDistribution.join('–')}`,
    combo: 'abnormal 67% → 10% (6 → 60 templates)',
  };
  for (const split of SPLITS) {
    for (const m of result.models) {
      const s = m.given[split];
      lines.push(`| ${split} | ${m.label} | ${f(s.velocity_error_mean)} | ${f(s.velocity_error_median)} | ${pct(s.abnormal_rate)} | ${f(s.vanish_count)} | ${f(s.attribute_accuracy)} | ${f(s.gravity_error_median)} (${s.gravity_videos}) | ${theirs[split]} |`);
    }
  }
  const ratio = (m: (typeof result.models)[number]) => {
    const [id, ood] = [m.given.id.velocity_error_mean, m.given.ood.velocity_error_mean];
    return id && ood ? ood / id : null;
  };
  lines.push('', `OOD ÷ ID velocity error: ${result.models.map((m) => `${m.label} ${f(ratio(m), 1)}×`).join(', ')}; PhyWorld's ${(PHYWORLD.velocityError.outOfDistribution[0] / PHYWORLD.velocityError.inDistribution[1]).toFixed(0)}–${(PHYWORLD.velocityError.outOfDistribution[1] / PHYWORLD.velocityError.inDistribution[0]).toFixed(0)}×. The harness's own floor on ground truth: 0.012–0.030 units/s (eval/VALIDITY.md; PhyWorld's parser ${PHYWORLD.velocityError.parserOnTruth.join('–')}).`, '');
  const textOnly = result.models.filter((m) => m.textOnly);
  if (textOnly.length) {
    lines.push('**Text only** (no frames given: reference-free checks and adherence):', '');
    lines.push('| split | model | abnormal | joint accuracy | vanishings / video | attribute accuracy |', '|---|---|---|---|---|---|');
    for (const split of SPLITS) for (const m of textOnly) {
      const s = m.textOnly![split];
      lines.push(`| ${split} | ${m.label} | ${pct(s.abnormal_rate)} | ${pct(s.joint_accuracy)} | ${f(s.vanish_count)} | ${f(s.attribute_accuracy)} |`);
    }
    lines.push('');
  }
  lines.push('**Physics while training** (`--eval-every`: EMA weights, 2 prompts per category of all-id, first frames given; median velocity error):', '');
  lines.push('| model | step | clips seen | abnormal | joint | vanishings | velocity error | attribute accuracy |', '|---|---|---|---|---|---|---|---|');
  for (const m of result.models) for (const c of m.training.curve) {
    lines.push(`| ${m.label} | ${c.step.toLocaleString('en-US')} | ${c.clipsSeen.toLocaleString('en-US')} | ${pct(c.abnormal_rate)} | ${pct(c.joint_accuracy)} | ${f(c.vanish_count)} | ${f(c.velocity_error)} | ${f(c.attribute_accuracy)} |`);
  }
  lines.push('');
  if (flags.notes) lines.push(fs.readFileSync(flags.notes, 'utf8').trim(), '');
  fs.mkdirSync(out, { recursive: true });
  writeFileAtomic(path.join(out, 'table.json'), JSON.stringify(result, null, 2) + '\n');
  writeFileAtomic(path.join(out, 'README.md'), lines.join('\n'));
  console.log(lines.join('\n'));
}

try {
  main();
} catch (err) {
  if (!(err instanceof UserError)) throw err;
  console.error(`error: ${err.message}`);
  process.exit(err.exitCode);
}
