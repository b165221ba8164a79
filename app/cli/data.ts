/**
 * `spacetime data …`: make, export, import and preview datasets of the physics world.
 * Thin: parses flags and calls datasets/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { exportSelection, importFolder, toStateFile } from '../../datasets/interchange.js';
import { makeDataset } from '../../datasets/make.js';
import { parseSelection } from '../../datasets/selection.js';
import { makeSample } from '../../datasets/world/sample.js';
import { UserError } from '../../base/errors.js';
import { ensureWritableDir, writeFileAtomic } from '../../base/io/atomic.js';
import { DEFAULT_PIXEL_SCALE, writeContactSheet, writeGif, writeMp4, type Video } from '../../base/video/index.js';
import { parseArgs, required, type FlagSpec } from '../../base/args.js';
import { Progress } from './progress.js';

const SELECTION_FLAGS = {
  families: 'string',
  split: 'string',
  n: 'int',
  seed: 'int',
  size: 'size',
  width: 'int',
  height: 'int',
  frames: 'int',
  fps: 'number',
  out: 'string',
  quiet: 'boolean',
  help: 'boolean',
} as const satisfies FlagSpec;

const HELP = `spacetime data — the synthetic physics world

  spacetime data make   --families F1,F2|all --split id|ood|combo --n N --seed S --out DIR
                        [--size WxH | --size S | --width W --height H] [--frames T] [--fps F] [--shard-size K]
      Sharded dataset (uint8 frames + JSONL metadata + manifest.json). Re-running with the
      same arguments skips finished shards; the same seed gives byte-identical shards.

  spacetime data export (same selection flags) --out DIR
      Interchange layout: DIR/videos/NAME.mp4, DIR/captions.csv, DIR/states/NAME.json.
      MP4s are stored at 2× (64×64 for a 32×32 clip); captions.csv and the states give
      the stored size and pixels, and the states record "pixel_scale": 2.

  spacetime data import --from DIR --out DATASET
      Any folder in the interchange layout (MP4s + captions.csv, states optional) → dataset,
      one video at a time; nothing is written if any row is bad.

  spacetime data sample [--family F] [--split S] [--seed S] [--index I] [--out DIR]
      Render one sample: an MP4, a GIF, a contact-sheet PNG and its ground-truth JSON.

Families: uniform, parabola, bounce, collision, occlusion, layout, slide.
Defaults: 32×32, 16 frames at 10 fps, split id, seed 0. --size is width × height in pixels
(48x32 landscape, 32x48 portrait) or S for S×S; the world is 10 units high and as wide as the
aspect makes it (15 units at 48x32), drawn at height/10 pixels per unit.`;

export async function runData(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'make':
      return make(rest);
    case 'export':
      return exportCmd(rest);
    case 'import':
      return importCmd(rest);
    case 'sample':
      return sample(rest);
    case undefined:
    case '--help':
    case 'help':
      console.log(HELP);
      return sub === undefined ? 1 : 0;
    default:
      throw new UserError(`unknown data command "${sub}" (expected make, export, import or sample)`);
  }
}

async function make(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, { ...SELECTION_FLAGS, 'shard-size': 'int' });
  if (flags.help) return help();
  const sel = parseSelection(flags);
  const out = required(flags.out, 'out');
  const progress = new Progress(sel.n, 'data make', 'samples', flags.quiet);
  const t0 = performance.now();
  const result = makeDataset(sel, { out, shardSize: flags['shard-size'], onProgress: (d) => progress.update(d) });
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `wrote ${result.made} samples (${result.skipped} already done) in ${result.manifest.shards.length} shards to ${out} in ${seconds.toFixed(1)}s`,
  );
  return 0;
}

async function exportCmd(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, { ...SELECTION_FLAGS, concurrency: 'int' });
  if (flags.help) return help();
  const sel = parseSelection(flags);
  const out = required(flags.out, 'out');
  const progress = new Progress(sel.n, 'data export', 'videos', flags.quiet);
  const n = await exportSelection(sel, { out, concurrency: flags.concurrency, onProgress: () => progress.tick() });
  console.log(`exported ${n} videos to ${out} (videos/, captions.csv, states/)`);
  return 0;
}

async function importCmd(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, { from: 'string', out: 'string', 'shard-size': 'int', quiet: 'boolean', help: 'boolean' });
  if (flags.help) return help();
  const from = required(flags.from, 'from');
  const out = required(flags.out, 'out');
  const manifest = await importFolder(from, { out, shardSize: flags['shard-size'] });
  console.log(`imported ${manifest.numSamples} videos from ${from} into ${out}`);
  return 0;
}

async function sample(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, {
    family: 'string',
    split: 'string',
    seed: 'int',
    index: 'int',
    size: 'size',
    frames: 'int',
    fps: 'number',
    out: 'string',
    help: 'boolean',
  });
  if (flags.help) return help();
  const sel = parseSelection({ ...flags, families: flags.family ?? 'bounce', n: 1 });
  const index = flags.index ?? 0;
  if (!Number.isInteger(index) || index < 0) throw new UserError(`--index must be a non-negative integer, got ${index}`);
  const out = flags.out ?? 'out/sample';
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new UserError(`--out ${out} exists and is not a folder`);
  ensureWritableDir(out);
  const { frames, meta } = makeSample({ family: sel.families[0], split: sel.split, seed: sel.seed, index, ...sel.clip });
  const video: Video = { frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps };
  const base = path.join(out, meta.name);
  await writeMp4(video, `${base}.mp4`);
  await writeGif(video, `${base}.gif`);
  writeContactSheet(video, `${base}.png`);
  writeFileAtomic(`${base}.json`, JSON.stringify(toStateFile(meta), null, 2) + '\n');
  console.log(`caption: "${meta.caption}"`);
  const s = DEFAULT_PIXEL_SCALE;
  console.log(`video:   ${base}.mp4  (${meta.width * s}×${meta.height * s} stored: each pixel of the ${meta.width}×${meta.height} clip as a ${s}×${s} block; ${meta.numFrames} frames at ${meta.fps} fps)`);
  console.log(`gif:     ${base}.gif  (${meta.width}×${meta.height})`);
  console.log(`sheet:   ${base}.png`);
  console.log(`truth:   ${base}.json  (positions in the ${meta.width}×${meta.height} clip's pixels, as the GIF and the sheet)`);
  return 0;
}

function help(): number {
  console.log(HELP);
  return 0;
}
