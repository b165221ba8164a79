// Latent mode end to end on tiny models: `train --latent` records the VAE and trains on its
// latents (bit-identically resumed), tracked evaluation and generation decode through it, given
// frames go in whole latent frames and come back exactly, `model ship` carries the VAE, export-onnx
// writes the VAE's encoder and decoder beside the DiT (each matching tfjs within 1e-4) and
// `--runtime onnx` runs the whole pipeline on onnxruntime, a missing or different VAE is
// refused in one line naming the file, and --init may move a model onto a later leg of its VAE.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
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
import { spacetimeHere } from './spacetime-cli.js';
import { OnnxTextToVideo, onnxRuntimeFor } from '../src/onnx/runtime.js';
import type { NetworkDescription } from '../src/onnx/export.js';
import { VaeCodec } from '../src/model/vae-codec.js';
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

/** The CLI in this process: exit code and its last error line. */
async function spacetime(...argv: string[]): Promise<{ code: number; err: string }> {
  const { code, err } = await spacetimeHere(...argv);
  return { code, err: err.at(-1) ?? '' };
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

  it('on onnxruntime too: the DiT on the latent grid and the VAE, nothing on tfjs (≥ 35 dB of the tfjs video, frames given and SDEdit too)', () => {
    const pipe = loadPipeline(at('run'));
    try {
      const frame = 16 * 16 * 3;
      const clip = Uint8Array.from({ length: 4 * frame }, (_, i) => (i * 13) % 256);
      const requests = [
        { prompt: 'a red ball', seeds: [2], steps: 3, guidance: 3 },
        { prompt: 'a red ball', seeds: [4, 5], steps: 3, guidance: 3, given: [{ frames: clip, mask: [true, true, false, false] }, null] },
        { prompt: 'a blue square', seeds: [6], steps: 3, guidance: 3, edit: { clips: [clip], strength: 0.6 } },
      ];
      const viaTfjs = requests.map((r) => generateVideos(pipe, r));
      const onnx = onnxRuntimeFor(pipe, { frames: 4, height: 16, width: 16 });
      pipe.runtime = onnx;
      // The tfjs VAE is not called: encode (given frames, SDEdit) and decode go through the ONNX graphs.
      const tfjsVae = [vi.spyOn(pipe.codec, 'encode'), vi.spyOn(pipe.codec, 'decode')];
      try {
        expect(onnx.codec?.name).toBe('vae');
        const viaOnnx = requests.map((r) => generateVideos(pipe, r));
        viaOnnx.flat().forEach((v, i) => {
          const db = psnr(v, viaTfjs.flat()[i]);
          console.log(`latent model, video ${i}: onnx vs tfjs ${db.toFixed(1)} dB`);
          expect(db).toBeGreaterThanOrEqual(35);
        });
        expect(viaOnnx[1][0].frames.subarray(0, 2 * frame)).toEqual(clip.subarray(0, 2 * frame));
        for (const spy of tfjsVae) expect(spy).not.toHaveBeenCalled();
      } finally {
        tfjsVae.forEach((spy) => spy.mockRestore());
        onnx.dispose();
      }
    } finally {
      disposePipeline(pipe);
    }
  });

  it('on onnxruntime: a clip the VAE cells do not divide, or another size than exported, is one line', () => {
    const pipe = loadPipeline(at('run'));
    try {
      expect(() => onnxRuntimeFor(pipe, { frames: 3, height: 16, width: 16 })).toThrow(/^a 3×16×16 clip does not divide into the VAE's 2×4×4 cells$/);
      const onnx = onnxRuntimeFor(pipe);
      try {
        expect(() => onnx.codec!.encode([new Uint8Array(2 * 16 * 16 * 3)], [2, 16, 16])).toThrow(/^the ONNX VAE was exported for 4 frames at 16×16, not 2 at 16×16 \(export again for that clip size\)$/);
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
  it('carries the VAE, checks the shipped weights on pixel clips, and the folder generates through its own copy', () => {
    const shipped = shipModel({ run: at('run'), out: at('model'), backend: tf.getBackend(), check: { n: 2, steps: 2 } });
    expect(shipped.check?.settings).toMatchObject({ n: 2, frames: 4, height: 16, width: 16 }); // the clip in pixels, not the latent grid
    expect(shipped.check?.counts.videos).toBe(2);
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

describe('export-onnx of a latent model', () => {
  /** max |onnx − tfjs| / max |tfjs|. */
  const relativeError = (onnx: ArrayLike<number>, reference: ArrayLike<number>) => {
    expect(onnx.length).toBe(reference.length);
    let [diff, scale] = [0, 0];
    for (let i = 0; i < reference.length; i++) [diff, scale] = [Math.max(diff, Math.abs(onnx[i] - reference[i])), Math.max(scale, Math.abs(reference[i]))];
    expect(scale).toBeGreaterThan(0);
    return diff / scale;
  };
  const description = (name: string) => readJson<NetworkDescription>(at(`onnx/${name}.json`));

  it('writes the text encoder, the DiT and the VAE encoder and decoder, each with its JSON', async () => {
    const r = await spacetime('model', 'export-onnx', '--checkpoint', at('run'), '--out', at('onnx'));
    expect(r).toEqual({ code: 0, err: '' });
    expect(fs.readdirSync(at('onnx')).sort()).toEqual(['dit', 'text-encoder', 'vae-decoder', 'vae-encoder'].flatMap((n) => [`${n}.json`, `${n}.onnx`]));
    const folder = readVaeFolder(at('vae')).config;
    const [encoder, decoder, dit] = ['vae-encoder', 'vae-decoder', 'dit'].map(description);
    for (const d of [encoder, decoder]) {
      expect(d.sha256).toBe(sha256(fs.readFileSync(at(`onnx/${d.file}`))));
      expect(d.config).toMatchObject({ vae: folder.vae, clip: { frames: 4, height: 16, width: 16 }, grid: { frames: 2, height: 4, width: 4 }, latent: { ...folder.latent, applied: expect.stringMatching(/^inside the graphs/) }, weights: { sha256: folder.weights.sha256 } });
      expect(d.dynamicAxes).toEqual({ batch: 'clips in one call' });
    }
    const pixels = { dtype: 'float32', shape: ['batch', 3, 4, 16, 16] };
    const latents = { dtype: 'float32', shape: ['batch', 4, 2, 4, 4] };
    expect(encoder.inputs).toMatchObject([{ name: 'pixels', ...pixels }]);
    expect(encoder.outputs).toMatchObject([{ name: 'latents', ...latents }]);
    expect(decoder.inputs).toMatchObject([{ name: 'latents', ...latents }]);
    expect(decoder.outputs).toMatchObject([{ name: 'pixels', ...pixels }]);
    expect(dit.config).toMatchObject({ clip: { frames: 2, height: 4, width: 4 }, latent: { patch: [2, 4, 4], clip: { frames: 4, height: 16, width: 16 }, networks: ['vae-encoder', 'vae-decoder'] } });
    expect(dit.inputs[0]).toMatchObject({ name: 'x', ...latents });
  });

  it('each VAE graph loads alone in onnxruntime-node and matches tfjs within 1e-4 (batch 1 and 3)', async () => {
    const pipe = loadPipeline(at('run'));
    const codec = pipe.codec as VaeCodec;
    try {
      const encoder = await ort.InferenceSession.create(at('onnx/vae-encoder.onnx'));
      const decoder = await ort.InferenceSession.create(at('onnx/vae-decoder.onnx'));
      for (const B of [1, 3]) {
        const x = tf.randomUniform([B, 3, 4, 16, 16], -1, 1, 'float32', 11 + B) as tf.Tensor5D;
        const z = codec.encodePixels(x); // the scaled latents, as the DiT takes them
        const { latents } = await encoder.run({ pixels: new ort.Tensor('float32', Float32Array.from(x.dataSync()), x.shape) });
        expect(latents.dims).toEqual(z.shape);
        const encodeError = relativeError(latents.data as Float32Array, z.dataSync());
        const y = tf.randomNormal([B, 4, 2, 4, 4], 0, 1, 'float32', 21 + B) as tf.Tensor5D;
        const reference = tf.tidy(() => codec.vae.decode(tf.add(tf.div(y, codec.latent.scale), codec.latent.shift) as tf.Tensor5D)); // VaeCodec.decode before clamping
        const { pixels } = await decoder.run({ latents: new ort.Tensor('float32', Float32Array.from(y.dataSync()), y.shape) });
        expect(pixels.dims).toEqual(reference.shape);
        const decodeError = relativeError(pixels.data as Float32Array, reference.dataSync());
        console.log(`tiny trained VAE, batch ${B}: relative error encoder ${encodeError.toExponential(1)}, decoder ${decodeError.toExponential(1)}`);
        expect(Math.max(encodeError, decodeError)).toBeLessThan(1e-4);
        tf.dispose([x, z, y, reference]);
      }
      await encoder.release();
      await decoder.release();
    } finally {
      disposePipeline(pipe);
    }
  });

  it('opens the exported folder: the whole latent pipeline from the files matches tfjs (≥ 35 dB)', () => {
    const pipe = loadPipeline(at('run'));
    try {
      const request = { prompt: 'a red ball', seeds: [7], steps: 3, guidance: 3 };
      const [viaTfjs] = generateVideos(pipe, request);
      const onnx = OnnxTextToVideo.fromFolder(at('onnx'));
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

  it('refuses an export whose VAE file is missing, in one line', () => {
    fs.cpSync(at('onnx'), at('onnx-broken'), { recursive: true });
    fs.rmSync(at('onnx-broken/vae-decoder.json'));
    expect(() => OnnxTextToVideo.fromFolder(at('onnx-broken'))).toThrow(UserError);
    expect(() => OnnxTextToVideo.fromFolder(at('onnx-broken'))).toThrow(/^ONNX export .*onnx-broken is of a latent model \(dit\.json\) but lacks vae-decoder\.json$/);
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

  it('--init onto a later leg of its VAE moves the model onto the new latents; another VAE is refused, writing nothing', async () => {
    // A second VAE leg (--init from the model's VAE) records its parent; a DiT run --init from the
    // latent model may then move onto it (bucketed VAE legs: issue 19). A VAE from scratch may not.
    await trainVae({ preset: 'tiny', data: at('data'), steps: 2, out: at('vae-leg-run'), batchSize: 4, lr: 1e-3, warmup: 1, init: at('vae'), note: quiet });
    shipVae({ run: at('vae-leg-run'), out: at('vae-leg'), evaluation: { perFamily: 1 } });
    const [parent, leg] = [readVaeFolder(at('vae')).config, readVaeFolder(at('vae-leg')).config];
    expect(leg.training.initFrom).toEqual({ vae: path.resolve(at('vae')), sha256: parent.weights.sha256 });
    const notes: string[] = [];
    await train({ ...base, steps: 1, out: at('onto-leg'), init: at('run'), latent: at('vae-leg'), note: (line: string) => notes.push(line) });
    expect(readJson<TrainConfig>(at('onto-leg/config.json')).latent).toEqual({ vae: path.resolve(at('vae-leg')), sha256: leg.weights.sha256, patch: leg.vae.patch });
    expect(notes.join('\n')).toMatch(/was trained on VAE [0-9a-f]{12}…; this run moves it onto .*vae-leg \([0-9a-f]{12}…\), a later leg of that VAE/);
    const pipe = loadPipeline(at('onto-leg')); // generates through the new VAE
    expect(pipe.codec.name).toBe('vae');
    disposePipeline(pipe);
    await trainVae({ preset: 'tiny', data: at('data'), steps: 2, out: at('vae-fresh-run'), batchSize: 4, lr: 1e-2, warmup: 1, seed: 5, note: quiet });
    shipVae({ run: at('vae-fresh-run'), out: at('vae-fresh'), evaluation: { perFamily: 1 } });
    await expect(train({ ...base, steps: 1, out: at('onto-fresh'), init: at('run'), latent: at('vae-fresh') })).rejects.toThrow(
      /--latent .*vae-fresh: --init \S+ was trained on another VAE's latents \(sha256 [0-9a-f]{12}…\), not one this VAE was continued from/,
    );
    expect(fs.existsSync(at('onto-fresh'))).toBe(false);
  }, 120_000);

  it('train --latent refuses a missing VAE folder, writing nothing', async () => {
    const r = await spacetime('train', '--preset', 'tiny', '--data', at('data'), '--steps', '2', '--out', at('never'), '--latent', at('no-vae'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^spacetime: .*no-vae is not a VAE folder \(no config\.json\)$/);
    expect(fs.existsSync(at('never'))).toBe(false);
  });
});
