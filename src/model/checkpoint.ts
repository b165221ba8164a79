/**
 * Training checkpoints: weights, EMA weights, optimizer moments and the trainer's state,
 * written so that a crash at any moment leaves either the old checkpoint or the new one,
 * never half of one, and checked on load so a damaged one is refused by name.
 *
 * Layout (one writer per run folder):
 *
 *   RUN/checkpoints/
 *     step-00000123/
 *       model.safetensors      weights, PyTorch names and [out, in] layout; F32, or F16 with
 *                              { dtype: 'F16' } (for a shipped model: resuming from F16 is
 *                              not bit-identical)
 *       ema.safetensors        EMA weights, same dtype (only when given)
 *       optimizer.safetensors  AdamW moments as `m.NAME` and `v.NAME`, always F32;
 *                              metadata {"step": "N"} (only when given)
 *       state.json             {"step", "config", "state"}: the resolved config and whatever
 *                              the trainer must restore (RNG state, data cursor, schedule, ...)
 *       manifest.json          {"format", "version", "step", "files": {NAME: {bytes, sha256}}}
 *     latest                   "step-00000123\n": the newest complete checkpoint
 *     .step-00000123.tmp-…/    a save in progress or interrupted: ignored, removed by the next save
 *
 * A save writes every file into the temporary folder with fsync, renames the folder into
 * place (base/io/atomic.ts `replaceFolderAtomically`), then rewrites `latest` atomically.
 * Older checkpoints stay unless `keepLast` says otherwise, so when the newest is damaged the
 * previous good one is still there.
 *
 *   const at = saveCheckpoint('runs/small', {
 *     step, config, params: model.params, ema: ema.params,
 *     optimizer: { step: opt.step_, m: opt.m, v: opt.v },
 *     state: { rng: rng.state(), cursor: reader.cursor() },
 *   }, { keepLast: 3 });
 *   const ck = loadCheckpoint(latestCheckpoint('runs/small') ?? fail());
 *   restoreVariables(model.params, ck.params, 'model weights');
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../base/errors.js';
import { ensureWritableDir, isTempName, makeStagingFolder, replaceFolderAtomically, writeFileAtomic, writeFileSynced } from '../../base/io/atomic.js';
import { sha256 } from '../../base/io/hash.js';
import { parseSafetensors, serializeSafetensors, type SafeTensor } from '../../base/io/safetensors.js';

// ---------------------------------------------------------------- types

export type WeightsDtype = 'F32' | 'F16';

export interface CheckpointInput {
  step: number;
  /** The resolved config, saved as JSON. */
  config: unknown;
  params: Record<string, tf.Tensor>;
  ema?: Record<string, tf.Tensor>;
  optimizer?: { step: number; m: Record<string, tf.Tensor>; v: Record<string, tf.Tensor> };
  /** Everything else the trainer restores on resume (RNG state, data cursor, ...): JSON values. */
  state: Record<string, unknown>;
}

export interface SaveOptions {
  /** On-disk dtype of the model and EMA weights (default F32; the optimizer is always F32). */
  dtype?: WeightsDtype;
  /** Delete all but the newest K checkpoints at or below this step (default: keep all). */
  keepLast?: number;
}

/** A tensor as loaded: row-major float32 values and their shape. */
export interface LoadedTensor {
  shape: number[];
  data: Float32Array;
}

export interface LoadedCheckpoint {
  path: string;
  step: number;
  config: unknown;
  weightsDtype: WeightsDtype;
  params: Record<string, LoadedTensor>;
  ema?: Record<string, LoadedTensor>;
  optimizer?: { step: number; m: Record<string, LoadedTensor>; v: Record<string, LoadedTensor> };
  state: Record<string, unknown>;
}

interface Manifest {
  format: typeof FORMAT;
  version: typeof VERSION;
  step: number;
  files: Record<string, { bytes: number; sha256: string }>;
}

export const CHECKPOINTS_DIR = 'checkpoints';
export const LATEST_FILE = 'latest';
const FORMAT = 'spacetime-checkpoint';
const VERSION = 1;
const MODEL = 'model.safetensors';
const EMA = 'ema.safetensors';
/** The weights files of a checkpoint (the raw weights, their EMA). */
export { MODEL as MODEL_FILE, EMA as EMA_FILE };
const OPTIMIZER = 'optimizer.safetensors';
const STATE = 'state.json';
const MANIFEST = 'manifest.json';
const DATA_FILES = [MODEL, EMA, OPTIMIZER, STATE];
const STEP_DIGITS = 8;
const STEP_FOLDER = /^step-(\d+)$/;

/** The folder name of the checkpoint at `step`: step-00000123. */
export function checkpointName(step: number): string {
  return `step-${String(step).padStart(STEP_DIGITS, '0')}`;
}

// ---------------------------------------------------------------- saving

/** Save a checkpoint under RUN/checkpoints/step-N/ and point `latest` at it; returns its path. */
export function saveCheckpoint(runDir: string, ck: CheckpointInput, opts: SaveOptions = {}): string {
  const dtype = opts.dtype ?? 'F32';
  if (!Number.isSafeInteger(ck.step) || ck.step < 0) throw new UserError(`checkpoint step must be a non-negative integer, got ${ck.step}`);
  if (dtype !== 'F32' && dtype !== 'F16') throw new UserError(`checkpoint dtype must be F32 or F16, got ${String(dtype)}`);
  if (opts.keepLast !== undefined && !(Number.isSafeInteger(opts.keepLast) && opts.keepLast >= 1)) {
    throw new UserError(`keepLast must be a positive integer, got ${opts.keepLast}`);
  }
  const checkpointsDir = path.join(runDir, CHECKPOINTS_DIR);
  ensureWritableDir(checkpointsDir);
  removeInterruptedSaves(checkpointsDir);

  // Everything is serialized before the first byte is written, so a bad input leaves no trace.
  const files: Record<string, Uint8Array | string> = {};
  files[MODEL] = serializeSafetensors(toSafeTensors(ck.params, dtype, 'params'), { format: 'pt' });
  if (ck.ema) files[EMA] = serializeSafetensors(toSafeTensors(ck.ema, dtype, 'ema'), { format: 'pt' });
  if (ck.optimizer) {
    const { step, m, v } = ck.optimizer;
    if (!Number.isSafeInteger(step) || step < 0) throw new UserError(`optimizer step must be a non-negative integer, got ${step}`);
    const moments = { ...prefixed('m.', toSafeTensors(m, 'F32', 'optimizer.m')), ...prefixed('v.', toSafeTensors(v, 'F32', 'optimizer.v')) };
    files[OPTIMIZER] = serializeSafetensors(moments, { step: String(step) });
  }
  files[STATE] = toJson({ step: ck.step, config: ck.config, state: ck.state }, STATE);
  const manifest: Manifest = { format: FORMAT, version: VERSION, step: ck.step, files: {} };
  for (const name of Object.keys(files).sort()) {
    const data = files[name];
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    manifest.files[name] = { bytes: bytes.length, sha256: sha256(bytes) };
  }
  files[MANIFEST] = JSON.stringify(manifest, null, 2) + '\n';

  const name = checkpointName(ck.step);
  const finalDir = path.join(checkpointsDir, name);
  let staging: string | null = null;
  try {
    staging = makeStagingFolder(finalDir);
    for (const [file, data] of Object.entries(files)) writeFileSynced(path.join(staging, file), data);
    replaceFolderAtomically(staging, finalDir); // saving the same step again (a resumed run) replaces it
  } catch (err) {
    if (staging) fs.rmSync(staging, { recursive: true, force: true });
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot save checkpoint ${finalDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  writeFileAtomic(path.join(checkpointsDir, LATEST_FILE), `${name}\n`);
  if (opts.keepLast !== undefined) pruneCheckpoints(runDir, ck.step, opts.keepLast);
  return finalDir;
}

function toSafeTensors(tensors: Record<string, tf.Tensor>, dtype: WeightsDtype, what: string): Record<string, SafeTensor> {
  const out: Record<string, SafeTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32') throw new UserError(`checkpoint ${what}: "${name}" is ${t.dtype}; only float32 tensors are saved`);
    out[name] = { dtype, shape: [...t.shape], data: t.dataSync() as Float32Array };
  }
  return out;
}

function prefixed(prefix: string, tensors: Record<string, SafeTensor>): Record<string, SafeTensor> {
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [prefix + k, t]));
}

/** JSON text that parses back to exactly `value`; NaN and ±Infinity are refused, not nulled. */
function toJson(value: unknown, file: string): string {
  const text = JSON.stringify(
    value,
    (key, v) => {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new UserError(`checkpoint ${file}: "${key}" is ${v}, which JSON cannot hold`);
      return v;
    },
    2,
  );
  return text + '\n';
}



/** Remove what interrupted saves left behind (safe: one writer per run folder). */
function removeInterruptedSaves(checkpointsDir: string): void {
  for (const entry of fs.readdirSync(checkpointsDir)) {
    // `.tmp-step-…`: how saves named their folder before base/io/atomic.ts named them all
    if (isTempName(entry) || entry.startsWith('.tmp-')) fs.rmSync(path.join(checkpointsDir, entry), { recursive: true, force: true });
  }
}

/** Keep the newest `keep` checkpoints at or below `step`; never touch those above it. */
function pruneCheckpoints(runDir: string, step: number, keep: number): void {
  const older = listCheckpoints(runDir).filter((c) => c.step <= step);
  for (const c of older.slice(0, Math.max(0, older.length - keep))) fs.rmSync(c.path, { recursive: true, force: true });
}

// ---------------------------------------------------------------- finding

/** Every checkpoint folder of a run (complete renames only), oldest step first. */
export function listCheckpoints(runDir: string): { step: number; path: string }[] {
  const checkpointsDir = path.join(runDir, CHECKPOINTS_DIR);
  if (!fs.existsSync(checkpointsDir)) return [];
  return fs
    .readdirSync(checkpointsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && STEP_FOLDER.test(e.name))
    .map((e) => ({ step: Number(STEP_FOLDER.exec(e.name)![1]), path: path.join(checkpointsDir, e.name) }))
    .sort((a, b) => a.step - b.step);
}

/** Where a run's one-line notes go unless the caller says otherwise. */
const noteOnStderr = (line: string) => console.error(`note: ${line}`);

/**
 * The checkpoint `latest` points at, verified (checksums), or null when the run has none.
 * When it is damaged this throws a UserError naming the damaged file and the previous good
 * checkpoint, with the flags that use it. When the folder it names is gone (deleted by hand),
 * it falls back to the newest good checkpoint before that step, saying so in a one-line
 * `note`. Without a `latest` file (a crash before the first pointer was written) it takes
 * the newest complete folder.
 */
export function latestCheckpoint(runDir: string, note: (line: string) => void = noteOnStderr): string | null {
  const checkpointsDir = path.join(runDir, CHECKPOINTS_DIR);
  const pointer = path.join(checkpointsDir, LATEST_FILE);
  let target: string;
  if (fs.existsSync(pointer)) {
    const name = fs.readFileSync(pointer, 'utf8').trim();
    if (!STEP_FOLDER.test(name)) {
      throw new UserError(`corrupt checkpoint pointer ${pointer}: expected a folder name like ${checkpointName(0)}, got ${JSON.stringify(name.slice(0, 40))}; delete it to use the newest complete checkpoint`);
    }
    target = path.join(checkpointsDir, name);
    if (!fs.existsSync(target)) {
      const fallback = previousGoodCheckpoint(runDir, target);
      note(`${pointer} names ${name}, which is gone: ${fallback ? `using ${fallback}, the newest good checkpoint before it` : 'no good checkpoint before it'}`);
      return fallback;
    }
  } else {
    const all = listCheckpoints(runDir);
    if (all.length === 0) return null;
    target = all[all.length - 1].path;
  }
  try {
    verifyCheckpoint(target);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const previous = previousGoodCheckpoint(runDir, target);
    const advice = previous
      ? `the previous good checkpoint is ${previous}: train --resume-from ${stepOf(previous)} continues from it, --checkpoint ${previous} loads it`
      : `no earlier good checkpoint in this run: delete ${target}, and train --resume starts it over from step 0`;
    throw new UserError(`latest checkpoint is unusable: ${err.message}; ${advice}`);
  }
  return target;
}

/** The step a checkpoint folder's name says (step-00000123 → 123), or null for another name. */
export function stepOf(checkpointDir: string): number | null {
  const match = STEP_FOLDER.exec(path.basename(checkpointDir));
  return match ? Number(match[1]) : null;
}

/** The newest checkpoint before `bad`'s step that passes its checksums, or null. */
function previousGoodCheckpoint(runDir: string, bad: string): string | null {
  const badStep = stepOf(bad) ?? Infinity;
  const earlier = listCheckpoints(runDir).filter((c) => c.step < badStep);
  for (const c of earlier.reverse()) {
    try {
      verifyCheckpoint(c.path);
      return c.path;
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
    }
  }
  return null;
}

/**
 * A checkpoint of this run picked by hand (`train --resume-from`): a step number, or the
 * path of one of RUN/checkpoints/step-N. Returns its folder (not yet verified: loading does).
 */
export function pickCheckpoint(runDir: string, stepOrPath: string): string {
  const checkpointsDir = path.join(runDir, CHECKPOINTS_DIR);
  const have = () => {
    const steps = listCheckpoints(runDir).map((c) => c.step);
    return steps.length ? `it has steps ${steps.join(', ')}` : 'it has no checkpoint';
  };
  if (/^\d+$/.test(stepOrPath)) {
    const dir = path.join(checkpointsDir, checkpointName(Number(stepOrPath)));
    if (!fs.existsSync(dir)) throw new UserError(`--resume-from ${stepOrPath}: ${runDir} has no checkpoint at step ${Number(stepOrPath)} (${have()})`);
    return dir;
  }
  const real = (p: string) => (fs.existsSync(p) ? fs.realpathSync(p) : path.resolve(p));
  if (!fs.existsSync(stepOrPath)) throw new UserError(`--resume-from ${stepOrPath}: no such checkpoint folder`);
  if (stepOf(stepOrPath) === null || real(path.dirname(stepOrPath)) !== real(checkpointsDir)) {
    throw new UserError(`--resume-from ${stepOrPath}: not a checkpoint of ${runDir} (${have()}); to start a new run from another run's weights use --init`);
  }
  return stepOrPath;
}

/** Point `latest` at `checkpointDir` (one of the run's own), atomically. */
export function pointLatestAt(runDir: string, checkpointDir: string): void {
  writeFileAtomic(path.join(runDir, CHECKPOINTS_DIR, LATEST_FILE), `${path.basename(checkpointDir)}\n`);
}

// ---------------------------------------------------------------- loading

/** Check that `dir` is a complete checkpoint whose files match their manifest checksums. */
export function verifyCheckpoint(dir: string): void {
  readVerified(dir);
}

/**
 * Load a checkpoint folder, or the latest checkpoint of a run folder. Every file is
 * checked against the manifest's size and sha256 and parsed; any defect is a one-line
 * UserError naming the file.
 */
export function loadCheckpoint(checkpointOrRunDir: string): LoadedCheckpoint {
  const dir = checkpointFolder(checkpointOrRunDir);
  const { manifest, files } = readVerified(dir);
  const where = (file: string) => path.join(dir, file);

  const model = parseSafetensors(files[MODEL], where(MODEL));
  const params = toLoaded(model.tensors, where(MODEL));
  const weightsDtype = Object.values(model.tensors)[0]?.dtype === 'F16' ? 'F16' : 'F32';
  const ema = files[EMA] ? toLoaded(parseSafetensors(files[EMA], where(EMA)).tensors, where(EMA)) : undefined;

  let optimizer: LoadedCheckpoint['optimizer'];
  if (files[OPTIMIZER]) {
    const parsed = parseSafetensors(files[OPTIMIZER], where(OPTIMIZER));
    const step = Number(parsed.metadata.step);
    if (!Number.isSafeInteger(step) || step < 0) throw new UserError(`corrupt checkpoint file ${where(OPTIMIZER)}: metadata step ${JSON.stringify(parsed.metadata.step)} is not an integer`);
    const all = toLoaded(parsed.tensors, where(OPTIMIZER));
    const m: Record<string, LoadedTensor> = {};
    const v: Record<string, LoadedTensor> = {};
    for (const [name, t] of Object.entries(all)) {
      if (name.startsWith('m.')) m[name.slice(2)] = t;
      else if (name.startsWith('v.')) v[name.slice(2)] = t;
      else throw new UserError(`corrupt checkpoint file ${where(OPTIMIZER)}: tensor "${name}" is neither m.NAME nor v.NAME`);
    }
    optimizer = { step, m, v };
  }

  const state = parseJson(files[STATE], where(STATE)) as { step?: unknown; config?: unknown; state?: unknown };
  if (state.step !== manifest.step) throw new UserError(`corrupt checkpoint file ${where(STATE)}: step ${String(state.step)} disagrees with the manifest's ${manifest.step}`);
  if (typeof state.state !== 'object' || state.state === null || Array.isArray(state.state)) throw new UserError(`corrupt checkpoint file ${where(STATE)}: "state" is not an object`);
  return { path: dir, step: manifest.step, config: state.config, weightsDtype, params, ema, optimizer, state: state.state as Record<string, unknown> };
}

/**
 * The config saved with a checkpoint (or a run's latest), read without its weights: what a
 * request can be checked against before the weights are loaded (the server's uploads).
 */
export function readCheckpointConfig(checkpointOrRunDir: string): unknown {
  const file = path.join(checkpointFolder(checkpointOrRunDir), STATE);
  if (!fs.existsSync(file)) throw new UserError(`checkpoint ${checkpointOrRunDir} has no ${STATE}`);
  return (parseJson(fs.readFileSync(file), file) as { config?: unknown }).config;
}

/** A checkpoint folder as given, or a run folder's latest checkpoint. */
function checkpointFolder(checkpointOrRunDir: string): string {
  const dir = checkpointOrRunDir;
  if (fs.existsSync(path.join(dir, MANIFEST)) || !fs.existsSync(path.join(dir, CHECKPOINTS_DIR))) return dir;
  const latest = latestCheckpoint(dir);
  if (!latest) throw new UserError(`run folder ${dir} has no checkpoint yet`);
  return latest;
}

/** The manifest and the bytes of every file it lists, each checked against its size and sha256. */
function readVerified(dir: string): { manifest: Manifest; files: Record<string, Buffer> } {
  const manifestPath = path.join(dir, MANIFEST);
  if (!fs.existsSync(dir)) throw new UserError(`checkpoint ${dir} does not exist`);
  if (!fs.existsSync(manifestPath)) throw new UserError(`incomplete checkpoint ${dir}: no ${MANIFEST}`);
  const manifest = parseManifest(fs.readFileSync(manifestPath), manifestPath);
  const files: Record<string, Buffer> = {};
  for (const [name, expected] of Object.entries(manifest.files)) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) throw new UserError(`corrupt checkpoint file ${file}: missing (listed in ${MANIFEST})`);
    const bytes = fs.readFileSync(file);
    if (bytes.length !== expected.bytes) throw new UserError(`corrupt checkpoint file ${file}: ${bytes.length} bytes, the manifest says ${expected.bytes} (truncated?)`);
    if (sha256(bytes) !== expected.sha256) throw new UserError(`corrupt checkpoint file ${file}: sha256 does not match ${MANIFEST} (damaged after it was saved)`);
    files[name] = bytes;
  }
  return { manifest, files };
}

function parseManifest(bytes: Buffer, file: string): Manifest {
  const bad = (problem: string): never => {
    throw new UserError(`corrupt checkpoint file ${file}: ${problem}`);
  };
  const m = parseJson(bytes, file) as Partial<Manifest>;
  if (m.format !== FORMAT || m.version !== VERSION) bad(`not a ${FORMAT} version ${VERSION} manifest`);
  if (!Number.isSafeInteger(m.step) || (m.step as number) < 0) bad(`bad step ${JSON.stringify(m.step)}`);
  if (typeof m.files !== 'object' || m.files === null) bad('no "files"');
  for (const [name, entry] of Object.entries(m.files as Record<string, unknown>)) {
    if (!DATA_FILES.includes(name)) bad(`unexpected file "${name}"`);
    const e = entry as { bytes?: unknown; sha256?: unknown };
    if (!Number.isSafeInteger(e?.bytes) || typeof e?.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) bad(`bad entry for "${name}"`);
  }
  for (const required of [MODEL, STATE]) if (!(required in (m.files as object))) bad(`does not list ${required}`);
  return m as Manifest;
}

function parseJson(bytes: Buffer, file: string): unknown {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value;
  } catch (err) {
    throw new UserError(`corrupt checkpoint file ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
}

function toLoaded(tensors: Record<string, SafeTensor>, file: string): Record<string, LoadedTensor> {
  const out: Record<string, LoadedTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t.data instanceof Float32Array)) throw new UserError(`corrupt checkpoint file ${file}: tensor "${name}" is ${t.dtype}, expected floats`);
    out[name] = { shape: t.shape, data: t.data };
  }
  return out;
}

// ---------------------------------------------------------------- restoring

/**
 * Assign loaded values to variables, requiring the same names and shapes on both sides
 * (a checkpoint from another config is refused, not half-applied).
 *
 *   restoreVariables(model.params, ck.params, 'model weights');
 *   restoreVariables(opt.m, ck.optimizer!.m, 'optimizer m'); opt.step_ = ck.optimizer!.step;
 */
export function restoreVariables(target: Record<string, tf.Variable>, loaded: Record<string, LoadedTensor>, what: string): void {
  const missing = Object.keys(target).filter((k) => !(k in loaded));
  const unexpected = Object.keys(loaded).filter((k) => !(k in target));
  const list = (names: string[]) => names.slice(0, 3).join(', ') + (names.length > 3 ? `, … (${names.length} in all)` : '');
  if (missing.length) throw new UserError(`checkpoint ${what} lack ${list(missing)}: saved from a different model config?`);
  if (unexpected.length) throw new UserError(`checkpoint ${what} have unexpected ${list(unexpected)}: saved from a different model config?`);
  for (const [name, v] of Object.entries(target)) {
    const { shape, data } = loaded[name];
    if (shape.length !== v.shape.length || shape.some((d, i) => d !== v.shape[i])) {
      throw new UserError(`checkpoint ${what}: "${name}" has shape [${shape.join(', ')}], the model wants [${v.shape.join(', ')}]`);
    }
  }
  for (const [name, v] of Object.entries(target)) {
    const t = tf.tensor(loaded[name].data, loaded[name].shape, 'float32');
    v.assign(t);
    t.dispose();
  }
}
