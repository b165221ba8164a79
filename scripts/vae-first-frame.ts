// A single given frame through the VAE: frame 0 encoded as a still clip (the frame repeated) against
// the same frame inside its own moving clip, 8 clips per family and split (README, latent mode).
//   npx tsx scripts/vae-first-frame.ts [models/vae]
import { useBackend } from '../base/compute/backend.js';
import { psnr } from '../base/video/video.js';
import { makeSample } from '../datasets/world/sample.js';
import { FAMILIES } from '../datasets/world/spec.js';
import { loadVaeCodec } from '../src/model/vae-codec.js';
await useBackend({});
const codec = loadVaeCodec(process.argv[2] ?? 'models/vae');
const F = 32 * 32 * 3;
const frame = (frames: Uint8Array, t: number) => ({ frames: frames.subarray(t * F, (t + 1) * F), numFrames: 1, height: 32, width: 32, fps: 10 });
for (const split of ['id', 'ood'] as const) {
  const [inClip, still] = [[] as number[], [] as number[]];
  for (const family of FAMILIES) {
    const clips = Array.from({ length: 8 }, (_, index) => makeSample({ family, split, seed: 7, index }).frames);
    const back = codec.decode(codec.encode(clips, [16, 32, 32]));
    const stills = clips.map((c) => { const s = new Uint8Array(16 * F); for (let t = 0; t < 16; t++) s.set(c.subarray(0, F), t * F); return s; });
    const backStill = codec.decode(codec.encode(stills, [16, 32, 32]));
    clips.forEach((c, i) => {
      inClip.push(Math.min(99, psnr(frame(c, 0), frame(back[i], 0))));
      still.push(Math.min(99, psnr(frame(c, 0), frame(backStill[i], 0))));
    });
  }
  const mean = (xs: number[]) => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2);
  console.log(JSON.stringify({ split, clips: inClip.length, frame0_in_clip_db: mean(inClip), frame0_as_still_db: mean(still) }));
}
