// The reproduce commands a model card prints: every non-default training flag, the objective included.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/model/config.js';
import { resolveTextEncoderConfig } from '../../src/text/config.js';
import { TRAIN_DEFAULTS, type TrainConfig } from '../../src/train/train-config.js';
import { dataCommand, trainCommand, trainingSources, type TrainingSummary } from './training-summary.js';

const config: TrainConfig = {
  ...TRAIN_DEFAULTS,
  preset: 'small',
  model: resolveConfig('small'),
  text: resolveTextEncoderConfig('small'),
  data: 'runs/data-id',
  steps: 4000,
};

describe('reproduce commands', () => {
  it('spell out the objective and every flag that differs from the defaults', () => {
    expect(trainCommand(config, 'runs/default')).toBe('npx spacetime train --preset small --data runs/data-id --steps 4000 --out runs/default --seed 0');
    expect(trainCommand({ ...config, objective: 'x-prediction', lr: 4e-4, warmup: 200, checkpointEvery: 250 }, 'runs/default')).toBe(
      'npx spacetime train --preset small --objective x-prediction --data runs/data-id --steps 4000 --out runs/default --lr 0.0004 --warmup 200 --checkpoint-every 250 --seed 0',
    );
  });

  it('name the VAE of a latent run, frame conditioning with hints, and the tracked evaluation', () => {
    const latent = { vae: path.join(process.cwd(), 'runs', 'vae-leg2'), sha256: '0'.repeat(64), patch: [4, 4, 4] as [number, number, number] };
    const run: TrainConfig = { ...config, latent, model: { ...config.model, frameConditioning: true, frameHints: true }, evaluation: { every: 1500, suite: 'all-id', keepFrames: 4, perCategory: 2 } };
    expect(trainCommand(run, 'runs/rt1')).toBe(
      'npx spacetime train --preset small --data runs/data-id --steps 4000 --out runs/rt1 --latent runs/vae-leg2 --frame-conditioning --frame-hints --eval-every 1500 --eval-suite all-id --eval-keep-frames 4 --eval-per-category 2 --seed 0',
    );
    expect(trainCommand({ ...run, latent: { ...latent, vae: '/elsewhere/vae' } }, 'r')).toContain('--latent /elsewhere/vae ');
    const sizes = [{ width: 32, height: 32, frames: 16 }, { width: 48, height: 32, frames: 16 }];
    expect(trainCommand({ ...run, evaluation: { ...run.evaluation!, sizes } }, 'r')).toContain('--eval-per-category 2 --eval-sizes 32x32x16,48x32x16 ');
  });

  it('rebuild the dataset from its manifest source', () => {
    const source = { families: ['uniform', 'parabola', 'bounce', 'collision', 'occlusion', 'layout', 'slide'], split: 'id', n: 20000, seed: 0, width: 32, height: 32, numFrames: 16, fps: 10 };
    expect(dataCommand(source, 'runs/data-id')).toBe('npx spacetime data make --families all --split id --n 20000 --seed 0 --out runs/data-id');
    expect(dataCommand({ ...source, families: ['bounce', 'slide'], width: 16, height: 16, numFrames: 4 }, 'd')).toBe(
      'npx spacetime data make --families bounce,slide --split id --n 20000 --seed 0 --size 16 --frames 4 --out d',
    );
  });
});

describe('legs of a run started from a shipped model folder', () => {
  it("take the folder's legs, and only the earlier ones once the folder holds this run's own ship", async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { summarizeTraining } = await import('./training-summary.js');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-legs-'));
    try {
      const folder = path.join(tmp, 'models', 'default');
      const run = path.join(tmp, 'runs', 'fc');
      fs.mkdirSync(folder, { recursive: true });
      fs.mkdirSync(run, { recursive: true });
      fs.writeFileSync(path.join(folder, 'config.json'), JSON.stringify({ format: 'spacetime-model' }));
      const before = { run: 'runs/v7', step: 1600, earlier: null };
      fs.writeFileSync(path.join(folder, 'training.json'), JSON.stringify(before));
      fs.writeFileSync(path.join(run, 'config.json'), JSON.stringify({ ...config, model: { ...config.model, frameConditioning: true }, initFrom: { checkpoint: folder, step: 0 } }));
      fs.writeFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 0.5, lr: 1e-4, grad_norm: 1, samples_per_s: 8, seconds: 1 }) + '\n');
      const first = summarizeTraining(run, 1, { backend: 'native' });
      expect(first.earlier).toEqual(before);
      expect(first.frameConditioning).toBe(true);
      // The run is shipped into the folder it started from, then shipped again: still one leg of it.
      fs.writeFileSync(path.join(folder, 'training.json'), JSON.stringify({ ...first, run }));
      expect(summarizeTraining(run, 1, { backend: 'native' }).earlier).toEqual(before);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('trainingSources', () => {
  it("lists every dataset a model saw: each leg's, each bucket's (what the quality check keeps its prompts out of)", () => {
    const source = (seed: number) => ({ command: 'data make', split: 'id', n: 100, seed });
    const leg = (data: object, earlier: object | null) => ({ data, earlier }) as unknown as TrainingSummary;
    const first = leg({ path: 'd0', source: source(0), samples: 100 }, null);
    const second = leg({ path: 'db', source: source(1), samples: 200, buckets: [{ path: 'db/32x32x16', source: source(1), samples: 100 }, { path: 'db/48x32x16', source: source(2), samples: 100 }] }, first);
    expect(trainingSources(second).map((s) => s.seed)).toEqual([0, 1, 2]);
    expect(trainingSources(leg({ path: 'gone', source: null, samples: null }, null))).toEqual([]);
  });
});
