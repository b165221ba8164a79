/**
 * MODEL_CARD.md of a shipped model, written from its config, the training summary and the
 * quality check, so every number in it comes from a file beside it.
 */
import type { EvalMetrics } from '../../src/train/step-metrics.js';
import type { ModelFolderConfig } from '../../src/model/model-folder.js';
import type { QualityCheckResult } from '../../eval/check/quality-check.js';
import { trainingLegs, type TrainingSummary } from './training-summary.js';
import { modelClip } from '../../src/model/latent-space.js';
import { trainedSizes } from '../../src/model/clip-sizes.js';
import { resolveGuidance, type GenerationDefaults } from '../../src/diffusion/generation-defaults.js';

export interface CardInput {
  /** The folder as the user names it, e.g. models/default. */
  out: string;
  config: ModelFolderConfig;
  training: TrainingSummary;
  check: QualityCheckResult | null;
  /** Hand-written notes on the training (markdown), placed under the training table. */
  notes?: string;
  /** The commands that shipped and checked it. */
  shipCommand: string;
  checkCommand: string;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const n = (x: number) => x.toLocaleString('en-US');

export function modelCard(input: CardInput): string {
  const { config, training: t, check } = input;
  const m = config.model;
  const clip = modelClip(config); // in pixels (a latent model's config is its latent grid)
  const g = config.generation;
  const source = t.data.source;
  const families = Array.isArray(source?.families) ? (source?.families as string[]).join(', ') : 'unknown';
  const hours = (s: number) => `${(s / 3600).toFixed(2)} h`;
  const legs = trainingLegs(t);
  const samples = legs.reduce((a, l) => a + l.samplesSeen, 0);
  const sizes = trainedSizes(config);
  const size = (c: { width: number; height: number; frames: number }) => `${c.width}×${c.height}×${c.frames}`;
  const makes = sizes.length > 1
    ? `It makes clips of ${sizes.map(size).join(', ')} (width×height×frames, the sizes it was trained at; the first by default, the others with \`--size WxH --frames T\`) at ${g.fps} fps`
    : `It makes ${clip.frames}-frame ${clip.width}×${clip.height} clips at ${g.fps} fps`;
  const buckets = t.data.buckets && t.data.buckets.length > 1 ? t.data.buckets : null;
  const lines = [
    `# spacetime-lab text-to-video model: \`${input.out}\``,
    '',
    `A ${n(config.weights.parameters)}-parameter diffusion transformer over spacetime patches with a jointly trained`,
    `text encoder (preset \`${t.preset}\`, ${config.objective}), trained from scratch on the synthetic physics world of this`,
    'repository.',
    `${makes} of balls and squares in the world's`,
    'palette from captions in the world\'s vocabulary. It is a research baseline for studying where video models fail,',
    'not a general video model: prompts outside the caption grammar give unknown-word warnings and meaningless videos.',
    '',
    '```sh',
    `npx spacetime generate "a red ball bounces on the floor" --seed 1 --out out.mp4   # uses ${input.out}/`,
    '```',
    '',
    '## Model',
    '',
    '| | |',
    '|---|---|',
    `| weights | \`${config.weights.file}\`: EMA weights (decay ${t.emaDecay}) at ${config.weights.dtype}, ${n(config.weights.bytes)} bytes, sha256 \`${config.weights.sha256.slice(0, 16)}…\` |`,
    `| diffusion transformer | depth ${m.depth}, width ${m.hidden}, ${m.heads} heads, MLP ×${m.mlpRatio}, tubelets ${m.patch.join('×')} (${(m.frames / m.patch[0]) * (m.height / m.patch[1]) * (m.width / m.patch[2])} tokens per clip), cross-attention ${m.crossAttention ? 'on' : 'off'} |`,
    ...(config.latent
      ? [`| latent space | the DiT denoises the latents of the video autoencoder in \`vae/\` (${m.channels} channels, ${config.latent.patch.join('×')} cells, weights sha256 \`${config.latent.sha256.slice(0, 16)}…\`): a ${m.channels}×${m.frames}×${m.height}×${m.width} grid per clip; ${m.frameHints ? `any frames can be given (frame hints: a latent frame partly given is encoded with its given frames held still)` : `given frames in whole groups of ${config.latent.patch[0]}`} |`]
      : []),
    `| text encoder | ${config.text.kind}, depth ${config.text.depth}, width ${config.text.width}, ${config.text.heads} heads, vocabulary ${config.text.vocabVersion} (${config.text.vocabSize} tokens), up to ${config.text.maxLength} words |`,
    `| objective | ${config.objective} |`,
    `| given frames | ${m.frameConditioning ? 'yes: any subset of the clip\'s frames can be given (image and video prompting, PhyWorld\'s protocol; README: Given frames)' : 'no: text to video only'} |`,
    `| generation defaults | ${g.sampler}, ${g.steps} steps, time shift ${g.shift ?? 1}, ${guidanceText(g)} |`,
    '',
    '## Training data',
    '',
    ...(buckets
      ? [
          `${t.data.samples !== null ? n(t.data.samples) : 'An unknown number of'} samples of the world's \`${String(source?.split ?? 'unknown')}\` split in ${buckets.length} clip sizes (the last leg's buckets: one size per batch, drawn by ratio; README: Sizes and aspects), families: ${families}:`,
          '',
          '| clip (width×height×frames) | samples | world seed | fps | folder |',
          '|---|---|---|---|---|',
          ...buckets.map((b) => {
            const src = b.source ?? {};
            const dims = src.width !== undefined ? `${String(src.width)}×${String(src.height)}×${String(src.numFrames)}` : 'unknown';
            return `| ${dims} | ${b.samples !== null ? n(b.samples) : '?'} | ${String(src.seed ?? '?')} | ${String(src.fps ?? g.fps)} | \`${b.path}\` |`;
          }),
          '',
        ]
      : [
          `${t.data.samples !== null ? n(t.data.samples) : 'unknown number of'} samples of the world's \`${String(source?.split ?? 'unknown')}\` split, seed ${String(source?.seed ?? '?')}, families: ${families}`,
          `(${String(source?.numFrames ?? clip.frames)} frames ${String(source?.width ?? clip.width)}×${String(source?.height ?? clip.height)} at ${String(source?.fps ?? g.fps)} fps).`,
        ]),
    'The `id` split draws radius 0.7–1.5 and speed 1–4 units/s and',
    'leaves out the held-out colour×shape×family combinations of the `combo` split (README: Splits).',
    '',
    '## Training',
    '',
    '| | |',
    '|---|---|',
    ...(legs.length > 1
      ? [
          `| steps | ${n(legs.reduce((a, l) => a + l.step, 0))} in ${legs.length} legs (below) = ${n(samples)} samples seen${t.data.samples ? ` (${(samples / t.data.samples).toFixed(1)} epochs)` : ''} |`,
          `| optimiser | AdamW; last leg: peak learning rate ${t.lr}, ${t.warmup} warm-up steps then cosine, caption dropout ${t.captionDropout}, seed ${t.seed} |`,
          `| time | ${hours(legs.reduce((a, l) => a + l.stepSeconds, 0))} in training steps over all legs |`,
        ]
      : [
          `| steps | ${n(t.step)} at batch ${t.batchSize} = ${n(t.samplesSeen)} samples seen${t.data.samples ? ` (${(t.samplesSeen / t.data.samples).toFixed(1)} epochs)` : ''} |`,
          `| optimiser | AdamW, peak learning rate ${t.lr}, ${t.warmup} warm-up steps then cosine, caption dropout ${t.captionDropout}, seed ${t.seed} |`,
          `| time | ${t.wallSeconds !== null ? `${hours(t.wallSeconds)} wall clock (checkpoints and preview samples included)` : 'wall clock not recorded'}; ${hours(t.stepSeconds)} in training steps |`,
        ]),
    `| timesteps | ${t.timesteps ? `logit-normal, mean ${t.timesteps.m}, std ${t.timesteps.s}` : `the ${config.objective} default`}${legs.length > 1 ? ' (last leg)' : ''} |`,
    `| hardware | ${t.hardware.cpu}, ${t.hardware.cores} cores; backend \`${t.hardware.backend}\`; ${t.hardware.platform}, Node ${t.hardware.node} |`,
    `| final loss | ${t.loss.final.toFixed(4)} (last step); ${t.loss.smoothed.toFixed(4)} (mean of the last ${t.loss.smoothingSteps} steps) |`,
    '',
    ...(legs.length > 1
      ? [
          'Each leg starts from the previous leg\'s checkpoint (`--init`) with a fresh optimizer and its own schedule',
          '(the step counts and losses below are per leg):',
          '',
          '| leg | run | steps | batch | samples | peak lr | warm-up | timesteps | hard negatives | given frames | seed | time in steps | final loss (mean of 100) |',
          '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
          ...legs.map(
            (l, i) =>
              `| ${i + 1} | \`${l.run}\` to step ${n(l.step)} | ${n(l.step)} | ${l.batchSize} | ${n(l.samplesSeen)} | ${l.lr} | ${l.warmup} | ${l.timesteps ? `m ${l.timesteps.m}, s ${l.timesteps.s}` : 'default'} | ${l.negatives ? `${l.negatives.swaps}, weight ${l.negatives.weight}` : '—'} | ${l.frameConditioning ? 'trained with' : '—'} | ${l.seed} | ${hours(l.stepSeconds)} | ${l.loss.smoothed.toFixed(4)} |`,
          ),
          ...(legs.some((l) => l.negatives)
            ? ['', 'Hard negatives (`--negatives`): each caption with those words swapped is also denoised, and a smooth hinge asks it to do worse than the true caption; the final loss of those legs includes the weighted hinge.']
            : []),
          '',
          ...(input.notes ? [input.notes.trim(), ''] : []),
        ]
      : input.notes
        ? [input.notes.trim(), '']
        : []),
    `Loss${legs.length > 1 ? ' of the last leg' : ''} (mean of the ${t.loss.smoothingSteps} steps up to each step; step 1 alone):`,
    '',
    `| step | ${t.loss.milestones.map((x) => n(x.step)).join(' | ')} |`,
    `|---|${t.loss.milestones.map(() => '---').join('|')}|`,
    `| loss | ${t.loss.milestones.map((x) => x.loss.toFixed(4)).join(' | ')} |`,
    '',
    ...(t.lastEvaluations ? [...t.lastEvaluations.map(trackedLine), ''] : t.lastEvaluation ? [trackedLine(t.lastEvaluation), ''] : []),
    '## Quality check',
    '',
  ];
  if (!check) {
    lines.push('Not run when this folder was shipped. Run it with:', '', '```sh', input.checkCommand, '```', '');
  } else {
    const s = check.settings;
    lines.push(
      `${check.counts.videos} held-out \`id\` prompts (world seed ${check.heldOut.seed}, indices from ${n(check.heldOut.firstIndex)}: scenes the training data never`,
      `drew), one video each (seed ${s.seed}, ${s.sampler}, ${s.steps} steps, guidance ${s.guidance}), measured against each prompt's true scene`,
      '(eval/check/quality-measures.ts):',
      '',
      '| check | videos | rate | required | |',
      '|---|---|---|---|---|',
      `| every prompted object's colour present | ${check.counts.colorOk}/${check.counts.videos} | ${pct(check.rates.color)} | ≥ ${pct(check.required.color)} | ${check.rates.color >= check.required.color ? 'pass' : '**fail**'} |`,
      `| every moving object moves in the prompted direction | ${check.counts.motionOk}/${check.counts.motionVideos} | ${pct(check.rates.motion)} | ≥ ${pct(check.required.motion)} | ${check.rates.motion >= check.required.motion ? 'pass' : '**fail**'} |`,
      '',
      'By family (colour / motion, videos passing of those measured):',
      '',
      '| family | colour | motion |',
      '|---|---|---|',
      ...familyRows(check),
      '',
      'Ground-truth renders of the same prompts score 100% on both; the same clips played backwards pass the motion',
      'test in under 10%. This is a small stand-in for the evaluation harness: it does not judge physics (gravity,',
      'bounces, collisions), sizes, shapes or relations.',
      '',
    );
  }
  lines.push(
    '## Reproduce',
    '',
    '```sh',
    ...(t.reproduce.data ? [t.reproduce.data] : []),
    ...legs.map((l) => l.reproduce.train),
    input.shipCommand,
    input.checkCommand,
    '```',
    '',
    'Training is bit-identical run to run on the same backend (and resumes bit-identically); another backend or',
    'CPU gives slightly different numbers. The check is deterministic for the same weights and backend.',
    '',
    '## Files',
    '',
    '- `model.safetensors`: the weights (Python: `safetensors.numpy.load_file`; names and [out, in] layout as PyTorch).',
    '- `config.json`: model, text encoder and generation settings, and the weights\' size and sha256.',
    '- `training.json`: the training summary above, in full.',
    ...(check ? ['- `check.json`: the quality check, per video.'] : []),
    '',
  );
  return lines.join('\n');
}

function familyRows(check: QualityCheckResult): string[] {
  const families = [...new Set(check.videos.map((v) => v.family))];
  return families.map((family) => {
    const vs = check.videos.filter((v) => v.family === family);
    const moving = vs.filter((v) => v.motionOk !== null);
    const motion = moving.length ? `${moving.filter((v) => v.motionOk).length}/${moving.length}` : '–';
    return `| ${family} | ${vs.filter((v) => v.colorOk).length}/${vs.length} | ${motion} |`;
  });
}

/** The last training-time evaluation (`--eval-every`) of the shipped leg, in one sentence. */
function trackedLine({ step, eval: e }: EvalMetrics): string {
  const given = e.keep_frames > 0 ? `its first ${e.keep_frames} true frames given` : 'text only';
  const num = (x: number | null, digits: number) => (x === null ? 'n/a' : x.toFixed(digits));
  return (
    `Physics tracked while training (\`--eval-every\`, metrics.jsonl), last at step ${n(step)}: ${e.videos} prompts of \`${e.suite}\`${e.clip ? ` at ${e.clip}` : ''}, ${given}, ` +
    `EMA weights, as generated: abnormal rate ${num(e.abnormal_rate, 3)}, joint accuracy ${num(e.joint_accuracy, 3)}, ` +
    `${num(e.vanish_count, 2)} vanishings per video, median velocity error ${num(e.velocity_error, 2)} units/s, attribute accuracy ${num(e.attribute_accuracy, 3)}.`
  );
}

/** The recommended guidance in words: plain CFG, or the method (and the interval method's bounds). */
function guidanceText(g: GenerationDefaults): string {
  const { method, interval } = resolveGuidance(g, {});
  if (method === 'cfg') return `classifier-free guidance ${g.guidance}`;
  return `guidance ${g.guidance} by the \`${method}\` method${interval ? ` (CFG only for t in [${interval.join(', ')}], the conditional model elsewhere)` : ''}`;
}
