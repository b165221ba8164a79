/**
 * Trains the video encoder and writes the shipped weights and their card:
 *
 *   nice -n 10 npx tsx eval/encoder/write-encoder.ts                      # the shipped recipe
 *   npx tsx eval/encoder/write-encoder.ts --steps 20 --out /tmp/enc      # a quick trial
 *
 *   eval/encoder/video-encoder.safetensors  F32 weights (video-encoder.ts reads them)
 *   eval/encoder/video-encoder.json         the card: data, steps, seed, backend, held-out scores, command
 *
 * Data: the 20,000-clip `id` dataset in runs/data-id (world seed 0; its last 1,000 clips held
 * out) plus fresh `ood` and `combo` samples (world seed 1) so the features cover every split
 * the suites use; held-out `ood` and `combo` samples come from world seed 2. The suites use
 * world seed 1000, so no suite clip is a training clip.
 *
 * Flags: --data DIR, --steps N, --batch B, --lr X, --seed S, --extra-per-family N,
 * --held-out-per-family N, --backend NAME, --out DIR (default eval/encoder).
 */
import fs from 'node:fs';
import path from 'node:path';
import { useBackend } from '../../base/compute/backend.js';
import { parseArgs } from '../../base/args.js';
import { writeFileAtomic } from '../../base/io/atomic.js';
import { sha256 } from '../../base/io/hash.js';
import { ENCODER_HEADS } from './encoder-heads.js';
import { NOISE_MAX_LEVELS, TRAIN_DEFAULTS, concatClips, datasetClips, generatedClips, range, scoreHeads, trainEncoder } from './train-encoder.js';
import { ENCODER_CLIP, ENCODER_CONFIG, ENCODER_VERSION, parameterShapes, saveEncoderWeights } from './video-encoder.js';

const HELD_OUT_ID = 1000;

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2), {
    data: 'string',
    steps: 'int',
    batch: 'int',
    lr: 'number',
    seed: 'string',
    'extra-per-family': 'int',
    'held-out-per-family': 'int',
    backend: 'string',
    out: 'string',
  });
  const o = {
    data: flags.data ?? 'runs/data-id',
    steps: flags.steps ?? 2000,
    batch: flags.batch ?? TRAIN_DEFAULTS.batch,
    lr: flags.lr ?? TRAIN_DEFAULTS.lr,
    seed: flags.seed ?? '1',
    extra: flags['extra-per-family'] ?? 100,
    heldOut: flags['held-out-per-family'] ?? 50,
    out: flags.out ?? path.join('eval', 'encoder'),
  };
  const backend = await useBackend({ requested: flags.backend });
  console.log(backend.summary);

  const t0 = performance.now();
  const total = JSON.parse(fs.readFileSync(path.join(o.data, 'manifest.json'), 'utf8')).numSamples as number;
  const train = concatClips([datasetClips(o.data, range(0, total - HELD_OUT_ID)), generatedClips('ood', 1, o.extra), generatedClips('combo', 1, o.extra)]);
  const heldOut = { id: datasetClips(o.data, range(total - HELD_OUT_ID, total)), ood: generatedClips('ood', 2, o.heldOut), combo: generatedClips('combo', 2, o.heldOut) };
  const dataSeconds = (performance.now() - t0) / 1000;
  console.log(`data: ${train.length} training clips, held out ${Object.values(heldOut).map((s) => s.length).join(' / ')} (id / ood / combo), ${dataSeconds.toFixed(0)}s`);

  const result = trainEncoder(train, {
    ...TRAIN_DEFAULTS,
    steps: o.steps,
    batch: o.batch,
    lr: o.lr,
    seed: o.seed,
    onLog: (step, loss, s) => console.log(`step ${step}/${o.steps}: loss ${loss.toFixed(4)} (${s.toFixed(0)}s)`),
  });
  const scores = Object.fromEntries(Object.entries(heldOut).map(([split, clips]) => [split, scoreHeads(result.params, clips)]));
  console.log(JSON.stringify(scores, null, 1));

  const weightsFile = path.join(o.out, 'video-encoder.safetensors');
  saveEncoderWeights(weightsFile, result.params);
  const bytes = fs.readFileSync(weightsFile);
  const parameters = Object.values(parameterShapes()).reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
  const card = {
    format: ENCODER_VERSION,
    weights: { file: 'video-encoder.safetensors', dtype: 'F32', parameters, bytes: bytes.length, sha256: sha256(bytes) },
    clip: ENCODER_CLIP,
    config: ENCODER_CONFIG,
    features: `the ${ENCODER_CONFIG.featureDim}-number penultimate layer (ReLU), eval/encoder/video-encoder.ts`,
    heads: ENCODER_HEADS.map((h) => ({ name: h.name, kind: h.kind, outputs: h.outputs, note: h.note })),
    data: { train: train.description, held_out: Object.fromEntries(Object.entries(heldOut).map(([k, s]) => [k, s.description])) },
    training: {
      steps: o.steps,
      batch: o.batch,
      lr: o.lr,
      weight_decay: TRAIN_DEFAULTS.weightDecay,
      schedule: 'AdamW, linear warm-up over 5% of the steps, cosine to lr/10',
      augmentation: `Gaussian pixel noise, σ uniform in [0, ${NOISE_MAX_LEVELS}] grey levels, on 3 clips in 4`,
      seed: o.seed,
      backend: backend.name,
      seconds: Math.round(result.seconds),
      losses: result.losses,
    },
    held_out: scores,
    command: `npx tsx eval/encoder/write-encoder.ts ${process.argv.slice(2).join(' ')}`.trim(),
    deterministic: 'the same command on the same backend writes the same bytes',
  };
  writeFileAtomic(path.join(o.out, 'video-encoder.json'), JSON.stringify(card, null, 1) + '\n');
  console.log(`wrote ${weightsFile} (${bytes.length} bytes, sha256 ${card.weights.sha256.slice(0, 12)}) and its card in ${((performance.now() - t0) / 1000).toFixed(0)}s`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
