// Latent mode end to end on tiny models: `train --latent` records the VAE and trains on its
// latents (bit-identically resumed), tracked evaluation and generation decode through it, given
// frames go in whole latent frames and come back exactly, `model ship` carries the VAE, and a
// missing or different VAE is refused in one line naming the file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../base/compute/backend.js';
import { sha256 } from '../base/io/hash.js';
import { UserError } from '../base/errors.js';
import { makeDataset } from '../datasets/make.js';
import { parseSelection } from '../datasets/selection.js';
import { evaluateDuringTraining } from '../eval/run/track.js';
import { disposePipeline, generateVideos, loadPipeline } from '../src/infer/pipeline.js';
import { keepFrames } from '../src/infer/prompting.js';
import { LATENT_PATCH, modelFrameMask, pixelModel } from '../src/model/latent-space.js';
import { EMA_FILE } from '../src/model/checkpoint.js';
import { VAE_FILES, readVaeFolder } from '../src/model/vae-folder.js';
import { shipVae } from '../app/ship/vae-ship.js';
import { shipModel } from '../app/ship/ship.js';
import { train } from '../src/train/trainer.js';
import { trainVae } from '../src/train/vae-trainer.js';
import type { TrainConfig } from '../src/train/train-config.js';
import { main } from '../app/cli/main.js';
import { onnxRuntimeFor } from '../src/onnx/runtime.js';
import { psnr } from '../base/video/index.js';
import { checkTargets } from '../app/server/uploads.js';
import { readPipelineConfig } from '../src/infer/pipeline.js';
import { checkLatentSpace, givenFrameGroup } from '../src/model/latent-space.js';
import { validateTrainConfig } from '../src/train/train-config.js';
import { parseModelConfig } from '../src/model/model-folder.js';
import { runEvaluation } from '../eval/run/run.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-latent-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const at = (name: string) => path.join(tmp, name);
const quiet = () => {};
const base = { preset: 'tiny', data: '', steps: 4, batchSize: 4, lr: 3e-3, warmup: 1, checkpointEvery: 2, sampleEvery: 0, frameConditioning: true, note: quiet };
const readJson = <T>(file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const emaSha = (run: string, step: number) => sha256(fs.readFileSync(path.join(run, 'checkpoints', `step-${String(step).padStart(8, '0')}`, EMA_FILE)));

/** Run the CLI in this process: exit code and its last error line. */
async function spacetime(...argv: string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const error = vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    return { code: await main(argv), err: err.at(-1) ?? '' };
  } finally {
    error.mockRestore();
    log.mockRestore();
  }
}

beforeAll(async () => {
  await useBackend();
  makeDataset(parseSelection({ families: 'uniform,layout', n: 8, seed: 1, size: 16, frames: 4 }), { out: at('data') });
  base.data = at('data');
  await trainVae({ preset: 'tiny', data: at('data'), steps: 4, out: at('vae-run'), batchSize: 4, lr: 1e-2, warmup: 1, note: quiet });
  shipVae({ run: at('vae-run'), out: at('vae'), evaluation: { perFamily: 1 } });
  await train({ ...base, out: at('run'), latent: at('vae'), evaluation: { every: 4, suite: 'all-id', keepFrames: 2, perCategory: 1 }, evaluate: evaluateDuringTraining });
}, 240_000);

describe('train --latent', () => {
  it('records the VAE and moves the preset onto its latent grid', () => {
    const config = readJson<TrainConfig>(at('run/config.json'));
    const vae = readVaeFolder(at('vae')).config;
    expect(config.latent).toEqual({ vae: path.resolve(at('vae')), sha256: vae.weights.sha256, patch: vae.vae.patch });
    // tiny VAE: 2×4×4 cells of 4 channels; a 4×16×16 clip is 4 × 2×4×4 latents
    expect(config.model).toMatchObject({ channels: 4, frames: 2, height: 4, width: 4, patch: LATENT_PATCH, frameConditioning: true });
    expect(pixelModel(config)).toMatchObject({ frames: 4, height: 16, width: 16, patch: [2, 8, 8] });
  });

  it('tracks physics through the VAE, given frames in whole latent frames', () => {
    const lines = fs.readFileSync(at('run/metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { eval?: { keep_frames: number; videos: number } });
    const evals = lines.filter((l) => l.eval);
    expect(evals).toHaveLength(1);
    expect(evals[0].eval).toMatchObject({ keep_frames: 2 });
    expect(evals[0].eval!.videos).toBeGreaterThan(0);
  });

  it('resumes bit-identically (the resumed run keeps its config: no --latent needed)', async () => {
    await train({ ...base, out: at('straight'), latent: at('vae') });
    fs.cpSync(at('straight'), at('half'), { recursive: true });
    await train({ ...base, out: at('half'), resumeFrom: '2' }); // steps 3 and 4 again, from the step-2 checkpoint
    expect(emaSha(at('half'), 4)).toBe(emaSha(at('straight'), 4));
  }, 120_000);
});

describe('a latent model generates', () => {
  it('pixel clips of its VAE-sized frames, deterministically', () => {
    const pipe = loadPipeline(at('run'));
    try {
      expect(pipe.codec.name).toBe('vae');
      const [a] = generateVideos(pipe, { prompt: 'a red ball', seeds: [3], steps: 3 });
      const [b] = generateVideos(pipe, { prompt: 'a red ball', seeds: [3], steps: 3 });
      expect([a.numFrames, a.height, a.width]).toEqual([4, 16, 16]);
      expect(sha256(a.frames)).toBe(sha256(b.frames));
    } finally {
      disposePipeline(pipe);
    }
  });

  it('takes given frames in whole latent frames, and gives them back exactly', () => {
    const pipe = loadPipeline(at('run'));
    try {
      const clip = { frames: Uint8Array.from({ length: 4 * 16 * 16 * 3 }, (_, i) => (i * 7) % 256), numFrames: 4, height: 16, width: 16, fps: 8 };
      const [video] = keepFrames(pipe, { prompt: 'a red ball', seeds: [1], steps: 3 }, clip, 2);
      expect(sha256(video.frames.subarray(0, 2 * 16 * 16 * 3))).toBe(sha256(clip.frames.subarray(0, 2 * 16 * 16 * 3)));
      expect(() => keepFrames(pipe, { prompt: 'a red ball', seeds: [1], steps: 3 }, clip, 1)).toThrow(/is a latent model trained without --frame-hints: it takes given frames in whole groups of 2 \(its VAE's tubelet\), and frame 1 is given without the rest of frames 1–2/);
    } finally {
      disposePipeline(pipe);
    }
  });

  it('on onnxruntime too: the DiT exported on the latent grid, the VAE on tfjs (≥ 35 dB of the tfjs video)', () => {
    const pipe = loadPipeline(at('run'));
    try {
      const request = { prompt: 'a red ball', seeds: [2], steps: 3, guidance: 3 };
      const [viaTfjs] = generateVideos(pipe, request);
      const onnx = onnxRuntimeFor(pipe, { frames: 4, height: 16, width: 16 });
      pipe.runtime = onnx;
      try {
        const [viaOnnx] = generateVideos(pipe, request);
        expect(psnr(viaOnnx, viaTfjs)).toBeGreaterThanOrEqual(35);
      } finally {
        onnx.dispose();
      }
    } finally {
      disposePipeline(pipe);
    }
  });

  it('maps frame masks onto latent frames', () => {
    expect(modelFrameMask([true, true, true, true, false, false, false, false], 4)).toEqual({ mask: [true, false], share: [1, 0], partial: null });
    expect(modelFrameMask([true, false, false, false, true, true, true, true], 4)).toEqual({ mask: [false, true], share: [0.25, 1], partial: 0 });
    expect(modelFrameMask([true, false, true], 1)).toEqual({ mask: [true, false, true], share: [1, 0, 1], partial: null });
  });
});

describe('model ship of a latent run', () => {
  it('carries the VAE, and the folder generates through its own copy', () => {
    shipModel({ run: at('run'), out: at('model'), backend: tf.getBackend(), check: false });
    expect(fs.readdirSync(at('model/vae')).sort()).toEqual(Object.values(VAE_FILES).sort());
    const config = readJson<{ latent: { vae: string; sha256: string } }>(at('model/config.json'));
    expect(config.latent.vae).toBe('vae');
    expect(config.latent.sha256).toBe(readVaeFolder(at('vae')).config.weights.sha256);
    const pipe = loadPipeline(at('model'));
    try {
      const [v] = generateVideos(pipe, { prompt: 'a blue square', seeds: [1], steps: 2 });
      expect([v.numFrames, v.height, v.width]).toEqual([4, 16, 16]);
    } finally {
      disposePipeline(pipe);
    }
  });
});

describe('the latent entry and given-frame groups are checked everywhere', () => {
  it('in a run config, a model folder config and by itself', () => {
    const good = { vae: '/x/vae', sha256: 'a'.repeat(64), patch: [4, 4, 4] };
    expect(checkLatentSpace(good)).toBeNull();
    for (const bad of [null, 'models/vae', { ...good, sha256: 'abc' }, { ...good, patch: [4, 4] }, { ...good, vae: '' }, { ...good, extra: 1 }]) {
      expect(checkLatentSpace(bad)).toMatch(/^"latent" must be \{"vae": FOLDER, "sha256": 64 hex digits, "patch": \[pt, ph, pw\]\}, got /);
    }
    const config = readJson<Record<string, unknown>>(at('run/config.json'));
    expect(() => validateTrainConfig({ ...config, latent: { vae: 'x' } }, 'runs/x/config.json')).toThrow(/^runs\/x\/config\.json: "latent" must be/);
    const folder = readJson<Record<string, unknown>>(at('model/config.json'));
    expect(() => parseModelConfig(JSON.stringify({ ...folder, latent: { ...(folder.latent as object), patch: 'x' } }), 'm/config.json')).toThrow(/^bad model config m\/config\.json: "latent" must be/);
  });

  it('by the server before a job is queued, and by eval before anything is generated', async () => {
    const config = readPipelineConfig(at('run'));
    const target = { id: 'latent', model: pixelModel(config), givenFrameGroup: givenFrameGroup(config) };
    expect(target.model).toMatchObject({ frames: 4, height: 16, width: 16 });
    const video = { type: 'video/mp4' as const };
    expect(() => checkTargets([target], { ...video, keepFrames: 1 })).toThrow(/keepFrames 1: checkpoint "latent" is a latent model trained without frame hints and takes given frames in groups of 2/);
    expect(() => checkTargets([target], { type: 'image/png' })).toThrow(/checkpoint "latent" is a latent model trained without frame hints and takes given frames in groups of 2 \(its VAE's tubelet\), not a single image/);
    expect(() => checkTargets([target], { ...video, keepFrames: 2 })).not.toThrow();
    expect(() => checkTargets([target], { ...video, strength: 0.5 })).not.toThrow();
    await expect(runEvaluation({ suite: 'smoke', checkpoint: at('run'), keepFrames: 1, out: at('never-eval') })).rejects.toThrow(/--keep-frames 1: .* is a latent model trained without --frame-hints and takes given frames in groups of 2/);
    expect(fs.existsSync(at('never-eval'))).toBe(false);
  });
});

describe('a VAE that is not the one', () => {
  it('is refused in one line naming its file', async () => {
    // A run on a copy of the VAE; then the copy's weights change (their sha256 updated, so the folder itself is intact).
    fs.cpSync(at('vae'), at('other-vae'), { recursive: true });
    await train({ ...base, steps: 1, out: at('moved'), latent: at('other-vae') });
    const weights = at(`other-vae/${VAE_FILES.weights}`);
    const bytes = fs.readFileSync(weights);
    bytes[bytes.length - 1] ^= 0x01;
    fs.writeFileSync(weights, bytes);
    const config = readJson<{ weights: { sha256: string } }>(at('other-vae/config.json'));
    config.weights.sha256 = sha256(bytes);
    fs.writeFileSync(at('other-vae/config.json'), JSON.stringify(config));
    expect(() => loadPipeline(at('moved'))).toThrow(UserError);
    expect(() => loadPipeline(at('moved'))).toThrow(/other-vae\/config\.json: not the VAE of .*: its weights \(sha256 [0-9a-f]{12}…\) are not the ones .* was trained with/);
  });

  it('export-onnx refuses a latent model (its VAE has no ONNX graph), writing nothing', async () => {
    const r = await spacetime('model', 'export-onnx', '--checkpoint', at('run'), '--out', at('never-onnx'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^spacetime: export-onnx: .*run is a latent model, and its VAE has no ONNX export yet/);
    expect(fs.existsSync(at('never-onnx'))).toBe(false);
  });

  it('train --latent refuses a missing VAE folder, writing nothing', async () => {
    const r = await spacetime('train', '--preset', 'tiny', '--data', at('data'), '--steps', '2', '--out', at('never'), '--latent', at('no-vae'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^spacetime: .*no-vae is not a VAE folder \(no config\.json\)$/);
    expect(fs.existsSync(at('never'))).toBe(false);
  });
});
