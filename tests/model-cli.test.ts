// `spacetime model ship`, `spacetime model check`, `spacetime model export-onnx` with
// `generate --runtime onnx`, and `spacetime generate` without --checkpoint,
// as processes run from a folder outside the repository.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-model-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const spacetime = (...args: string[]) => {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'spacetime.js'), ...args], { cwd: tmp, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
};

// Each step starts a process (tsx, tfjs, the backend): minutes on a loaded two-core machine.
const PROCESSES_TIMEOUT_MS = 600_000;

beforeAll(() => {
  expect(spacetime('data', 'make', '--families', 'uniform,layout', '--n', '4', '--size', '16', '--frames', '4', '--out', 'data', '--quiet').code).toBe(0);
  expect(spacetime('train', '--preset', 'tiny', '--data', 'data', '--steps', '4', '--batch-size', '2', '--out', 'runs/tiny', '--quiet').code).toBe(0);
}, PROCESSES_TIMEOUT_MS);

describe('spacetime model ship / check', () => {
  it('ships a run as a model folder, generates from it, and checks it', () => {
    const ship = spacetime('model', 'ship', '--run', 'runs/tiny', '--out', 'models/tiny', '--n', '2', '--quiet');
    expect(ship.code, ship.stderr).toBe(0);
    expect(ship.stdout).toMatch(/^shipped step 4 of runs\/tiny to models\/tiny: [\d,]+ parameters, 0\.\d MB at F16, in \d+\.\ds on \w+\n/);
    expect(ship.stdout).toMatch(/colour present {5}\d\/2 videos = [\d.]+% \(required ≥ 90\.0%\) (pass|FAIL)/);
    expect(fs.readdirSync(path.join(tmp, 'models', 'tiny')).sort()).toEqual(['MODEL_CARD.md', 'check.json', 'config.json', 'model.safetensors', 'training.json']);
    expect(spacetime('model', 'ship', '--run', 'runs/tiny', '--out', 'models/tiny').stderr).toBe('spacetime: models/tiny already exists; pass --force to replace it');

    const gen = spacetime('generate', 'a red ball moves to the left', '--checkpoint', 'models/tiny', '--steps', '2', '--seed', '1', '--out', 'a.mp4');
    expect(gen.stdout).toMatch(/wrote a\.mp4 \(1 video, 4 frames 16×16\) in \d+\.\ds on \w+/);

    const exported = spacetime('model', 'export-onnx', '--checkpoint', 'models/tiny', '--out', 'onnx-tiny');
    expect(exported.code, exported.stderr).toBe(0);
    expect(fs.readdirSync(path.join(tmp, 'onnx-tiny')).sort()).toEqual(['dit.json', 'dit.onnx', 'text-encoder.json', 'text-encoder.onnx']);
    const viaOnnx = spacetime('generate', 'a red ball moves to the left', '--checkpoint', 'models/tiny', '--steps', '2', '--seed', '1', '--runtime', 'onnx', '--out', 'b.mp4');
    expect(viaOnnx.code, viaOnnx.stderr).toBe(0);
    expect(viaOnnx.stdout).toMatch(/wrote b\.mp4 \(1 video, 4 frames 16×16\) in \d+\.\ds on onnxruntime-node/);
    const evaluated = spacetime('eval', '--suite', 'smoke', '--checkpoint', 'models/tiny', '--steps', '2', '--skip-physics-iq', '--runtime', 'onnx', '--out', 'eval-onnx', '--quiet');
    expect(evaluated.code === 0 || evaluated.code === 2, evaluated.stderr).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'eval-onnx', 'run.json'), 'utf8')).source).toMatchObject({ kind: 'checkpoint', path: 'models/tiny', runtime: 'onnx' });

    const check = spacetime('model', 'check', '--checkpoint', 'models/tiny', '--n', '2', '--steps', '2', '--out', 'check.json', '--quiet');
    const result = JSON.parse(fs.readFileSync(path.join(tmp, 'check.json'), 'utf8'));
    expect(result).toMatchObject({ format: 'spacetime-model-check', model: 'models/tiny', settings: { n: 2, seed: 1, steps: 2, guidance: 3, sampler: 'heun' } });
    expect(result.videos.map((v: { name: string }) => v.name)).toEqual(['id-uniform-1000000', 'id-parabola-1000000']);
    expect(check.code).toBe(result.passed ? 0 : 1);
    expect(check.stdout).toMatch(/moves as prompted {2}\d\/\d videos/);
    expect(check.stdout).toMatch(/wrote check\.json \(2 videos\) in \d+\.\ds on \w+/);
  }, PROCESSES_TIMEOUT_MS);

  it('refuses a missing run or checkpoint in one line', () => {
    for (const [args, message] of [
      [['model', 'ship', '--run', 'runs/none', '--out', 'models/x'], /runs\/none is not a run folder \(no config\.json\)/],
      [['model', 'ship', '--out', 'models/x'], /missing required flag --run/],
      [['model', 'check', '--checkpoint', 'models/none'], /checkpoint models\/none not found/],
      [['model', 'frobnicate'], /unknown model command "frobnicate" \(expected: info, ship, check, probe, export-onnx\)/],
      [['model', 'export-onnx', '--checkpoint', 'data', '--out', 'onnx'], /export-onnx: data is not a model \(a model folder, run or checkpoint\)/],
      [['model', 'export-onnx', '--checkpoint', 'models/none', '--out', 'onnx'], /checkpoint models\/none not found/],
      [['generate', 'a red ball', '--runtime', 'tensorrt'], /unknown --runtime "tensorrt" \(expected one of: tfjs, onnx\)/],
      [['model', 'probe', '--data', 'data/none', '--swap', 'left=right'], /no dataset in data\/none/],
      [['model', 'probe', '--data', 'data/none', '--swap', 'left'], /--swap: "left" is not a pair of two different words A=B/],
      [['model', 'probe', '--data', 'data/none'], /missing required flag --swap/],
    ] as const) {
      const r = spacetime(...args);
      expect(r.code).not.toBe(0);
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  }, PROCESSES_TIMEOUT_MS);
});

describe('spacetime generate without --checkpoint', () => {
  const shipped = path.join(root, 'models', 'default');
  // From a folder outside the repository, the default model is the repository's models/default.
  it.runIf(!fs.existsSync(shipped))('names the repository\'s models/default in one line when nothing is shipped yet', () => {
    const r = spacetime('generate', 'a red ball bounces on the floor', '--seed', '1', '--out', 'out.mp4');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(`spacetime: no shipped default model at ${shipped}; pass --checkpoint runs/NAME (from \`spacetime train\`) or ship one with \`spacetime model ship\``);
  }, PROCESSES_TIMEOUT_MS);
  it.runIf(fs.existsSync(shipped))('generates with the repository\'s models/default and says how long it took on which backend', () => {
    const r = spacetime('generate', 'a red ball bounces on the floor', '--seed', '1', '--out', 'out.mp4');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote out\.mp4 \(1 video, 16 frames 32×32\) in \d+\.\ds on \w+/);
  }, PROCESSES_TIMEOUT_MS);
});
