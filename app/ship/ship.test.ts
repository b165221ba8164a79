// Shipping a run as a model folder: F16 weights that load back within half precision (and
// that Python's safetensors reads), config + training summary + check + card, written
// atomically; the pipeline generates from the folder.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataset } from '../../datasets/make.js';
import { parseSelection } from '../../datasets/selection.js';
import { useBackend } from '../../base/compute/backend.js';
import { UserError } from '../../base/errors.js';
import { loadCheckpoint } from '../../src/model/checkpoint.js';
import { train } from '../../src/train/trainer.js';
import { MODEL_FILES, isModelFolder, readModelFolder, type ModelFolderConfig } from '../../src/model/model-folder.js';
import { shipModel } from './ship.js';
import { generateVideos, loadPipeline, type GenerateRequest } from '../../src/infer/pipeline.js';
import { generationRecord } from '../../src/provenance/record.js';
import { runQualityCheck } from '../../eval/check/quality-check.js';
import type { TrainingSummary } from './training-summary.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-ship-'));
const run = path.join(tmp, 'run');
const out = path.join(tmp, 'models', 'tiny');
let backend = '';
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  backend = (await useBackend({})).name;
  const data = path.join(tmp, 'data');
  makeDataset(parseSelection({ families: 'uniform,bounce', n: 4, seed: 1, size: 16, frames: 4 }), { out: data });
  await train({ preset: 'tiny', data, steps: 6, out: run, batchSize: 2, lr: 1e-2, warmup: 2, checkpointEvery: 3, emaDecay: 0.5, sampleEvery: 0 });
});

describe('shipModel', () => {
  it('writes F16 EMA weights that load back within half precision, with config, summary, check and card', () => {
    const result = shipModel({ run, out, backend, check: { n: 2, steps: 2 } });
    expect(fs.readdirSync(out).sort()).toEqual(Object.values(MODEL_FILES).sort());
    expect(fs.readdirSync(path.dirname(out))).toEqual(['tiny']); // no staging folder left
    expect(isModelFolder(out)).toBe(true);

    const ema = loadCheckpoint(run).ema!;
    const { config, weights } = readModelFolder(out);
    expect(config.weights).toMatchObject({ dtype: 'F16', source: 'ema', parameters: result.parameters, bytes: result.bytes });
    expect(config.generation).toEqual({ steps: 25, guidance: 3, sampler: 'heun', fps: 10, shift: 1 });
    expect(Object.keys(weights).sort()).toEqual(Object.keys(ema).sort());
    // 2 bytes per parameter plus the JSON header.
    expect(result.bytes - 2 * result.parameters).toBeGreaterThan(0);
    expect(result.bytes - 2 * result.parameters).toBeLessThan(20_000);
    let worst = 0;
    for (const [name, t] of Object.entries(ema)) {
      expect(weights[name].shape).toEqual(t.shape);
      t.data.forEach((x, i) => {
        // half: relative 2^-11 for normals, absolute 2^-25 below 2^-14
        const err = Math.abs(weights[name].data[i] - x) / Math.max(Math.abs(x), 2 ** -14);
        worst = Math.max(worst, err);
      });
    }
    expect(worst).toBeLessThanOrEqual(2 ** -11);
    expect(worst).toBeGreaterThan(0); // really rounded to half

    const training = JSON.parse(fs.readFileSync(path.join(out, MODEL_FILES.training), 'utf8')) as TrainingSummary;
    expect(training).toMatchObject({ step: 6, samplesSeen: 12, batchSize: 2, preset: 'tiny', data: { samples: 4 } });
    expect(training.loss.milestones.map((m) => m.step)).toEqual([1, 6]);
    expect(training.hardware.cores).toBe(os.cpus().length);
    expect(training.hardware.backend).toBe(backend);
    expect(training.reproduce.train).toBe(`npx spacetime train --preset tiny --data ${path.join(tmp, 'data')} --steps 6 --out ${run} --batch-size 2 --lr 0.01 --warmup 2 --checkpoint-every 3 --sample-every 0 --seed 0`);
    const check = JSON.parse(fs.readFileSync(path.join(out, MODEL_FILES.check), 'utf8'));
    expect(check).toMatchObject({ model: out, counts: { videos: 2 }, settings: { n: 2, steps: 2, frames: 4, height: 16, width: 16 } });
    expect(result.check?.rates).toEqual(check.rates);
    const card = fs.readFileSync(path.join(out, MODEL_FILES.card), 'utf8');
    expect(card).toContain('| steps | 6 at batch 2 = 12 samples seen (3.0 epochs) |');
    expect(card).toContain(`| hardware | ${os.cpus()[0].model.trim()}, ${os.cpus().length} cores; backend \`${backend}\``);
    expect(card).toMatch(/\| every prompted object's colour present \| \d\/2 \|/);
    expect(card).toContain(`npx spacetime model check --checkpoint ${out} --n 2 --seed 1 --out check.json`);
  });

  it('a run started with --init ships with its legs: samples per leg, both train commands, the notes', async () => {
    const leg2 = path.join(tmp, 'leg2');
    const data = path.join(tmp, 'data');
    const from = path.join(run, 'checkpoints', 'step-00000006');
    await train({ preset: 'tiny', data, steps: 3, out: leg2, batchSize: 4, lr: 1e-3, warmup: 1, checkpointEvery: 3, sampleEvery: 0, seed: 2, init: from, timesteps: { m: 1.2, s: 1 } });
    const out2 = path.join(tmp, 'models-leg2', 'tiny');
    // A recommendation the guidance code refuses is refused before anything is written.
    expect(() => shipModel({ run: leg2, out: out2, backend, check: false, guidanceMethod: 'apg', guidanceInterval: [0.3, 0.9] })).toThrow('"guidanceInterval" applies to the interval method, not apg');
    expect(() => shipModel({ run: leg2, out: out2, backend, check: false, guidanceMethod: 'nope' })).toThrow('unknown guidance method "nope"');
    expect(fs.existsSync(out2)).toBe(false);
    shipModel({ run: leg2, out: out2, backend, check: false, notes: 'Leg 2 trains more at high noise.', shift: 3, guidanceMethod: 'interval', guidanceInterval: [0.3, 0.9] });
    // The folder's time shift and guidance method are its sampling defaults: generate uses them unless told otherwise.
    expect(readModelFolder(out2).config.generation).toEqual({ steps: 25, guidance: 3, sampler: 'heun', fps: 10, shift: 3, guidanceMethod: 'interval', guidanceInterval: [0.3, 0.9] });
    const pipe = loadPipeline(out2);
    const request = { prompt: 'a red ball bounces on the floor', steps: 3, seeds: [5] };
    const frames = (more: Partial<GenerateRequest> = {}) => Buffer.from(generateVideos(pipe, { ...request, ...more })[0].frames);
    expect(frames().equals(frames({ shift: 3, guidanceMethod: 'interval', guidanceInterval: [0.3, 0.9] }))).toBe(true);
    expect(frames().equals(frames({ shift: 1 }))).toBe(false);
    expect(frames().equals(frames({ guidanceMethod: 'cfg' }))).toBe(false);
    expect(frames({ guidanceInterval: [0, 1] }).equals(frames({ guidanceMethod: 'cfg' }))).toBe(true); // the model's method, the request's interval
    expect(() => frames({ guidanceMethod: 'apg', guidanceInterval: [0, 1] })).toThrow('--guidance-interval applies to --guidance-method interval, not apg');
    // The provenance record names what was used: the model's method, or the request's.
    expect(generationRecord(pipe, request)).toMatchObject({ shift: 3, guidanceMethod: 'interval', guidanceInterval: [0.3, 0.9] });
    expect(generationRecord(pipe, { ...request, guidanceMethod: 'cfg' })).not.toHaveProperty('guidanceMethod');
    // The quality check samples as generate does: the folder's settings unless told otherwise.
    const own = { ...pipe, generation: { ...pipe.generation!, steps: 2, guidance: 1.5 } };
    expect(runQualityCheck(own, { n: 1 }).settings).toMatchObject({ steps: 2, guidance: 1.5, shift: 3, guidanceMethod: 'interval', guidanceInterval: [0.3, 0.9] });
    expect(runQualityCheck(own, { n: 1, steps: 1, guidanceMethod: 'cfg' }).settings).not.toHaveProperty('guidanceMethod');
    // …at the model's clip, or at a size it is asked for (a bucketed model at each trained size).
    expect(runQualityCheck(own, { n: 1, steps: 1 }).settings).toMatchObject({ frames: 4, height: 16, width: 16 });
    const wide = runQualityCheck(own, { n: 2, steps: 1, size: { width: 24, height: 16 }, frames: 8 });
    expect(wide.settings).toMatchObject({ frames: 8, height: 16, width: 24 });
    expect(wide.counts.videos).toBe(2);
    pipe.net.dit.dispose();
    pipe.net.encoder.dispose();
    const training = JSON.parse(fs.readFileSync(path.join(out2, MODEL_FILES.training), 'utf8')) as TrainingSummary;
    expect(training).toMatchObject({ step: 3, samplesSeen: 12, batchSize: 4, timesteps: { m: 1.2, s: 1 }, earlier: { run, step: 6, samplesSeen: 12, batchSize: 2, earlier: null } });
    expect(training.reproduce.train).toBe(`npx spacetime train --preset tiny --data ${data} --steps 3 --out ${leg2} --init ${from} --logit-mean 1.2 --logit-std 1 --batch-size 4 --lr 0.001 --warmup 1 --checkpoint-every 3 --sample-every 0 --seed 2`);
    const card = fs.readFileSync(path.join(out2, MODEL_FILES.card), 'utf8');
    expect(card).toContain('| steps | 9 in 2 legs (below) = 24 samples seen (6.0 epochs) |');
    expect(card).toMatch(new RegExp(`\\| 1 \\| \`${run}\` to step 6 \\| 6 \\| 2 \\| 12 \\|`));
    expect(card).toMatch(new RegExp(`\\| 2 \\| \`${leg2}\` to step 3 \\| 3 \\| 4 \\| 12 \\| 0.001 \\| 1 \\| m 1.2, s 1 \\| — \\| — \\| 2 \\|`));
    expect(card).toContain('Leg 2 trains more at high noise.');
    expect(card).toContain('| generation defaults | heun, 25 steps, time shift 3, guidance 3 by the `interval` method (CFG only for t in [0.3, 0.9], the conditional model elsewhere) |');
    expect(card).toContain(`npx spacetime model ship --run ${leg2} --shift 3 --guidance-method interval --guidance-interval 0.3,0.9 --out ${out2}`);
    expect(card.indexOf(training.earlier!.reproduce.train)).toBeLessThan(card.indexOf(training.reproduce.train));
    // An earlier leg whose run folder is gone is named, not a crash; nothing is written.
    const moved = path.join(tmp, 'leg2-orphan');
    fs.cpSync(leg2, moved, { recursive: true });
    const config = JSON.parse(fs.readFileSync(path.join(moved, 'config.json'), 'utf8'));
    fs.writeFileSync(path.join(moved, 'config.json'), JSON.stringify({ ...config, initFrom: { checkpoint: path.join(tmp, 'gone', 'checkpoints', 'step-00000006'), step: 6 } }));
    const out3 = path.join(tmp, 'models-orphan', 'tiny');
    expect(() => shipModel({ run: moved, out: out3, backend, check: false })).toThrow(/started from .*gone.* \(--init\), but that run's config\.json and metrics\.jsonl are gone/);
    expect(fs.existsSync(out3)).toBe(false);
  });

  it('is what the pipeline loads: the same videos from the folder every time', () => {
    const pipe = loadPipeline(out);
    expect(pipe.generation).toEqual({ steps: 25, guidance: 3, sampler: 'heun', fps: 10, shift: 1 });
    const request = { prompt: 'a red ball bounces on the floor', steps: 2 };
    const [a] = generateVideos(pipe, { ...request, seeds: [3] });
    const [b] = generateVideos(pipe, { ...request, seeds: [3] });
    expect(a).toMatchObject({ numFrames: 4, height: 16, width: 16, fps: 10 });
    expect(Buffer.from(a.frames).equals(Buffer.from(b.frames))).toBe(true);
    pipe.net.dit.dispose();
    pipe.net.encoder.dispose();
  });

  it('refuses to replace a folder without force, replaces it with force, and refuses damaged weights', () => {
    expect(() => shipModel({ run, out, backend, check: false })).toThrow(/already exists; pass --force/);
    const older = path.join(run, 'checkpoints', 'step-00000003');
    const result = shipModel({ run, checkpoint: older, out, backend, check: false, force: true });
    expect(result.step).toBe(3);
    expect(fs.readdirSync(out).sort()).toEqual(['MODEL_CARD.md', 'config.json', 'model.safetensors', 'training.json']);
    expect(fs.readFileSync(path.join(out, MODEL_FILES.card), 'utf8')).toContain('Not run when this folder was shipped');
    expect(fs.readdirSync(path.dirname(out))).toEqual(['tiny']);

    const weightsFile = path.join(out, MODEL_FILES.weights);
    const bytes = fs.readFileSync(weightsFile);
    bytes[bytes.length - 1] ^= 1;
    fs.writeFileSync(weightsFile, bytes);
    expect(() => readModelFolder(out)).toThrow(/do not match the sha256 in config\.json/);
    fs.writeFileSync(weightsFile, 'version https://git-lfs.github.com/spec/v1\n');
    expect(() => loadPipeline(out)).toThrow(UserError);
    expect(() => loadPipeline(out)).toThrow(/truncated, or a Git LFS pointer/);
    const config = JSON.parse(fs.readFileSync(path.join(out, MODEL_FILES.config), 'utf8')) as ModelFolderConfig;
    fs.writeFileSync(path.join(out, MODEL_FILES.config), JSON.stringify({ ...config, model: { ...config.model, depth: 'two' } }));
    expect(() => loadPipeline(out)).toThrow(/model config "depth" must be a number/);
    fs.writeFileSync(path.join(out, MODEL_FILES.config), JSON.stringify({ ...config, generation: { ...config.generation, shift: 0 } }));
    expect(() => loadPipeline(out)).toThrow(/bad "generation" shift 0/);
    fs.writeFileSync(path.join(out, MODEL_FILES.config), JSON.stringify({ ...config, generation: { ...config.generation, guidanceMethod: 'nope' } }));
    expect(() => loadPipeline(out)).toThrow(/bad "generation" guidance: unknown guidance method "nope"/);
    fs.writeFileSync(path.join(out, MODEL_FILES.config), JSON.stringify({ ...config, generation: { ...config.generation, guidanceMethod: 'interval', guidanceInterval: [0.9, 0.1] } }));
    expect(() => loadPipeline(out)).toThrow(/bad "generation" guidance: interval \[0\.9,0\.1\] is not \[lo, hi\]/);
  });
});

const PYTHON = '/usr/bin/python3';
const hasSafetensors = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import numpy, safetensors.numpy'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasSafetensors)(`Python's safetensors library (${hasSafetensors ? 'present' : `skipped: ${PYTHON} has no safetensors module; pip install safetensors`})`, () => {
  it('loads the shipped F16 weights with the same names, shapes and values', () => {
    const folder = path.join(tmp, 'models', 'for-python');
    shipModel({ run, out: folder, backend, check: false });
    const file = path.join(folder, MODEL_FILES.weights);
    const r = spawnSync(
      PYTHON,
      ['-c', 'import sys, json\nfrom safetensors.numpy import load_file\nt = load_file(sys.argv[1])\nprint(json.dumps({k: [str(v.dtype), list(v.shape), float(v.astype("float64").sum())] for k, v in t.items()}))', file],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, [string, number[], number]>;
    const { weights } = readModelFolder(folder);
    expect(Object.keys(got).sort()).toEqual(Object.keys(weights).sort());
    for (const [name, t] of Object.entries(weights)) {
      expect(got[name][0]).toBe('float16');
      expect(got[name][1]).toEqual(t.shape);
      expect(got[name][2]).toBeCloseTo(t.data.reduce((a, b) => a + b, 0), 6); // the same halves, summed in float64
    }
  });
});
