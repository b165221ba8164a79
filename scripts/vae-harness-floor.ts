// What a latent model cannot do better than: the harness on the suites' own ground-truth clips
// after a round trip through the VAE (encode → decode), beside the clips themselves. A latent
// model draws through the same decoder, so the round trip's abnormal rate, joint accuracy and
// velocity error are the floor of any model on that VAE. Scored as generated (no MP4 step), as
// tracked evaluation scores. --sizes renders each suite's truth at other clip sizes
// (WIDTHxHEIGHTxFRAMES, default the world's 32x32x16): what a bucketed latent model on that VAE
// can reach at each size, and PSNR of the round trip beside it. Usage:
//
//   npx tsx scripts/vae-harness-floor.ts [--vae models/vae] [--suites all-id,all-ood,all-combo] [--sizes 32x32x16,64x64x16] [--out reports/pixel-vs-latent/vae-floor.json]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from '../base/args.js';
import { useBackend } from '../base/compute/backend.js';
import { writeFileAtomic } from '../base/io/atomic.js';
import { createScorer } from '../eval/score.js';
import { trackingHeadline } from '../eval/run/track.js';
import { resolveSuite, suiteItemAt, suiteTruth } from '../eval/suites/suites.js';
import { loadVaeCodec } from '../src/model/vae-codec.js';
import { defaultVaeDir } from '../src/model/vae-folder.js';

const { flags } = parseArgs(process.argv.slice(2), { vae: 'string', suites: 'string', sizes: 'string', out: 'string' });
const vaeDir = flags.vae ?? defaultVaeDir();
const suites = (flags.suites ?? 'all-id,all-ood,all-combo').split(',');
const sizes = flags.sizes?.split(',').map((s) => {
  const m = /^(\d+)x(\d+)x(\d+)$/.exec(s);
  if (!m) throw new Error(`--sizes: "${s}" is not WIDTHxHEIGHTxFRAMES`);
  return { width: Number(m[1]), height: Number(m[2]), numFrames: Number(m[3]) };
});
const out = flags.out ?? 'reports/pixel-vs-latent/vae-floor.json';

await useBackend();
const codec = loadVaeCodec(vaeDir);
const score = createScorer({ physicsIq: false, reference: true });
const rows = [];
for (const clip of sizes ?? [undefined]) for (const name of suites) {
  const suite = resolveSuite(name);
  const items = clip ? suite.items.map((item) => suiteItemAt(item, clip)) : suite.items; // the scenes (and captions) at this clip
  const truths = items.map((item) => suiteTruth(item, clip));
  const { numFrames: T, height: H, width: W } = truths[0].video;
  const z = codec.encode(truths.map((t) => t.video.frames), [T, H, W]);
  const back = codec.decode(z);
  z.dispose();
  for (const [kind, videos] of [['truth', truths.map((t) => t.video)], ['vae round trip', truths.map((t, k) => ({ ...t.video, frames: back[k] }))]] as const) {
    const scores = videos.map((video, k) => score({ video, caption: items[k].caption, truth: truths[k].state }));
    const { videos: n, ...headline } = trackingHeadline(scores);
    let psnr: number | undefined;
    if (kind !== 'truth') {
      let se = 0, count = 0;
      videos.forEach((v, k) => { const t = truths[k].video.frames; for (let i = 0; i < t.length; i++) se += (v.frames[i] - t[i]) ** 2; count += t.length; });
      psnr = 10 * Math.log10((255 * 255) / (se / count));
    }
    const row = { suite: name, ...(clip ? { size: `${W}x${H}x${T}` } : {}), videos: kind, n, ...headline, ...(psnr === undefined ? {} : { psnr }), violations: [...new Set(scores.flatMap((s) => s.violations))].sort() };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
codec.dispose();
fs.mkdirSync(path.dirname(out), { recursive: true });
writeFileAtomic(out, JSON.stringify({ format: 'spacetime-vae-harness-floor', version: 1, vae: path.relative(process.cwd(), vaeDir), created: new Date().toISOString(), rows }, null, 2) + '\n');
