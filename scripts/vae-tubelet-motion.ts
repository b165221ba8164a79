// Where in its tubelet a VAE round trip moves object centroids (held-out id clips, 8 per family, world
// seed 7): the mean displacement (world units) by frame t mod pt, and the error of the frame-to-frame
// motion (units a frame) for pairs inside a tubelet and across a tubelet boundary. Usage:
//
//   npx tsx scripts/vae-tubelet-motion.ts [VAE_DIR]   (default models/vae)
import { useBackend } from '../base/compute/backend.js';
import { makeSample } from '../datasets/world/sample.js';
import { FAMILIES } from '../datasets/world/spec.js';
import { loadVaeCodec } from '../src/model/vae-codec.js';
import { defaultVaeDir } from '../src/model/vae-folder.js';
import { parseVideo } from '../eval/parse/tracks.js';
await useBackend();
const codec = loadVaeCodec(process.argv[2] ?? defaultVaeDir());
const pt = codec.vae.config.patch[0];
const byPhase = Array.from({ length: pt }, () => [] as number[]);
const [motionInside, motionAcross] = [[] as number[], [] as number[]];
for (const family of FAMILIES) {
  const samples = Array.from({ length: 8 }, (_, index) => makeSample({ family, split: 'id', seed: 7, index }));
  const z = codec.encode(samples.map((s) => s.frames), [16, 32, 32]);
  const back = codec.decode(z);
  z.dispose();
  samples.forEach((s, i) => {
    const v = { numFrames: 16, height: 32, width: 32, fps: s.meta.fps ?? 10 };
    const [a, b] = [parseVideo({ ...v, frames: s.frames }), parseVideo({ ...v, frames: back[i] })];
    for (const ta of a.tracks) {
      const tb = b.tracks.find((t) => t.color === ta.color);
      if (!tb) continue;
      const at = new Map(ta.points.map((p) => [p.frame, p]));
      const bt = new Map(tb.points.map((p) => [p.frame, p]));
      for (let t = 0; t < 16; t++) {
        const [p, q] = [at.get(t), bt.get(t)];
        if (!p || !q) continue;
        byPhase[t % pt].push(Math.hypot(p.x - q.x, p.y - q.y));
        const [p1, q1] = [at.get(t + 1), bt.get(t + 1)];
        if (!p1 || !q1) continue;
        const e = Math.hypot((p1.x - p.x) - (q1.x - q.x), (p1.y - p.y) - (q1.y - q.y));
        (t % pt === pt - 1 ? motionAcross : motionInside).push(e);
      }
    }
  });
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`centroid error by t mod ${pt} (units):`, byPhase.map((xs) => mean(xs).toFixed(4)).join(' '));
console.log('motion error per frame pair (units/frame): inside a tubelet', mean(motionInside).toFixed(4), 'n', motionInside.length, '; across a boundary', mean(motionAcross).toFixed(4), 'n', motionAcross.length);
codec.dispose();
