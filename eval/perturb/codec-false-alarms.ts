/**
 * Measures the scorer under lossy codecs: for every encoding in CODEC_VARIANTS (and the
 * lossless render for reference), the share of clean clips flagged abnormal, the rules that
 * flagged them, and each planted violation's AUROC (eval/perturb/codec-suite.ts).
 *
 *   npx tsx eval/perturb/codec-false-alarms.ts                 # every variant, CODEC_VALIDITY sizes
 *   npx tsx eval/perturb/codec-false-alarms.ts --only vp9 --clean 6 --perturb 2
 *   npx tsx eval/perturb/codec-false-alarms.ts --seed 23 --clean 10   # held-out clips (the rules were tuned on seed 11)
 */
import { CODEC_VARIANTS } from './codec.js';
import { CODEC_VALIDITY, codecClips, codecMarkdown, codecRow, runCodecVariant, type CodecRow } from './codec-suite.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const options = {
  ...CODEC_VALIDITY,
  cleanPerFamily: Number(arg('clean') ?? CODEC_VALIDITY.cleanPerFamily),
  perturbPerFamily: Number(arg('perturb') ?? CODEC_VALIDITY.perturbPerFamily),
  seed: Number(arg('seed') ?? CODEC_VALIDITY.seed),
};
const only = arg('only')?.toLowerCase();
const rows: CodecRow[] = [];
for (const size of [32, 64]) {
  const name = `lossless render, ${size}×${size}`;
  if (only && !name.toLowerCase().includes(only)) continue;
  const clips = codecClips(options, size);
  rows.push(codecRow(name, clips, clips.map((c) => c.video)));
  console.error(codecMarkdown(rows.slice(-1), options).split('\n').at(-2));
}
for (const v of CODEC_VARIANTS) {
  if (only && !v.name.toLowerCase().includes(only)) continue;
  const t0 = performance.now();
  rows.push(await runCodecVariant(v, options));
  console.error(codecMarkdown(rows.slice(-1), options).split('\n').at(-2), `(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
console.log(codecMarkdown(rows, options));
