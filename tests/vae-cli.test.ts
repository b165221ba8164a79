// `spacetime vae ship|info|roundtrip` on a tiny trained VAE, in this process: the folder and
// its codec, a round trip's file and PSNR, and bad inputs (wrong clip size, corrupt weights,
// a folder that is not a VAE, a DiT run) refused in one line with nothing written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../base/compute/backend.js';
import { encodePng, readVideo, writeMp4, type Video } from '../base/video/index.js';
import { makeDataset } from '../datasets/make.js';
import { parseSelection } from '../datasets/selection.js';
import { loadVaeCodec } from '../src/model/vae-codec.js';
import { VAE_FILES, readVaeFolder } from '../src/model/vae-folder.js';
import { trainVae } from '../src/train/vae-trainer.js';
import { spacetimeHere } from './spacetime-cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-vae-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const at = (name: string) => path.join(tmp, name);
const clip = (n: number): Video => ({ frames: Uint8Array.from({ length: n * 16 * 16 * 3 }, (_, i) => (i * 5) % 256), numFrames: n, height: 16, width: 16, fps: 10 });

const spacetime = spacetimeHere;

beforeAll(async () => {
  await useBackend();
  makeDataset(parseSelection({ families: 'uniform,layout', n: 8, seed: 1, size: 16, frames: 4 }), { out: at('data') });
  await trainVae({ preset: 'tiny', data: at('data'), steps: 4, out: at('run'), batchSize: 4, lr: 1e-2, warmup: 1, note: () => {} });
  await writeMp4(clip(4), at('in.mp4'));
  fs.writeFileSync(at('big.png'), encodePng(new Uint8Array(24 * 24 * 3), 24, 24));
}, 120_000);

describe('spacetime vae', () => {
  it('ship writes the folder (F16 weights, latent scale, evaluation, card); info and the codec read it', async () => {
    const shipped = await spacetime('vae', 'ship', '--run', at('run'), '--out', at('vae'), '--per-family', '1', '--quiet');
    expect(shipped.code).toBe(0);
    expect(shipped.out[0]).toMatch(/^shipped .* step 4 to .*vae \(\d+ bytes, latent scale \d+\.\d+\)$/);
    expect(shipped.out.join('\n')).toMatch(/^id +7 clips: PSNR [\d.]+ dB/m);
    expect(fs.readdirSync(at('vae')).sort()).toEqual(Object.values(VAE_FILES).sort());
    const { config } = readVaeFolder(at('vae'));
    expect(config.weights.dtype).toBe('F16');
    expect(config.latent.scale).toBeGreaterThan(0);
    expect(fs.readFileSync(at('vae/MODEL_CARD.md'), 'utf8')).toMatch(/\| id \| uniform \| 1 \|/);

    const info = await spacetime('vae', 'info', '--vae', at('vae'));
    expect(info.code).toBe(0);
    expect(info.out.join('\n')).toMatch(/compression: \[3, 4, 16, 16\] → \[4, 2, 4, 4\], 24× fewer values/);

    const codec = loadVaeCodec(at('vae'));
    const z = codec.encode([clip(4).frames], [4, 16, 16]);
    expect(z.shape.slice(1)).toEqual(codec.modelShape([4, 16, 16]));
    z.dispose();
    codec.dispose();
  });

  it('roundtrip writes the decoded clip and prints its PSNR', async () => {
    const r = await spacetime('vae', 'roundtrip', at('in.mp4'), '--out', at('out.mp4'), '--vae', at('vae'));
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/wrote .*out\.mp4: 4×16×16 through 4×2×4×4 latents on \w+, PSNR [\d.]+ dB$/);
    expect((await readVideo(at('out.mp4'))).numFrames).toBe(4);
  });

  it('train --resume without --steps keeps the run\'s own total (its cosine schedule), with --steps takes a new one', async () => {
    await trainVae({ preset: 'tiny', data: at('data'), steps: 6, out: at('short'), batchSize: 4, lr: 1e-2, warmup: 1, checkpointEvery: 2, note: () => {} });
    const lines = () =>
      fs.readFileSync(at('short/metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
        const { seconds: _s, samples_per_s: _r, ...line } = JSON.parse(l); // all but the timings
        return line;
      });
    const before = lines();
    // Cut the run back to its step-4 checkpoint, as if it had been stopped there.
    fs.rmSync(at('short/checkpoints/step-00000006'), { recursive: true });
    const again = await spacetime('vae', 'train', '--data', at('data'), '--out', at('short'), '--resume', '--quiet');
    expect(again.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(at('short/config.json'), 'utf8')).steps).toBe(6);
    expect(lines()).toEqual(before); // steps 5 and 6 again, bit for bit: same schedule
    fs.rmSync(at('short/checkpoints/step-00000006'), { recursive: true });
    const longer = await spacetime('vae', 'train', '--data', at('data'), '--out', at('short'), '--resume', '--steps', '8', '--quiet');
    expect(longer.code).toBe(0);
    expect(lines().map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(lines()[4].lr).not.toBe(before[4].lr); // step 5 under the longer cosine
  });

  it('refuses bad inputs in one line, writing nothing', async () => {
    fs.cpSync(at('vae'), at('corrupt'), { recursive: true });
    const weights = at(`corrupt/${VAE_FILES.weights}`);
    const bytes = fs.readFileSync(weights);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(weights, bytes);
    fs.mkdirSync(at('notvae'));
    fs.writeFileSync(at('notvae/config.json'), JSON.stringify({ format: 'spacetime-model', version: 1 }));
    fs.mkdirSync(at('ditrun'));
    fs.writeFileSync(at('ditrun/config.json'), JSON.stringify({ preset: 'tiny', model: {}, text: {} }));
    const never = at('never.mp4');
    const cases: [string[], RegExp][] = [
      [['roundtrip', at('big.png'), '--out', never, '--vae', at('vae')], /^spacetime: IN .*big\.png is 24×24: the model takes 16×16 frames/],
      [['roundtrip', at('in.mp4'), '--out', never, '--vae', at('corrupt')], /^spacetime: model weights .*corrupt\/model\.safetensors do not match the sha256/],
      [['roundtrip', at('in.mp4'), '--out', never, '--vae', at('notvae')], /^spacetime: bad VAE config .*notvae\/config\.json: not a spacetime-vae version 1 config/],
      [['info', '--vae', at('run')], /^spacetime: .*run is not a VAE folder \(no config\.json\)|bad VAE config .*run\/config\.json/],
      [['ship', '--run', at('ditrun'), '--out', at('never')], /^spacetime: .*ditrun\/config\.json: not a video-autoencoder run/],
      [['ship', '--run', at('run'), '--out', at('vae')], /^spacetime: .*vae already exists; pass --force to replace it$/],
      [['train', '--data', at('data'), '--out', at('run')], /^spacetime: .*run already holds a run; pass --resume/],
    ];
    for (const [argv, message] of cases) {
      const r = await spacetime('vae', ...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.at(-1), argv.join(' ')).toMatch(message);
    }
    expect(fs.existsSync(never)).toBe(false);
    expect(fs.existsSync(at('never'))).toBe(false);
  });
});
