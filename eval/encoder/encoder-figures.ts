/**
 * Prints the table of what each Fréchet feature set sees: a ground-truth set A against another
 * ground-truth set B of the same families (the floor), and against B changed one way at a
 * time — an MP4 round trip, pixel noise, frames shuffled, played backwards, colours cycled
 * (the colour mix unchanged), every object red — and a set with a different family mix; for
 * the trained encoder (`fd_encoder`) and the fixed pixel features (`fd_pixel`), each with n
 * and an independent bootstrap 95% interval.
 *
 *   nice -n 10 npx tsx eval/encoder/encoder-figures.ts [--per-family 20] [--backend NAME] [--no-mp4]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../base/rng.js';
import { FAMILIES } from '../../datasets/world/spec.js';
import { parseArgs } from '../../base/args.js';
import { useBackend } from '../../base/compute/backend.js';
import { writeMp4, readVideo, type Video } from '../../base/video/index.js';
import { frechetWithInterval, type FrechetResult } from '../frechet/frechet.js';
import { addNoise, nextColour, recolour, reverseFrames, shuffleFrames, worldClips } from './clip-sets.js';
import { pixelFeatures } from './pixel-features.js';
import { loadVideoEncoder } from './video-encoder.js';

async function roundTrip(videos: readonly Video[]): Promise<Video[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encoder-figures-'));
  try {
    const out: Video[] = [];
    for (const [k, v] of videos.entries()) {
      const file = path.join(dir, `${k}.mp4`);
      await writeMp4(v, file);
      out.push(await readVideo(file));
    }
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2), { 'per-family': 'int', backend: 'string', 'no-mp4': 'boolean' });
  const perFamily = flags['per-family'] ?? 20;
  console.log((await useBackend({ requested: flags.backend })).summary);
  const a = worldClips(FAMILIES, 'id', 9001, perFamily);
  const b = worldClips(FAMILIES, 'id', 9002, perFamily);
  const mix = worldClips(['bounce', 'collision', 'layout'], 'id', 9003, Math.round((perFamily * FAMILIES.length) / 3));
  const sets: [string, Video[]][] = [
    ['B: other ground truth, same families', b.map((c) => c.video)],
    ...(flags['no-mp4'] ? [] : ([['B through an MP4 round trip', await roundTrip(b.map((c) => c.video))]] as [string, Video[]][])),
    ['B, frames shuffled', b.map((c, k) => shuffleFrames(c.video, Rng.from(`figures/shuffle/${k}`)))],
    ['B, played backwards', b.map((c) => reverseFrames(c.video))],
    ['B, pixel noise σ = 4 grey levels', b.map((c, k) => addNoise(c.video, 4, Rng.from(`figures/noise/${k}`)))],
    ['B, colours cycled (red → orange …: same colour mix)', b.map((c) => recolour(c, nextColour))],
    ['B, every object red', b.map((c) => recolour(c, () => 'red'))],
    ['bounce/collision/layout only', mix.map((c) => c.video)],
  ];
  const encoder = loadVideoEncoder();
  const reference = { encoder: encoder.features(a.map((c) => c.video)), pixel: a.map((c) => pixelFeatures(c.video)) };
  const cell = (r: FrechetResult) => `${r.fd.toFixed(3)} [${r.ci95.map((v) => v.toFixed(3)).join(', ')}]`;
  const rows: string[] = [];
  for (const [name, videos] of sets) {
    const e = frechetWithInterval(encoder.features(videos), reference.encoder, { seed: `figures/encoder/${name}` });
    const p = frechetWithInterval(videos.map((v) => pixelFeatures(v)), reference.pixel, { seed: `figures/pixel/${name}` });
    rows.push(`| ${name} | ${e.n.join(' vs ')} | ${cell(e)} | ${cell(p)} |`);
    console.log(rows[rows.length - 1]);
  }
  encoder.dispose();
  console.log(`\nagainst A (${a.length} ground-truth clips, world seed 9001, ${perFamily} per family); 200 independent bootstrap resamples\n`);
  console.log('| set | n | fd_encoder [95%] | fd_pixel [95%] |\n|---|---|---|---|');
  console.log(rows.join('\n'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
