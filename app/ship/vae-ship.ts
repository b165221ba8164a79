/**
 * Turn a video-autoencoder run into a shipped VAE folder (src/model/vae-folder.ts), the way
 * ship.ts turns a DiT run into a model folder: the EMA weights of its latest (or a given)
 * checkpoint at half precision; the latent shift and scale measured on the run's training
 * clips with those very weights; the reconstruction evaluation of the weights as shipped
 * (eval/reconstruction); a card. Written atomically: a failure leaves `out` as it was.
 *
 *   shipVae({ run: 'runs/vae', out: 'models/vae' });
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../base/errors.js';
import { replaceFolderAtomically, writeFileSynced } from '../../base/io/atomic.js';
import { sha256 } from '../../base/io/hash.js';
import { parseSafetensors, serializeSafetensors } from '../../base/io/safetensors.js';
import { WorldDataset } from '../../datasets/shards.js';
import { bucketDir } from '../../src/train/buckets.js';
import { evaluateReconstruction, type ReconstructionReport, type ReconstructionSettings } from '../../eval/reconstruction/reconstruction.js';
import { loadCheckpoint, restoreVariables, type LoadedTensor } from '../../src/model/checkpoint.js';
import { VideoAutoencoder } from '../../src/model/vae.js';
import { VaeCodec } from '../../src/model/vae-codec.js';
import { VAE_FILES, VAE_FORMAT, VAE_FORMAT_VERSION, type LatentScaling, type VaeFolderConfig } from '../../src/model/vae-folder.js';
import { PIXELS } from '../../src/model/video-codec.js';
import { readVaeRunConfig, validateVaeTrainConfig } from '../../src/train/vae-train-config.js';
import type { VaeStepMetrics } from '../../src/train/vae-trainer.js';
import { stagingFolderFor, toHalf } from './ship.js';
import { vaeCard } from './vae-card.js';

/** The largest VAE weights file we commit (issue 13). */
export const MAX_VAE_BYTES = 5_000_000;
/** Training clips the latent shift and scale are measured on. */
const SCALE_CLIPS = 512;

export interface VaeShipOptions {
  run: string;
  /** A checkpoint folder of that run; its latest when omitted. */
  checkpoint?: string;
  out: string;
  force?: boolean;
  /** The reconstruction evaluation's settings (defaults: RECONSTRUCTION_DEFAULTS). */
  evaluation?: Partial<ReconstructionSettings>;
  /** Hand-written notes on the training for the card (markdown). */
  notes?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface VaeShipResult {
  dir: string;
  config: VaeFolderConfig;
  report: ReconstructionReport;
}

export function shipVae(options: VaeShipOptions): VaeShipResult {
  const out = options.out.replace(/[/\\]+$/, '');
  if (fs.existsSync(out) && !options.force) throw new UserError(`${out} already exists; pass --force to replace it`);
  readVaeRunConfig(options.run); // a folder that is not a VAE run is refused by name
  const ck = loadCheckpoint(options.checkpoint ?? options.run);
  if (path.resolve(path.dirname(path.dirname(ck.path))) !== path.resolve(options.run)) throw new UserError(`checkpoint ${ck.path} is not one of run ${options.run}'s`);
  const train = validateVaeTrainConfig(ck.config, path.join(ck.path, 'state.json'));
  const weights = serializeSafetensors(toHalf(ck.ema ?? ck.params, ck.path), { format: 'pt', source: ck.ema ? 'ema' : 'weights', step: String(ck.step) });
  if (weights.length > MAX_VAE_BYTES) throw new UserError(`the F16 weights are ${weights.length} bytes, over the ${MAX_VAE_BYTES}-byte limit for a shipped VAE`);

  // Everything below measures the weights as shipped (F16, read back).
  const vae = new VideoAutoencoder(train.vae, 0);
  try {
    const shipped = parseSafetensors(weights, path.join(out, VAE_FILES.weights)).tensors as Record<string, LoadedTensor>;
    restoreVariables(vae.params, shipped, `weights of ${ck.path}`);
    // A bucketed run's data holds one dataset per bucket: the scale is measured on the VAE's own clip size's (else the first bucket's).
    const home = train.buckets && (train.buckets.find((b) => b.frames === train.vae.frames && b.height === train.vae.height && b.width === train.vae.width) ?? train.buckets[0]);
    const latent = measureLatentScaling(vae, home ? bucketDir(train.data, home) : train.data);
    const codec = new VaeCodec(vae, latent);
    const report = evaluateReconstruction(codec, [train.vae.frames, train.vae.height, train.vae.width], options.evaluation, options.onProgress);
    const metrics = readMetrics(options.run, ck.step);
    const config: VaeFolderConfig = {
      format: VAE_FORMAT,
      version: VAE_FORMAT_VERSION,
      vae: train.vae,
      latent,
      training: {
        run: options.run,
        step: ck.step,
        samples: ck.step * train.batchSize,
        seconds: Math.round(metrics.reduce((s, m) => s + m.seconds, 0)),
        data: train.data,
        ...(train.initFrom ? { initFrom: train.initFrom } : {}),
      },
      weights: { file: VAE_FILES.weights, dtype: 'F16', parameters: Object.values(ck.params).reduce((n, t) => n + t.data.length, 0), bytes: weights.length, sha256: sha256(weights) },
    };
    const staging = stagingFolderFor(out);
    try {
      const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';
      writeFileSynced(path.join(staging, VAE_FILES.weights), weights);
      writeFileSynced(path.join(staging, VAE_FILES.config), json(config));
      writeFileSynced(path.join(staging, VAE_FILES.reconstruction), json(report));
      writeFileSynced(path.join(staging, VAE_FILES.card), vaeCard({ out, config, train, report, metrics, notes: options.notes, shipCommand: `npx spacetime vae ship --run ${options.run}${options.checkpoint ? ` --checkpoint ${options.checkpoint}` : ''} --out ${out}` }));
      replaceFolderAtomically(staging, out);
    } catch (err) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw err;
    }
    return { dir: out, config, report };
  } finally {
    vae.dispose();
  }
}

/**
 * The mean and 1/std of the encoder's outputs over the first SCALE_CLIPS clips of the training
 * data (all channels pooled, as SD's single scale factor), so the codec's latents have mean 0
 * and variance 1 there.
 */
function measureLatentScaling(vae: VideoAutoencoder, data: string): LatentScaling {
  if (!fs.existsSync(data)) throw new UserError(`the run's training data ${data} is gone: the latent scale is measured on it`);
  const dataset = new WorldDataset(data);
  try {
    const [T, H, W] = dataset.shape;
    const n = Math.min(SCALE_CLIPS, dataset.length);
    let [sum, sumSq, count] = [0, 0, 0];
    for (let i = 0; i < n; i += 16) {
      const clips = Array.from({ length: Math.min(16, n - i) }, (_, k) => dataset.frames(i + k).slice());
      const z = tf.tidy(() => vae.encode(PIXELS.encode(clips, [T, H, W]))); // [b, c, t, h, w]
      for (const v of z.dataSync()) {
        sum += v;
        sumSq += v * v;
      }
      count += z.size;
      z.dispose();
    }
    const mean = sum / count;
    const std = Math.sqrt(Math.max(sumSq / count - mean * mean, 1e-12));
    return { shift: mean, scale: 1 / std };
  } finally {
    dataset.close();
  }
}

/** The run's step lines up to `step`. */
function readMetrics(run: string, step: number): VaeStepMetrics[] {
  const file = path.join(run, 'metrics.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as VaeStepMetrics)
    .filter((m) => m.step <= step);
}
