// Training the video autoencoder on the tiny config: it learns, resumes bit-identically,
// and refuses a clobbered run, a DiT run, a dataset of the wrong clip size.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataset } from '../../datasets/make.js';
import { parseSelection } from '../../datasets/selection.js';
import { useBackend } from '../../base/compute/backend.js';
import { trainVae, type VaeStepMetrics } from './vae-trainer.js';
import { shipVae } from '../../app/ship/vae-ship.js';
import { loadCheckpoint } from '../model/checkpoint.js';
import { readVaeFolder } from '../model/vae-folder.js';
import { readVaeRunConfig } from './vae-train-config.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-vae-train-'));
const data = path.join(tmp, 'data');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await useBackend({});
  makeDataset(parseSelection({ families: 'uniform,bounce,layout,slide', n: 8, seed: 1, size: 16, frames: 4 }), { out: data });
});

const base = { preset: 'tiny', data, batchSize: 4, lr: 1e-2, warmup: 5, checkpointEvery: 3, emaDecay: 0.9, note: () => {} };
const readMetrics = (run: string) =>
  fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as VaeStepMetrics);

describe('trainVae', () => {
  it('learns: the PSNR of the last 10 of 80 steps is 6 dB over that of the first 10', async () => {
    const out = path.join(tmp, 'learn');
    await trainVae({ ...base, steps: 80, out, checkpointEvery: 1000 });
    const psnr = readMetrics(out).map((m) => m.psnr);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(psnr).toHaveLength(80);
    expect(mean(psnr.slice(-10)) - mean(psnr.slice(0, 10))).toBeGreaterThan(6);
  });

  it('resumes bit-identically: 6 steps straight equal 3 steps + resume to 6', async () => {
    const straight = path.join(tmp, 'straight');
    const resumed = path.join(tmp, 'resumed');
    await trainVae({ ...base, steps: 6, out: straight });
    await trainVae({ ...base, steps: 3, out: resumed });
    await trainVae({ ...base, steps: 6, out: resumed, resume: true, lr: 5 }); // a resumed run keeps its own settings
    const file = (run: string, name: string) => fs.readFileSync(path.join(run, 'checkpoints', 'step-00000006', name));
    for (const name of ['model.safetensors', 'ema.safetensors', 'optimizer.safetensors']) expect(file(resumed, name).equals(file(straight, name))).toBe(true);
    const strip = (m: VaeStepMetrics) => ({ ...m, samples_per_s: 0, seconds: 0 });
    expect(readMetrics(resumed).map(strip)).toEqual(readMetrics(straight).map(strip));
  });

  it('refuses to clobber a run, resumes only VAE runs, and wants clips of its size', async () => {
    const straight = path.join(tmp, 'straight');
    await expect(trainVae({ ...base, steps: 6, out: straight })).rejects.toThrow(/already holds a run; pass --resume/);
    const dit = path.join(tmp, 'dit');
    fs.mkdirSync(dit);
    fs.writeFileSync(path.join(dit, 'config.json'), JSON.stringify({ preset: 'tiny', model: {}, text: {} }));
    await expect(trainVae({ ...base, steps: 6, out: dit, resume: true })).rejects.toThrow(`${path.join(dit, 'config.json')}: not a video-autoencoder run`);
    const out = path.join(tmp, 'small');
    await expect(trainVae({ ...base, preset: 'small', steps: 1, out })).rejects.toThrow(/holds 4×16×16 clips; the small VAE trains on 16×32×32/);
    expect(fs.existsSync(out)).toBe(false);
    await expect(trainVae({ ...base, steps: 1, out, lr: -1 })).rejects.toThrow('--lr must be a finite number > 0, got -1');
  });

  it('--temporal-weight adds the frame-difference term; --init starts a second leg from a shipped folder', async () => {
    const plain = path.join(tmp, 'straight'); // 6 steps, temporal weight 0
    const temporal = path.join(tmp, 'temporal');
    await trainVae({ ...base, steps: 6, out: temporal, temporalWeight: 2 });
    const [a, b] = [readMetrics(plain), readMetrics(temporal)];
    expect(a[0].temporal_mse).toBeGreaterThan(0);
    expect(b[0].loss).toBeCloseTo(b[0].mse + 1e-4 * b[0].latent_ms + 2 * b[0].temporal_mse, 5); // the first step: same weights, the term added
    expect(a[0].loss).toBeCloseTo(a[0].mse + 1e-4 * a[0].latent_ms, 5);
    expect(b.at(-1)!.mse).not.toBe(a.at(-1)!.mse);

    shipVae({ run: plain, out: path.join(tmp, 'shipped'), evaluation: { perFamily: 1, families: ['uniform'] } });
    const shipped = readVaeFolder(path.join(tmp, 'shipped'));
    const leg = path.join(tmp, 'leg2');
    await trainVae({ ...base, steps: 1, lr: 1e-9, warmup: 0, out: leg, init: path.join(tmp, 'shipped') });
    const config = readVaeRunConfig(leg);
    expect(config.initFrom).toEqual({ vae: path.join(tmp, 'shipped'), sha256: shipped.config.weights.sha256 });
    // a learning rate of 1e-9 leaves the shipped (F16) weights as they were, to float32 rounding
    const ck = loadCheckpoint(leg);
    for (const [name, t] of Object.entries(shipped.weights)) {
      const w = ck.params[name].data;
      for (let i = 0; i < w.length; i += 97) expect(Math.abs(w[i] - t.data[i])).toBeLessThan(1e-5);
    }
    await expect(trainVae({ ...base, steps: 1, out: path.join(tmp, 'never'), init: path.join(tmp, 'nothing') })).rejects.toThrow(/nothing is not a VAE folder/);
    await expect(trainVae({ ...base, steps: 1, out: leg, init: path.join(tmp, 'shipped'), resume: true })).rejects.toThrow('--init starts a new run and --resume continues one');
  });

  it('--buckets: batches of several clip sizes, each bucket drawn by ratio; resumes bit-identically; refuses a size off its tubelet', async () => {
    const buckets = path.join(tmp, 'buckets');
    makeDataset(parseSelection({ families: 'uniform,bounce', n: 6, seed: 2, size: 16, frames: 4 }), { out: path.join(buckets, '16x16x4') });
    makeDataset(parseSelection({ families: 'uniform,bounce', n: 6, seed: 3, size: { width: 24, height: 16 }, frames: 8 }), { out: path.join(buckets, '24x16x8') });
    const sizes = [{ width: 16, height: 16, frames: 4, ratio: 1 }, { width: 24, height: 16, frames: 8, ratio: 1 }];
    const common = { ...base, data: buckets, buckets: sizes, batchSize: 2 };
    const [straight, resumed] = [path.join(tmp, 'bk-straight'), path.join(tmp, 'bk-resumed')];
    await trainVae({ ...common, steps: 6, out: straight });
    await trainVae({ ...common, steps: 3, out: resumed });
    await trainVae({ ...common, steps: 6, out: resumed, resume: true });
    expect(readMetrics(resumed).map((m) => m.loss)).toEqual(readMetrics(straight).map((m) => m.loss));
    expect(readVaeRunConfig(straight).buckets).toEqual(sizes);
    const cursor = loadCheckpoint(path.join(straight, 'checkpoints', 'step-00000006')).state.cursor as { batches: number; buckets: Record<string, unknown> };
    expect(cursor.batches).toBe(6);
    expect(Object.keys(cursor.buckets).sort()).toEqual(['16x16x4', '24x16x8']);
    // Both sizes were drawn: each bucket's cursor moved on.
    for (const c of Object.values(cursor.buckets) as { epoch: number; position: number }[]) expect(c.epoch * 6 + c.position).toBeGreaterThan(0);
    // Shipped: the latent scale measured on the bucket of the VAE's own clip size.
    shipVae({ run: straight, out: path.join(tmp, 'bk-shipped'), evaluation: { perFamily: 1, families: ['uniform'] } });
    expect(readVaeFolder(path.join(tmp, 'bk-shipped')).config.latent.scale).toBeGreaterThan(0);
    // 6 frames are not a multiple of the tiny VAE's 2-frame tubelet … 5 are.
    makeDataset(parseSelection({ families: 'uniform', n: 4, seed: 4, size: 16, frames: 5 }), { out: path.join(buckets, '16x16x5') });
    await expect(trainVae({ ...common, buckets: [sizes[0], { width: 16, height: 16, frames: 5, ratio: 1 }], steps: 1, out: path.join(tmp, 'bk-bad') })).rejects.toThrow(
      /16x16x5 holds 5×16×16 clips; the tiny VAE trains on clips whose frames and sides are multiples of its tubelet 2×4×4/,
    );
  });
});
