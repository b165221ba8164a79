/**
 * A text-to-video network (DiT + text encoder) as two ONNX files, each with a JSON beside it
 * that says what goes in and comes out (names, dtypes, shapes with the dynamic axis named)
 * and the configuration needed to run it:
 *
 *   DIR/text-encoder.onnx  DIR/text-encoder.json   ids, mask → tokens, pooled, keep
 *   DIR/dit.onnx           DIR/dit.json            x, t, pooled, tokens, mask → prediction
 *
 *   const files = exportNetworks(pipe.net, { objective: 'rectified-flow', source: 'models/default', clip });
 *   writeOnnxFolder('out/onnx', files);   // atomically: the whole folder or nothing
 *
 * Running them: ids/mask from src/text/tokenizer.ts → text encoder; its outputs (for the
 * prompt and for the null caption) → the DiT, inside the sampling loop of
 * src/diffusion/generate.ts, with t = 1000·(diffusion time). src/onnx/runtime.ts does this
 * with onnxruntime-node.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MODEL_TIME_SCALE } from '../diffusion/objective.js';
import { UserError } from '../../base/errors.js';
import { makeStagingFolder, replaceFolderAtomically, writeFileSynced } from '../../base/io/atomic.js';
import { sha256 } from '../../base/io/hash.js';
import type { VideoModel } from '../model/video-model.js';
import { ditGraph, type Clip } from './export-dit.js';
import { textEncoderGraph } from './export-text.js';
import type { GraphBuilder, TensorSpec } from './graph.js';
import { encodeModel, ONNX_IR_VERSION, ONNX_OPSET } from './proto.js';

export const ONNX_FORMAT = 'spacetime-onnx';
export const ONNX_FORMAT_VERSION = 1;
/** The two networks, by the file stem they are written under. */
export const NETWORKS = ['text-encoder', 'dit'] as const;
export type NetworkName = (typeof NETWORKS)[number];

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
  /** The model's own configuration (src/model/config.ts, src/text/config.ts) and what the DiT needs to be sampled. */
  config: Record<string, unknown>;
  /** The checkpoint or model folder the weights came from. */
  source: string;
}

export interface ExportedNetwork {
  bytes: Uint8Array;
  description: NetworkDescription;
}

export interface ExportOptions {
  /** The objective the model was trained with (its output's parameterisation). */
  objective: string;
  /** Where the weights came from (recorded in the JSON). */
  source: string;
  /** Clip size the DiT is exported for; default the model's training clip. */
  clip?: Clip;
}

/** Both networks as ONNX bytes with their descriptions (nothing written). */
export function exportNetworks(net: VideoModel, options: ExportOptions): Record<NetworkName, ExportedNetwork> {
  const model = net.dit.config;
  const text = net.encoder.config;
  const clip = options.clip ?? { frames: model.frames, height: model.height, width: model.width };
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
      dynamicAxes: { batch: network === 'dit' ? 'videos in one call (cond and uncond stacked under guidance)' : 'prompts in one call' },
      inputs: g.inputSpecs,
      outputs: g.outputSpecs,
      config,
      source: options.source,
    };
    return { bytes, description };
  };
  return {
    'text-encoder': finish('text-encoder', textEncoderGraph(net.encoder), 'spacetime-lab text encoder (src/text/encoder.ts)', { text }),
    dit: finish('dit', ditGraph(net.dit, clip, text.maxLength), 'spacetime-lab diffusion transformer (src/model/dit.ts)', {
      model,
      clip,
      objective: options.objective,
      modelTimeScale: MODEL_TIME_SCALE,
    }),
  };
}

/**
 * Write the networks into `out` as a whole: staged in a sibling folder, then renamed into
 * place (a previous export there is replaced; any other existing folder is refused).
 */
export function writeOnnxFolder(out: string, networks: Record<NetworkName, ExportedNetwork>): void {
  if (fs.existsSync(out) && !isOnnxFolder(out) && (!fs.statSync(out).isDirectory() || fs.readdirSync(out).length > 0)) {
    throw new UserError(`--out ${out} exists and is not an ONNX export (${NETWORKS.map((n) => `${n}.json`).join(', ')}): refusing to replace it`);
  }
  const staging = makeStagingFolder(out);
  try {
    for (const name of NETWORKS) {
      const { bytes, description } = networks[name];
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

/** Read an exported folder: each network's bytes and description, checked against its sha256. */
export function readOnnxFolder(dir: string): Record<NetworkName, ExportedNetwork> {
  const read = (name: NetworkName): ExportedNetwork => {
    const jsonFile = path.join(dir, `${name}.json`);
    if (!fs.existsSync(jsonFile)) throw new UserError(`${dir} is not an ONNX export: it lacks ${name}.json`);
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
  return { 'text-encoder': read('text-encoder'), dit: read('dit') };
}
