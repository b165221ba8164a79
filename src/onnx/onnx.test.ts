// The ONNX export and runtime: every exported file loads in onnxruntime-node on its own and
// matches the tfjs networks (native backend where built) within 1e-4 relative on fixed
// inputs; generation with --runtime onnx matches tfjs's video to ≥ 35 dB; bad inputs are
// one-line errors with nothing half-written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../base/compute/backend.js';
import { UserError } from '../../base/errors.js';
import { resolveConfig } from '../model/config.js';
import { givenFramesCondition } from '../model/frame-conditioning.js';
import { buildVideoModel, type VideoModel } from '../model/video-model.js';
import { defaultModelDir } from '../model/model-folder.js';
import { generateVideos, loadPipeline, type Pipeline } from '../infer/pipeline.js';
import { resolveTextEncoderConfig } from '../text/config.js';
import { psnr } from '../../base/video/index.js';
import { runModel } from '../../app/cli/model.js';
import { runGenerate } from '../../app/cli/generate.js';
import { exportNetworks, readOnnxFolder, writeOnnxFolder, type NetworkName } from './export.js';
import { decodeModel, ONNX_OPSET } from './proto.js';
import { OnnxTextToVideo, onnxRuntimeFor, parseRuntime } from './runtime.js';
import { SyncSessions } from './sync-sessions.js';
import { PIXELS } from '../model/video-codec.js';
import { VideoAutoencoder } from '../model/vae.js';
import { resolveVaeConfig } from '../model/vae-config.js';
import { loadVaeCodec } from '../model/vae-codec.js';
import { DEFAULT_VAE_DIR, VAE_FILES, type LatentScaling } from '../model/vae-folder.js';
import { vaeGraphs } from './export-vae.js';
import { encodeModel } from './proto.js';

// Native where the addon is built (the reference the issue names); otherwise the fastest there is.
const backend = await useBackend({}).then((c) => c.name);
console.log(`onnx parity against the tfjs ${backend} backend`);

/** The relative tolerance: max |onnx − tfjs| / max |tfjs|. */
const TOLERANCE = 1e-4;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-onnx-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function relativeError(onnx: ArrayLike<number>, reference: ArrayLike<number>): number {
  expect(onnx.length).toBe(reference.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs(onnx[i] - reference[i]));
    scale = Math.max(scale, Math.abs(reference[i]));
  }
  expect(scale).toBeGreaterThan(0); // a zero reference would make any output pass
  return diff / scale;
}

/** The tiny preset with seeded weights; the zero-initialised layers (adaLN, output, cross-attention out) made non-zero. */
function tinyNetwork(overrides: Record<string, unknown> = {}): VideoModel {
  const net = buildVideoModel(resolveConfig('tiny', overrides), resolveTextEncoderConfig('tiny'), 3);
  Object.values(net.params).forEach((v, k) => {
    if (tf.tidy(() => tf.max(tf.abs(v)).dataSync()[0]) === 0) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 200 + k));
  });
  return net;
}

const PROMPTS = ['a red ball bounces on the floor', 'two blue squares slide left', 'a green triangle falls'];

/** Load DIR/NAME.onnx by path, as any onnxruntime user would, and run it. */
async function runFile(dir: string, name: NetworkName, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(path.join(dir, `${name}.onnx`));
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

const f32 = (t: tf.Tensor) => new ort.Tensor('float32', Float32Array.from(t.dataSync()), t.shape);

/** Each exported file on its own against the tfjs networks, for a batch of `B` prompts/videos. */
async function checkParity(net: VideoModel, dir: string, B: number): Promise<void> {
  const prompts = PROMPTS.slice(0, B);
  const text = net.encoder.encode(prompts);
  const L = net.encoder.config.maxLength;
  const ids = new Int32Array(B * L);
  const mask = Float32Array.from(text.mask.dataSync());
  // The tokenizer's ids again, as a user of the file would feed them.
  const { encode } = await import('../text/tokenizer.js');
  prompts.forEach((p, b) => ids.set(encode(p, L).ids, b * L));
  const textOut = await runFile(dir, 'text-encoder', { ids: new ort.Tensor('int32', ids, [B, L]), mask: new ort.Tensor('float32', mask, [B, L]) });
  const textErrors = [relativeError(textOut.tokens.data as Float32Array, text.tokens.dataSync()), relativeError(textOut.pooled.data as Float32Array, text.pooled.dataSync())];
  expect(Math.max(...textErrors)).toBeLessThan(TOLERANCE);
  expect(Array.from(textOut.keep.data as Float32Array)).toEqual(Array.from(text.mask.dataSync()));

  const { channels, frames, height, width, crossAttention, frameConditioning } = net.dit.config;
  const x = tf.randomNormal([B, channels, frames, height, width], 0, 1, 'float32', 7) as tf.Tensor5D;
  const t = tf.tensor1d(Array.from({ length: B }, (_, b) => 150 + 350 * b));
  // A model that takes given frames: the first frame of each clip given.
  const given = frameConditioning ? givenFramesCondition(x, Float32Array.from({ length: B * frames }, (_, i) => (i % frames === 0 ? 1 : 0)), frames) : undefined;
  const reference = net.dit.forward(x, t, { ...text, ...given });
  const feeds: Record<string, ort.Tensor> = { x: f32(x), t: f32(t), pooled: f32(text.pooled) };
  if (crossAttention) Object.assign(feeds, { tokens: f32(text.tokens), mask: f32(text.mask) });
  if (given) Object.assign(feeds, { frames: f32(given.frames), frame_mask: f32(given.frameMask) });
  const { prediction } = await runFile(dir, 'dit', feeds);
  expect(prediction.dims).toEqual(reference.shape);
  const ditError = relativeError(prediction.data as Float32Array, reference.dataSync());
  console.log(`${dir}, batch ${B}: relative error text encoder ${Math.max(...textErrors).toExponential(1)}, DiT ${ditError.toExponential(1)}`);
  expect(ditError).toBeLessThan(TOLERANCE);
  tf.dispose([x, t, reference, text.tokens, text.pooled, text.mask, given?.frames, given?.frameMask]);
}

describe('export-onnx', () => {
  it('writes each network as a file that loads on its own and matches tfjs within 1e-4, at batch 1 and 3 (dynamic batch)', async () => {
    const net = tinyNetwork();
    const dir = path.join(tmp, 'tiny');
    writeOnnxFolder(dir, exportNetworks(net, { objective: 'rectified-flow', source: 'test' }));
    await checkParity(net, dir, 1);
    await checkParity(net, dir, 3);
    net.dit.dispose();
    net.encoder.dispose();
  });

  it('exports a DiT without cross-attention (no tokens or mask inputs) that matches too', async () => {
    const net = tinyNetwork({ crossAttention: false });
    const dir = path.join(tmp, 'tiny-no-cross');
    writeOnnxFolder(dir, exportNetworks(net, { objective: 'rectified-flow', source: 'test' }));
    expect(readOnnxFolder(dir).dit.description.inputs.map((i) => i.name)).toEqual(['x', 't', 'pooled']);
    await checkParity(net, dir, 2);
    net.dit.dispose();
    net.encoder.dispose();
  });

  it('describes each file beside it: opset 17, inputs and outputs as onnxruntime sees them, the batch axis named', async () => {
    const net = tinyNetwork();
    const dir = path.join(tmp, 'described');
    writeOnnxFolder(dir, exportNetworks(net, { objective: 'v-prediction', source: 'test' }));
    const networks = readOnnxFolder(dir);
    for (const { bytes, description } of Object.values(networks)) {
      const model = decodeModel(bytes);
      expect(model.opsetImport).toEqual([{ domain: '', version: ONNX_OPSET }]);
      expect(description.opset).toBeGreaterThanOrEqual(17);
      const session = await ort.InferenceSession.create(path.join(dir, description.file));
      expect(description.inputs.map((i) => i.name)).toEqual(session.inputNames);
      expect(description.outputs.map((o) => o.name)).toEqual(session.outputNames);
      for (const spec of [...description.inputs, ...description.outputs]) expect(spec.shape[0]).toBe('batch');
      await session.release();
    }
    expect(networks.dit.description.config).toMatchObject({ model: net.dit.config, objective: 'v-prediction', modelTimeScale: 1000, clip: { frames: 4, height: 16, width: 16 } });
    expect(networks['text-encoder'].description.config).toEqual({ text: net.encoder.config });
    net.dit.dispose();
    net.encoder.dispose();
  });

  it('the shipped model: both files match tfjs within 1e-4', async (ctx) => {
    const model = defaultModelDir();
    if (!fs.existsSync(path.join(model, 'model.safetensors'))) ctx.skip(`no shipped weights in ${model} (a checkout without them, e.g. Git LFS not pulled)`);
    const pipe = loadPipeline(model);
    try {
      const dir = path.join(tmp, 'default');
      writeOnnxFolder(dir, exportNetworks(pipe.net, { objective: pipe.config.objective, source: model }));
      await checkParity(pipe.net, dir, 2);
    } finally {
      pipe.net.dit.dispose();
      pipe.net.encoder.dispose();
    }
  });

  it('refuses a folder that is not a model with one line naming it, writing nothing', async () => {
    const notModel = path.join(tmp, 'not-a-model');
    fs.mkdirSync(notModel);
    fs.writeFileSync(path.join(notModel, 'notes.txt'), 'hello');
    const out = path.join(tmp, 'never-written');
    const attempt = runModel(['export-onnx', '--checkpoint', notModel, '--out', out]);
    await expect(attempt).rejects.toThrow(UserError);
    await expect(runModel(['export-onnx', '--checkpoint', notModel, '--out', out])).rejects.toThrow(new RegExp(`${notModel} is not a model.*\\n?`));
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(tmp).filter((e) => e.includes('never-written'))).toEqual([]);
  });

  it('refuses to replace a folder that is not an ONNX export, and leaves it as it was', () => {
    const net = tinyNetwork();
    const out = path.join(tmp, 'precious');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'mine');
    expect(() => writeOnnxFolder(out, exportNetworks(net, { objective: 'rectified-flow', source: 'test' }))).toThrow(/not an ONNX export/);
    expect(fs.readdirSync(out)).toEqual(['keep.txt']);
    net.dit.dispose();
    net.encoder.dispose();
  });
});

/**
 * A VAE's encoder and decoder written as files (export-vae.ts), each loaded alone and run on `B`
 * fixed clips and latents against the tfjs VAE with the codec's scaling around it; the larger
 * relative error of the two.
 */
async function checkVaeParity(vae: VideoAutoencoder, latent: LatentScaling, dir: string, B: number): Promise<number> {
  const { frames: T, height: H, width: W, latentChannels: c, patch } = vae.config;
  const { encoder, decoder } = vaeGraphs(vae, latent, { frames: T, height: H, width: W });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'vae-encoder.onnx'), encodeModel(encoder.model({ doc: 'VAE encoder' })));
  fs.writeFileSync(path.join(dir, 'vae-decoder.onnx'), encodeModel(decoder.model({ doc: 'VAE decoder' })));
  const x = tf.randomUniform([B, 3, T, H, W], -1, 1, 'float32', 5) as tf.Tensor5D;
  const z = tf.tidy(() => tf.mul(tf.sub(vae.encode(x), latent.shift), latent.scale)); // VaeCodec's latents
  const { latents } = await runFile(dir, 'vae-encoder', { pixels: f32(x) });
  expect(latents.dims).toEqual(z.shape);
  const encodeError = relativeError(latents.data as Float32Array, z.dataSync());
  const y = tf.randomNormal([B, c, T / patch[0], H / patch[1], W / patch[2]], 0, 1, 'float32', 9) as tf.Tensor5D;
  const reference = tf.tidy(() => vae.decode(tf.add(tf.div(y, latent.scale), latent.shift) as tf.Tensor5D)); // VaeCodec.decode before clamping
  const { pixels } = await runFile(dir, 'vae-decoder', { latents: f32(y) });
  expect(pixels.dims).toEqual(reference.shape);
  const decodeError = relativeError(pixels.data as Float32Array, reference.dataSync());
  console.log(`${dir}, batch ${B}: relative error VAE encoder ${encodeError.toExponential(1)}, decoder ${decodeError.toExponential(1)}`);
  tf.dispose([x, z, y, reference]);
  return Math.max(encodeError, decodeError);
}

describe('export-onnx of a VAE', () => {
  it('a seeded tiny VAE: encoder and decoder each match tfjs within 1e-4, at batch 1 and 3 (dynamic batch)', async () => {
    const vae = new VideoAutoencoder(resolveVaeConfig('tiny'), 3);
    // The zero-initialised biases and LayerNorm shifts made non-zero, the unit LayerNorm scales varied.
    Object.values(vae.params).forEach((v, k) => {
      if (v.shape.length === 1) v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.1, 'float32', 300 + k)));
    });
    const dir = path.join(tmp, 'vae-tiny');
    for (const B of [1, 3]) expect(await checkVaeParity(vae, { shift: 0.05, scale: 1.7 }, dir, B)).toBeLessThan(TOLERANCE);
    vae.dispose();
  });

  it('the shipped VAE: both graphs match tfjs within 1e-4', async (ctx) => {
    if (!fs.existsSync(path.join(DEFAULT_VAE_DIR, VAE_FILES.weights))) ctx.skip(`no shipped VAE weights in ${DEFAULT_VAE_DIR}`);
    const codec = loadVaeCodec(DEFAULT_VAE_DIR);
    try {
      expect(await checkVaeParity(codec.vae, codec.latent, path.join(tmp, 'vae-shipped'), 2)).toBeLessThan(TOLERANCE);
    } finally {
      codec.dispose();
    }
  });

  it('refuses a clip its cells do not divide, in one line', () => {
    const vae = new VideoAutoencoder(resolveVaeConfig('tiny'), 0);
    expect(() => vaeGraphs(vae, { shift: 0, scale: 1 }, { frames: 3, height: 16, width: 16 })).toThrow(UserError);
    expect(() => vaeGraphs(vae, { shift: 0, scale: 1 }, { frames: 3, height: 16, width: 16 })).toThrow(/^onnx export: a 3×16×16 clip does not divide into the VAE's 2×4×4 cells$/);
    vae.dispose();
  });
});

describe('--runtime onnx', () => {
  const pipelineOf = (net: VideoModel): Pipeline => ({
    net,
    config: { model: net.dit.config, text: net.encoder.config, objective: 'rectified-flow' },
    checkpoint: 'tiny-seeded',
    step: 0,
    codec: PIXELS,
  });

  it('generates the tfjs video to ≥ 35 dB PSNR (tiny model, 4 Heun steps, guidance 3, two seeds)', () => {
    const net = tinyNetwork();
    const pipe = pipelineOf(net);
    const request = { prompt: PROMPTS[0], seeds: [1, 2], steps: 4, guidance: 3, sampler: 'heun' };
    const viaTfjs = generateVideos(pipe, request);
    const onnx = onnxRuntimeFor(pipe);
    pipe.runtime = onnx;
    const viaOnnx = generateVideos(pipe, request);
    onnx.dispose();
    for (let b = 0; b < 2; b++) {
      const db = psnr(viaOnnx[b], viaTfjs[b]);
      console.log(`tiny model, seed ${b + 1}: onnx vs ${backend} ${db.toFixed(1)} dB`);
      expect(db).toBeGreaterThanOrEqual(35);
    }
    // and the videos are not trivially equal for any pair of inputs: another seed differs
    expect(psnr(viaOnnx[0], viaOnnx[1])).toBeLessThan(35);
    net.dit.dispose();
    net.encoder.dispose();
  });

  it('a model that takes given frames: the same video with frames given (tiny, 3 Heun steps, guidance 3)', () => {
    const net = tinyNetwork({ frameConditioning: true });
    const pipe = pipelineOf(net);
    const frame = 16 * 16 * 3;
    const frames = Uint8Array.from({ length: 4 * frame }, (_, i) => (i * 29) % 256);
    const request = { prompt: PROMPTS[1], seeds: [5, 6], steps: 3, guidance: 3, sampler: 'heun', given: [{ frames, mask: [true, false, false, false] }, null] };
    const viaTfjs = generateVideos(pipe, request);
    const onnx = onnxRuntimeFor(pipe);
    pipe.runtime = onnx;
    const viaOnnx = generateVideos(pipe, request);
    onnx.dispose();
    for (let b = 0; b < 2; b++) expect(psnr(viaOnnx[b], viaTfjs[b])).toBeGreaterThanOrEqual(35);
    expect(viaOnnx[0].frames.subarray(0, frame)).toEqual(frames.subarray(0, frame));
    net.dit.dispose();
    net.encoder.dispose();
  });

  it('opens an exported folder and encodes like the tfjs encoder (unknown words reported)', () => {
    const net = tinyNetwork();
    const dir = path.join(tmp, 'opened');
    writeOnnxFolder(dir, exportNetworks(net, { objective: 'rectified-flow', source: 'test' }));
    const onnx = OnnxTextToVideo.fromFolder(dir);
    const prompts = ['a red ball zorbles'];
    const [viaOnnx, viaTfjs] = [onnx.encode(prompts), net.encoder.encode(prompts)];
    expect(viaOnnx.unknown).toEqual(viaTfjs.unknown);
    expect(viaOnnx.unknown).toEqual(['zorbles']);
    expect(relativeError(viaOnnx.pooled.dataSync(), viaTfjs.pooled.dataSync())).toBeLessThan(TOLERANCE);
    const uncond = [onnx.encodeUnconditional(2), net.encoder.encodeUnconditional(2)];
    expect(relativeError(uncond[0].tokens.dataSync(), uncond[1].tokens.dataSync())).toBeLessThan(TOLERANCE);
    onnx.dispose();
    net.dit.dispose();
    net.encoder.dispose();
  });

  it('reports an onnxruntime failure as an error from the blocking call (no hang), and refuses calls once closed', () => {
    const net = tinyNetwork();
    const sessions = new SyncSessions();
    sessions.load('text', exportNetworks(net, { objective: 'rectified-flow', source: 'test' })['text-encoder'].bytes);
    expect(() => sessions.run('text', { nonsense: { type: 'float32', data: new Float32Array(1), dims: [1] } })).toThrow(/^onnxruntime: /);
    expect(() => sessions.run('missing', {})).toThrow(/no ONNX session "missing"/);
    sessions.close();
    expect(() => sessions.run('text', {})).toThrow(/closed/);
    net.dit.dispose();
    net.encoder.dispose();
  });

  it('refuses a clip size the DiT was not exported for, and an unknown --runtime, with one line', async () => {
    const net = tinyNetwork();
    const onnx = onnxRuntimeFor(pipelineOf(net));
    const text = onnx.encode(['a red ball']);
    expect(() => onnx.denoise(tf.zeros([1, 3, 2, 16, 16]), tf.tensor1d([500]), text)).toThrow(/exported for 4 frames at 16×16, not 2 at 16×16/);
    onnx.dispose();
    net.dit.dispose();
    net.encoder.dispose();
    expect(parseRuntime(undefined)).toBe('tfjs');
    expect(() => parseRuntime('tensorrt')).toThrow(UserError);
    await expect(runGenerate(['a red ball', '--runtime', 'tensorrt'])).rejects.toThrow(/unknown --runtime "tensorrt" \(expected one of: tfjs, onnx\)/);
  });
});
