// The pixel-vs-latent experiment (issue 13, item 4) gathered into reports/pixel-vs-latent/:
// two runs of the same settings and data trained for the same wall-clock time, one on pixels and
// one on a VAE's latents (scripts/pixel-vs-latent.sh makes them), and the harness on each (text only, and with the
// first 4 true frames given). Writes comparison.json (every figure below, with its source) and
// README.md (the tables). Usage:
//
//   npx tsx scripts/pixel-vs-latent.ts [--runs runs] [--evals evals/pvl] [--out reports/pixel-vs-latent]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from '../base/args.js';
import { writeFileAtomic } from '../base/io/atomic.js';
import { pixelModel } from '../src/model/latent-space.js';
import { tokensPerVideo } from '../src/infer/generation-limits.js';
import type { TrainConfig } from '../src/train/train-config.js';

const { flags } = parseArgs(process.argv.slice(2), { runs: 'string', evals: 'string', out: 'string' });
const runsDir = flags.runs ?? 'runs';
const evalsDir = flags.evals ?? 'evals/pvl';
const out = flags.out ?? 'reports/pixel-vs-latent';

const MODELS = ['pixel', 'latent'] as const;
const SPLITS = ['id', 'ood', 'combo'] as const;
const HEADLINE = ['abnormal_rate', 'joint_accuracy', 'vanish_count', 'attribute_accuracy', 'velocity_error', 'position_ade', 'fd_encoder'] as const;

interface StepLine {
  step: number;
  loss: number;
  seconds: number;
  samples_per_s: number;
}

function training(model: string) {
  const run = path.join(runsDir, `pvl-${model}`);
  const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')) as TrainConfig;
  const steps = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StepLine).filter((m) => m.seconds !== undefined);
  const seconds = steps.reduce((s, m) => s + m.seconds, 0);
  const pixel = pixelModel(config);
  return {
    run,
    latent: config.latent ? { vae: path.relative(process.cwd(), config.latent.vae), patch: config.latent.patch } : null,
    model: { channels: config.model.channels, grid: [config.model.frames, config.model.height, config.model.width], patch: config.model.patch, hidden: config.model.hidden, depth: config.model.depth },
    tokens: tokensPerVideo(pixel, pixel.frames, pixel.height, pixel.width),
    steps: steps.length,
    batchSize: config.batchSize,
    clipsSeen: steps.length * config.batchSize,
    stepSeconds: seconds,
    secondsPerStep: seconds / steps.length,
    finalLoss: steps.slice(-50).reduce((s, m) => s + m.loss, 0) / Math.min(50, steps.length),
  };
}

function evaluation(model: string, given: boolean) {
  const rows: Record<string, Record<string, number | null>> = {};
  for (const split of SPLITS) {
    const file = path.join(evalsDir, given ? `${model}-k4` : model, `all-${split}`, 'run.json');
    const run = JSON.parse(fs.readFileSync(file, 'utf8')) as { headline: Record<string, number | null>; timings?: { generate?: number } };
    rows[split] = Object.fromEntries(HEADLINE.map((k) => [k, run.headline[k] ?? null]));
  }
  return rows;
}

const result = {
  format: 'spacetime-pixel-vs-latent',
  version: 1,
  created: new Date().toISOString(),
  command: 'scripts/pixel-vs-latent.sh; npx tsx scripts/pixel-vs-latent.ts',
  models: Object.fromEntries(MODELS.map((m) => [m, { training: training(m), textOnly: evaluation(m, false), given4: evaluation(m, true) }])),
};

const f = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? '—' : x.toFixed(digits));
const lines: string[] = [];
lines.push('# Pixels or latents: the same DiT at equal training time', '');
lines.push(`Made by \`${result.command}\`; every figure is in comparison.json.`, '');
lines.push('| | pixel | latent |', '|---|---|---|');
const t = (m: (typeof MODELS)[number]) => result.models[m].training;
lines.push(`| tokens per 16×32×32 clip | ${t('pixel').tokens} | ${t('latent').tokens} |`);
lines.push(`| steps (batch ${t('pixel').batchSize}) | ${t('pixel').steps} | ${t('latent').steps} |`);
lines.push(`| clips seen | ${t('pixel').clipsSeen.toLocaleString('en-US')} | ${t('latent').clipsSeen.toLocaleString('en-US')} |`);
lines.push(`| training minutes (sum of step times) | ${(t('pixel').stepSeconds / 60).toFixed(1)} | ${(t('latent').stepSeconds / 60).toFixed(1)} |`);
lines.push(`| seconds a step | ${t('pixel').secondsPerStep.toFixed(3)} | ${t('latent').secondsPerStep.toFixed(3)} |`, '');
for (const [mode, key] of [['text only', 'textOnly'], ['first 4 frames given', 'given4']] as const) {
  lines.push(`**${mode}** (pixel / latent):`, '');
  lines.push(`| split | ${HEADLINE.join(' | ')} |`, `|---|${HEADLINE.map(() => '---').join('|')}|`);
  for (const split of SPLITS) {
    const p = result.models.pixel[key][split];
    const l = result.models.latent[key][split];
    lines.push(`| ${split} | ${HEADLINE.map((k) => `${f(p[k], k === 'fd_encoder' ? 0 : 3)} / ${f(l[k], k === 'fd_encoder' ? 0 : 3)}`).join(' | ')} |`);
  }
  lines.push('');
}
fs.mkdirSync(out, { recursive: true });
writeFileAtomic(path.join(out, 'comparison.json'), JSON.stringify(result, null, 2) + '\n');
writeFileAtomic(path.join(out, 'README.md'), lines.join('\n'));
console.log(lines.join('\n'));
