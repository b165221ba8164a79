// What a latent model cannot do better than: the harness on the suites' own ground-truth clips
// after a round trip through the VAE (encode → decode), beside the clips themselves. A latent
// model draws through the same decoder, so the round trip's abnormal rate, joint accuracy and
// velocity error are the floor of any model on that VAE. Scored as generated (no MP4 step), as
// tracked evaluation scores. Usage:
//
//   npx tsx scripts/vae-harness-floor.ts [--vae models/vae] [--suites all-id,all-ood,all-combo] [--out reports/pixel-vs-latent/vae-floor.json]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from '../base/args.js';
import { useBackend } from '../base/compute/backend.js';
import { writeFileAtomic } from '../base/io/atomic.js';
import { createScorer } from '../eval/score.js';
import { trackingHeadline } from '../eval/run/track.js';
import { resolveSuite, suiteTruth } from '../eval/suites/suites.js';
import { loadVaeCodec } from '../src/model/vae-codec.js';
import { defaultVaeDir } from '../src/model/vae-folder.js';

const { flags } = parseArgs(process.argv.slice(2), { vae: 'string', suites: 'string', out: 'string' });
const vaeDir = flags.vae ?? defaultVaeDir();
const suites = (flags.suites ?? 'all-id,all-ood,all-combo').split(',');
const out = flags.out ?? 'reports/pixel-vs-latent/vae-floor.json';

await useBackend();
const codec = loadVaeCodec(vaeDir);
const score = createScorer({ physicsIq: false, reference: true });
const rows = [];
for (const name of suites) {
  const suite = resolveSuite(name);
  const truths = suite.items.map((item) => suiteTruth(item));
  const { numFrames: T, height: H, width: W } = truths[0].video;
  const z = codec.encode(truths.map((t) => t.video.frames), [T, H, W]);
  const back = codec.decode(z);
  z.dispose();
  for (const [kind, videos] of [['truth', truths.map((t) => t.video)], ['vae round trip', truths.map((t, k) => ({ ...t.video, frames: back[k] }))]] as const) {
    const scores = videos.map((video, k) => score({ video, caption: suite.items[k].caption, truth: truths[k].state }));
    const { videos: n, ...headline } = trackingHeadline(scores);
    const row = { suite: name, videos: kind, n, ...headline, violations: [...new Set(scores.flatMap((s) => s.violations))].sort() };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
codec.dispose();
fs.mkdirSync(path.dirname(out), { recursive: true });
writeFileAtomic(out, JSON.stringify({ format: 'spacetime-vae-harness-floor', version: 1, vae: path.relative(process.cwd(), vaeDir), created: new Date().toISOString(), rows }, null, 2) + '\n');
