/**
 * A text-to-video network (DiT + text encoder, and a latent model's VAE) as ONNX files, each
 * with a JSON beside it that says what goes in and comes out (names, dtypes, shapes with the
 * dynamic axis named) and the configuration needed to run it:
 *
 *   DIR/text-encoder.onnx  DIR/text-encoder.json   ids, mask → tokens, pooled, keep
 *   DIR/dit.onnx           DIR/dit.json            x, t, pooled, tokens, mask → prediction
 *   DIR/vae-encoder.onnx   DIR/vae-encoder.json    pixels → latents     (latent models only)
 *   DIR/vae-decoder.onnx   DIR/vae-decoder.json    latents → pixels     (latent models only)
 *
 *   const files = exportNetworks(pipe.net, { objective: 'rectified-flow', source: 'models/default', clip });
 *   const latentFiles = exportNetworks(pipe.net, { objective, source, vae: pipe.codec as VaeCodec });
 *   writeOnnxFolder('out/onnx', files);   // atomically: the whole folder or nothing
 *
 * Running them: ids/mask from src/text/tokenizer.ts → text encoder; its outputs (for the
 * prompt and for the null caption) → the DiT, inside the sampling loop of
 * src/diffusion/generate.ts, with t = 1000·(diffusion time); a latent model's DiT samples
 * latents, which vae-decoder turns into pixels (the latent scale is inside the VAE graphs:
 * export-vae.ts), and given frames go through vae-encoder. src/onnx/runtime.ts does this
 * with onnxruntime-node.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MODEL_TIME_SCALE } from '../diffusion/objective.js';
import { UserError } from '../../base/errors.js';
import { makeStagingFolder, replaceFolderAtomically, writeFileSynced } from '../../base/io/atomic.js';
import { sha256 } from '../../base/io/hash.js';
import type { VaeCodec } from '../model/vae-codec.js';
import type { VideoModel } from '../model/video-model.js';
import { ditGraph, type Clip } from './export-dit.js';
import { textEncoderGraph } from './export-text.js';
import { vaeGraphs } from './export-vae.js';
import type { GraphBuilder, TensorSpec } from './graph.js';
import { encodeModel, ONNX_IR_VERSION, ONNX_OPSET } from './proto.js';

export const ONNX_FORMAT = 'spacetime-onnx';
export const ONNX_FORMAT_VERSION = 1;
/** The networks of every export, by the file stem they are written under. */
export const NETWORKS = ['text-encoder', 'dit'] as const;
/** A latent model's two more: its VAE's encoder and decoder. */
export const VAE_NETWORKS = ['vae-encoder', 'vae-decoder'] as const;
export type NetworkName = (typeof NETWORKS)[number] | (typeof VAE_NETWORKS)[number];

/** The JSON beside each .onnx file. */
export interface NetworkDescription {
  format: typeof ONNX_FORMAT;
  version: typeof ONNX_FORMAT_VERSION;
  network: NetworkName;
  file: string;
  /** sha256 of the .onnx file. */
  sha256: string;
  irVersion: number;
  opset: number;
  /** What each named dynamic axis means. */
  dynamicAxes: Record<string, string>;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** The model's own configuration (src/model/config.ts, src/text/config.ts, src/model/vae-config.ts) and what the network needs to be run. */
  config: Record<string, unknown>;
  /** The checkpoint or model folder the weights came from. */
  source: string;
}

export interface ExportedNetwork {
  bytes: Uint8Array;
  description: NetworkDescription;
}

/** An export's networks: always the text encoder and the DiT; a latent model's VAE encoder and decoder too. */
export type OnnxNetworks = Record<(typeof NETWORKS)[number], ExportedNetwork> & Partial<Record<(typeof VAE_NETWORKS)[number], ExportedNetwork>>;

/** What the JSON of a latent model's dit.json says of the latent space it samples in. */
export interface LatentDescription {
  /** The VAE's tubelet: one latent cell per pt×ph×pw pixels. */
  patch: [number, number, number];
  /** The clip in pixels the VAE graphs were exported for (the DiT's clip is its latent grid). */
  clip: Clip;
  networks: (typeof VAE_NETWORKS)[number][];
}

export interface ExportOptions {
  /** The objective the model was trained with (its output's parameterisation). */
  objective: string;
  /** Where the weights came from (recorded in the JSON). */
  source: string;
  /** Clip size the DiT is exported for (a latent model's: its latent grid); default the model's training clip. */
  clip?: Clip;
  /** A latent model's codec (pipe.codec): its VAE is exported too, for the DiT's clip times the VAE's tubelet. */
  vae?: Pick<VaeCodec, 'vae' | 'latent' | 'weightsSha256'>;
}

/** The networks as ONNX bytes with their descriptions (nothing written). */
export function exportNetworks(net: VideoModel, options: ExportOptions): OnnxNetworks {
  const model = net.dit.config;
  const text = net.encoder.config;
  const clip = options.clip ?? { frames: model.frames, height: model.height, width: model.width };
  const codec = options.vae;
  const patch = codec?.vae.config.patch;
  const pixelClip = patch && { frames: clip.frames * patch[0], height: clip.height * patch[1], width: clip.width * patch[2] };
  const finish = (network: NetworkName, g: GraphBuilder, doc: string, config: Record<string, unknown>): ExportedNetwork => {
    const bytes = encodeModel(g.model({ doc, metadata: { network, source: options.source } }));
    const description: NetworkDescription = {
      format: ONNX_FORMAT,
      version: ONNX_FORMAT_VERSION,
      network,
      file: `${network}.onnx`,
      sha256: sha256(bytes),
      irVersion: ONNX_IR_VERSION,
      opset: ONNX_OPSET,
      dynamicAxes: { batch: BATCH_AXES[network] },
      inputs: g.inputSpecs,
      outputs: g.outputSpecs,
      config,
      source: options.source,
    };
    return { bytes, description };
  };
  const networks: OnnxNetworks = {
    'text-encoder': finish('text-encoder', textEncoderGraph(net.encoder), 'spacetime-lab text encoder (src/text/encoder.ts)', { text }),
    dit: finish('dit', ditGraph(net.dit, clip, text.maxLength), 'spacetime-lab diffusion transformer (src/model/dit.ts)', {
      model,
      clip,
      objective: options.objective,
      modelTimeScale: MODEL_TIME_SCALE,
      ...(patch && pixelClip ? { latent: { patch, clip: pixelClip, networks: [...VAE_NETWORKS] } satisfies LatentDescription } : {}),
    }),
  };
  if (codec && pixelClip) {
    const { encoder, decoder } = vaeGraphs(codec.vae, codec.latent, pixelClip);
    const config = {
      vae: codec.vae.config,
      clip: pixelClip,
      grid: { frames: clip.frames, height: clip.height, width: clip.width },
      // The scale factor is inside the graphs (export-vae.ts): recorded here, not to be applied again.
      latent: { ...codec.latent, applied: 'inside the graphs: vae-encoder outputs (z − shift)·scale, the DiT\'s x; vae-decoder takes it and undoes it' },
      pixels: 'uint8 v ↔ v/127.5 − 1; the decoder\'s output is not clamped (uint8: round((v + 1)·127.5) clamped to 0…255)',
      weights: { sha256: codec.weightsSha256 },
    };
    networks['vae-encoder'] = finish('vae-encoder', encoder, 'spacetime-lab video autoencoder, encoder (src/model/vae.ts)', config);
    networks['vae-decoder'] = finish('vae-decoder', decoder, 'spacetime-lab video autoencoder, decoder (src/model/vae.ts)', config);
  }
  return networks;
}

/** What the dynamic axis of each network counts. */
const BATCH_AXES: Record<NetworkName, string> = {
  'text-encoder': 'prompts in one call',
  dit: 'videos in one call (cond and uncond stacked under guidance)',
  'vae-encoder': 'clips in one call',
  'vae-decoder': 'clips in one call',
};

/** The stems present in `networks`, in writing order. */
function presentNetworks(networks: OnnxNetworks): NetworkName[] {
  return [...NETWORKS, ...VAE_NETWORKS.filter((n) => networks[n])];
}

/**
 * Write the networks into `out` as a whole: staged in a sibling folder, then renamed into
 * place (a previous export there is replaced; any other existing folder is refused).
 */
export function writeOnnxFolder(out: string, networks: OnnxNetworks): void {
  if (fs.existsSync(out) && !isOnnxFolder(out) && (!fs.statSync(out).isDirectory() || fs.readdirSync(out).length > 0)) {
    throw new UserError(`--out ${out} exists and is not an ONNX export (${NETWORKS.map((n) => `${n}.json`).join(', ')}): refusing to replace it`);
  }
  const staging = makeStagingFolder(out);
  try {
    for (const name of presentNetworks(networks)) {
      const { bytes, description } = networks[name]!;
      writeFileSynced(path.join(staging, description.file), bytes);
      writeFileSynced(path.join(staging, `${name}.json`), JSON.stringify(description, null, 2) + '\n');
    }
    replaceFolderAtomically(staging, out);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Whether `dir` holds an ONNX export (both JSON descriptions). */
export function isOnnxFolder(dir: string): boolean {
  return NETWORKS.every((n) => fs.existsSync(path.join(dir, `${n}.json`)));
}

/** Read an exported folder: each network's bytes and description, checked against its sha256 (a latent model's VAE files too). */
export function readOnnxFolder(dir: string): OnnxNetworks {
  const read = (name: NetworkName): ExportedNetwork => {
    const jsonFile = path.join(dir, `${name}.json`);
    if (!fs.existsSync(jsonFile)) {
      throw new UserError((VAE_NETWORKS as readonly string[]).includes(name) ? `ONNX export ${dir} is of a latent model (dit.json) but lacks ${name}.json` : `${dir} is not an ONNX export: it lacks ${name}.json`);
    }
    let description: NetworkDescription;
    try {
      description = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as NetworkDescription;
    } catch (err) {
      throw new UserError(`bad ONNX description ${jsonFile}: ${(err as Error).message.split('\n')[0]}`);
    }
    if (description.format !== ONNX_FORMAT || description.version !== ONNX_FORMAT_VERSION || description.network !== name) {
      throw new UserError(`bad ONNX description ${jsonFile}: not a ${ONNX_FORMAT} version ${ONNX_FORMAT_VERSION} ${name}`);
    }
    const file = path.join(dir, path.basename(description.file));
    if (!fs.existsSync(file)) throw new UserError(`ONNX export ${dir} lacks ${description.file}`);
    const bytes = fs.readFileSync(file);
    if (sha256(bytes) !== description.sha256) throw new UserError(`${file} does not match the sha256 in ${name}.json (damaged or replaced)`);
    return { bytes, description };
  };
  const networks: OnnxNetworks = { 'text-encoder': read('text-encoder'), dit: read('dit') };
  if (networks.dit.description.config.latent) for (const name of VAE_NETWORKS) networks[name] = read(name);
  return networks;
}
