// Checkpoints: exact round trip of a real model + AdamW state, F16 weights, atomic saves,
// checksum refusals, the `latest` pointer, keepLast, and interrupted saves.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../base/errors.js';
import { resolveConfig } from './config.js';
import { DiT } from './dit.js';
import { AdamW } from '../train/adamw.js';
import { checkpointName, latestCheckpoint, listCheckpoints, loadCheckpoint, pickCheckpoint, restoreVariables, saveCheckpoint, type CheckpointInput, type LoadedTensor } from './checkpoint.js';

await tf.setBackend('cpu');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-checkpoint-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let runs = 0;
const newRun = () => path.join(root, `run-${runs++}`);

const tiny = resolveConfig('tiny');

// DiT variables have global names, so each test disposes its models before the next makes one.
const live: { dispose(): void }[] = [];
afterEach(() => live.splice(0).forEach((x) => x.dispose()));

/** A tiny DiT after two AdamW steps (so m, v and the weights are all non-trivial), and an EMA copy. */
function trainedModel(seed: number): { model: DiT; opt: AdamW; ema: Record<string, tf.Tensor> } {
  const model = new DiT(tiny, seed);
  live.push(model);
  const opt = new AdamW(model.params, { lr: 1e-2 });
  for (let s = 0; s < 2; s++) {
    const grads = tf.tidy(() => Object.fromEntries(Object.entries(model.params).map(([k, v], i) => [k, tf.randomNormal(v.shape, 0, 1, 'float32', seed * 1000 + s * 100 + i)])));
    opt.step(grads);
    tf.dispose(grads);
  }
  const ema = tf.tidy(() => Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, tf.mul(v, 0.5)])));
  live.push(opt, { dispose: () => tf.dispose(ema) });
  return { model, opt, ema };
}

const state = {
  rng: { s: [0x9e3779b9, 0x243f6a88, 0xb7e15162, 0], counter: 2 ** 40 + 1 },
  cursor: { epoch: 3, index: 17, order: [4, 0, 2] },
  schedule: { lr: 0.1 + 0.2, warmup: 100 },
  note: 'ünïcode "quoted"',
};

function input(step: number, m: ReturnType<typeof trainedModel>): CheckpointInput {
  return { step, config: tiny, params: m.model.params, ema: m.ema, optimizer: { step: m.opt.step_, m: m.opt.m, v: m.opt.v }, state };
}

function expectSame(loaded: Record<string, LoadedTensor>, original: Record<string, tf.Tensor>): void {
  expect(Object.keys(loaded).sort()).toEqual(Object.keys(original).sort());
  for (const [name, t] of Object.entries(original)) {
    expect(loaded[name].shape).toEqual(t.shape);
    expect(bytesOf(loaded[name].data).equals(bytesOf(t.dataSync() as Float32Array))).toBe(true); // bit for bit
  }
}

const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The one-line UserError `fn` throws. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

function flipByte(file: string, at: number): void {
  const bytes = fs.readFileSync(file);
  bytes[at] ^= 0x01;
  fs.writeFileSync(file, bytes);
}

describe('checkpoint round trip', () => {
  it('restores weights, EMA, AdamW moments and state exactly', () => {
    const run = newRun();
    const m = trainedModel(1);
    const at = saveCheckpoint(run, input(123, m));
    expect(at).toBe(path.join(run, 'checkpoints', 'step-00000123'));
    expect(fs.readdirSync(at).sort()).toEqual(['ema.safetensors', 'manifest.json', 'model.safetensors', 'optimizer.safetensors', 'state.json']);
    expect(fs.readFileSync(path.join(run, 'checkpoints', 'latest'), 'utf8')).toBe('step-00000123\n');
    expect(latestCheckpoint(run)).toBe(at);

    const ck = loadCheckpoint(at);
    expect(ck.step).toBe(123);
    expect(ck.weightsDtype).toBe('F32');
    expect(ck.config).toEqual(tiny);
    expect(ck.state).toEqual(state);
    expectSame(ck.params, m.model.params);
    expectSame(ck.ema!, m.ema);
    expect(ck.optimizer!.step).toBe(2);
    expectSame(ck.optimizer!.m, m.opt.m);
    expectSame(ck.optimizer!.v, m.opt.v);

    // Into a fresh model and optimizer: the restored variables equal the saved ones bit for bit.
    live.splice(0).forEach((x) => x.dispose());
    const fresh = new DiT(tiny, 99);
    const freshOpt = new AdamW(fresh.params);
    live.push(fresh, freshOpt);
    restoreVariables(fresh.params, ck.params, 'model weights');
    restoreVariables(freshOpt.m, ck.optimizer!.m, 'optimizer m');
    restoreVariables(freshOpt.v, ck.optimizer!.v, 'optimizer v');
    expectSame(ck.params, fresh.params);
    expectSame(ck.optimizer!.v, freshOpt.v);

    expect(loadCheckpoint(run).path).toBe(at); // a run folder means its latest checkpoint
    expect(fs.readdirSync(path.join(run, 'checkpoints')).sort()).toEqual(['latest', 'step-00000123']);
  });

  it('writes F16 weights on request, within half precision, and keeps the optimizer in F32', () => {
    const run = newRun();
    const m = trainedModel(2);
    const at = saveCheckpoint(run, input(5, m), { dtype: 'F16' });
    const ck = loadCheckpoint(at);
    expect(ck.weightsDtype).toBe('F16');
    for (const [name, t] of Object.entries(m.model.params)) {
      const want = t.dataSync();
      ck.params[name].data.forEach((x, i) => expect(Math.abs(x - want[i])).toBeLessThanOrEqual(Math.max(Math.abs(want[i]) * 2 ** -11, 2 ** -25)));
    }
    expectSame(ck.optimizer!.m, m.opt.m);
    const f32 = saveCheckpoint(newRun(), input(5, m));
    expect(fs.statSync(path.join(at, 'model.safetensors')).size).toBeLessThan(0.51 * fs.statSync(path.join(f32, 'model.safetensors')).size);
  });

  it('is byte-identical for identical inputs (manifest hashes pinned by content, not time)', () => {
    const m = trainedModel(3);
    const a = saveCheckpoint(newRun(), input(7, m));
    const b = saveCheckpoint(newRun(), input(7, m));
    for (const f of fs.readdirSync(a)) expect(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f)))).toBe(true);
  });

  const hasSafetensors = spawnSync('/usr/bin/python3', ['-c', 'import safetensors.numpy'], { stdio: 'ignore' }).status === 0;
  const why = hasSafetensors ? '' : ' (skipped: /usr/bin/python3 has no safetensors module; base/io/safetensors.test.ts still runs a stdlib reader)';
  it.skipIf(!hasSafetensors)(`Python's safetensors loads model.safetensors with the DiT's names and [out, in] shapes${why}`, () => {
    const m = trainedModel(4);
    const at = saveCheckpoint(newRun(), { step: 1, config: tiny, params: m.model.params, state: {} }, { dtype: 'F16' });
    const r = spawnSync(
      '/usr/bin/python3',
      ['-c', 'import sys, json\nfrom safetensors.numpy import load_file\nt = load_file(sys.argv[1])\nprint(json.dumps({k: [str(v.dtype), list(v.shape), float(v.astype("float64").sum())] for k, v in t.items()}))', path.join(at, 'model.safetensors')],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as Record<string, [string, number[], number]>;
    const ck = loadCheckpoint(at);
    expect(Object.keys(got).sort()).toEqual(Object.keys(m.model.params).sort());
    expect(got['blocks.0.attn.qkv.weight'].slice(0, 2)).toEqual(['float16', [3 * tiny.hidden, tiny.hidden]]);
    for (const [name, t] of Object.entries(ck.params)) {
      const sum = t.data.reduce((a, x) => a + x, 0);
      expect(got[name][2]).toBeCloseTo(sum, 3);
    }
  });
});

describe('checkpoint refusals', () => {
  it('refuses a flipped byte by checksum, naming the file, and points at the previous good checkpoint', () => {
    const run = newRun();
    const m = trainedModel(5);
    const good = saveCheckpoint(run, input(100, m));
    const bad = saveCheckpoint(run, input(200, m));
    const file = path.join(bad, 'model.safetensors');
    flipByte(file, fs.statSync(file).size - 3); // inside a tensor's bytes: the file still parses

    expect(refusal(() => loadCheckpoint(bad))).toBe(`corrupt checkpoint file ${file}: sha256 does not match manifest.json (damaged after it was saved)`);
    const message = refusal(() => latestCheckpoint(run));
    expect(message).toContain(`latest checkpoint is unusable: corrupt checkpoint file ${file}`);
    expect(message).toContain(`the previous good checkpoint is ${good}: train --resume-from 100 continues from it, --checkpoint ${good} loads it`);
    expect(refusal(() => loadCheckpoint(run))).toBe(message);
    // The other advice works too: without the damaged folder, latest falls back to the good one.
    fs.rmSync(bad, { recursive: true });
    const notes: string[] = [];
    expect(latestCheckpoint(run, (l) => notes.push(l))).toBe(good);
    expect(notes).toEqual([`${path.join(run, 'checkpoints', 'latest')} names step-00000200, which is gone: using ${good}, the newest good checkpoint before it`]);
    expect(loadCheckpoint(good).step).toBe(100); // kept and intact
    expectSame(loadCheckpoint(good).params, m.model.params);
  });

  it('refuses truncated files and a damaged manifest or state', () => {
    const run = newRun();
    const m = trainedModel(6);
    const at = saveCheckpoint(run, input(1, m));
    const backup = path.join(root, 'backup');
    fs.cpSync(at, backup, { recursive: true });
    const reset = () => {
      fs.rmSync(at, { recursive: true });
      fs.cpSync(backup, at, { recursive: true });
    };
    for (const name of ['model.safetensors', 'optimizer.safetensors', 'ema.safetensors', 'state.json']) {
      const file = path.join(at, name);
      const size = fs.statSync(file).size;
      for (const keep of [0, 7, Math.floor(size / 2), size - 1]) {
        fs.truncateSync(file, keep);
        expect(refusal(() => loadCheckpoint(at))).toBe(`corrupt checkpoint file ${file}: ${keep} bytes, the manifest says ${size} (truncated?)`);
        reset();
      }
    }
    const manifest = path.join(at, 'manifest.json');
    fs.truncateSync(manifest, 20);
    expect(refusal(() => loadCheckpoint(at))).toMatch(new RegExp(`^corrupt checkpoint file ${manifest}: `));
    reset();
    fs.rmSync(manifest);
    expect(refusal(() => loadCheckpoint(at))).toBe(`incomplete checkpoint ${at}: no manifest.json`);
    reset();
    fs.rmSync(path.join(at, 'ema.safetensors'));
    expect(refusal(() => loadCheckpoint(at))).toBe(`corrupt checkpoint file ${path.join(at, 'ema.safetensors')}: missing (listed in manifest.json)`);
    reset();
    fs.writeFileSync(path.join(run, 'checkpoints', 'latest'), '../../etc\n');
    expect(refusal(() => latestCheckpoint(run))).toMatch(/^corrupt checkpoint pointer .*latest: expected a folder name like step-00000000, got "..\/..\/etc"; delete it to use the newest complete checkpoint$/);
    fs.rmSync(path.join(run, 'checkpoints', 'latest'));
    expect(latestCheckpoint(run)).toBe(at);
    expect(loadCheckpoint(at).step).toBe(1);
  });

  it('refuses a model whose names or shapes do not match, before assigning anything', () => {
    const at = saveCheckpoint(newRun(), { step: 0, config: {}, params: { a: tf.zeros([2, 3]), b: tf.ones([3]) }, state: {} });
    const ck = loadCheckpoint(at);
    const target = { a: tf.variable(tf.fill([2, 3], 7)), c: tf.variable(tf.zeros([3])) };
    expect(refusal(() => restoreVariables(target, ck.params, 'model weights'))).toBe('checkpoint model weights lack c: saved from a different model config?');
    const wrongShape = { a: tf.variable(tf.fill([2, 3], 7)), b: tf.variable(tf.zeros([4])) };
    expect(refusal(() => restoreVariables(wrongShape, ck.params, 'model weights'))).toBe('checkpoint model weights: "b" has shape [3], the model wants [4]');
    expect(Array.from(wrongShape.a.dataSync())).toEqual([7, 7, 7, 7, 7, 7]);
  });

  it('refuses state JSON cannot hold and non-float tensors, leaving nothing behind', () => {
    const run = newRun();
    const params = { w: tf.ones([2]) };
    saveCheckpoint(run, { step: 1, config: {}, params, state: {} });
    expect(refusal(() => saveCheckpoint(run, { step: 2, config: {}, params, state: { loss: NaN } }))).toBe('checkpoint state.json: "loss" is NaN, which JSON cannot hold');
    expect(refusal(() => saveCheckpoint(run, { step: 2, config: {}, params: { i: tf.tensor1d([1], 'int32') }, state: {} }))).toMatch(/"i" is int32; only float32/);
    expect(refusal(() => saveCheckpoint(run, { step: -1, config: {}, params, state: {} }))).toMatch(/non-negative integer, got -1/);
    expect(fs.readdirSync(path.join(run, 'checkpoints')).sort()).toEqual(['latest', 'step-00000001']);
    expect(latestCheckpoint(run)).toBe(path.join(run, 'checkpoints', 'step-00000001'));
  });
});

describe('checkpoint housekeeping', () => {
  const small = (step: number): CheckpointInput => ({ step, config: {}, params: { w: tf.fill([2], step) }, state: { step } });

  it('keepLast deletes only older checkpoints, never newer ones', () => {
    const run = newRun();
    saveCheckpoint(run, small(9)); // e.g. from a branch abandoned by resuming at an earlier step
    for (const step of [1, 2, 3, 4, 5]) saveCheckpoint(run, small(step), { keepLast: 2 });
    expect(listCheckpoints(run).map((c) => c.step)).toEqual([4, 5, 9]);
    expect(latestCheckpoint(run)).toBe(path.join(run, 'checkpoints', checkpointName(5)));
    saveCheckpoint(run, small(6), { keepLast: 1 });
    expect(listCheckpoints(run).map((c) => c.step)).toEqual([6, 9]);
    saveCheckpoint(run, small(7));
    expect(listCheckpoints(run).map((c) => c.step)).toEqual([6, 7, 9]); // no keepLast: nothing deleted
  });

  it('ignores an interrupted save and cleans it up on the next save', () => {
    const run = newRun();
    const done = saveCheckpoint(run, small(10));
    // A save of step 20 that died half-way: its temporary folder holds a partial file
    // (and one named as saves named them before base/io/atomic.ts named all temporary folders).
    const leftover = path.join(run, 'checkpoints', '.step-00000020.tmp-99999-0');
    const legacy = path.join(run, 'checkpoints', '.tmp-step-00000020-99999-0');
    for (const dir of [leftover, legacy]) {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'model.safetensors'), 'partial');
    }
    expect(latestCheckpoint(run)).toBe(done);
    expect(listCheckpoints(run).map((c) => c.step)).toEqual([10]);
    expect(loadCheckpoint(run).step).toBe(10);

    saveCheckpoint(run, small(30));
    expect(fs.existsSync(leftover) || fs.existsSync(legacy)).toBe(false);
    expect(fs.readdirSync(path.join(run, 'checkpoints')).sort()).toEqual(['latest', 'step-00000010', 'step-00000030']);
  });

  it('replaces a checkpoint saved again at the same step, and finds none in an empty run', () => {
    const run = newRun();
    expect(latestCheckpoint(run)).toBeNull();
    expect(refusal(() => loadCheckpoint(path.join(run, 'nothing')))).toMatch(/does not exist/);
    saveCheckpoint(run, small(3));
    saveCheckpoint(run, { ...small(3), params: { w: tf.fill([2], 42) } });
    expect(Array.from(loadCheckpoint(run).params.w.data)).toEqual([42, 42]);
    expect(fs.readdirSync(path.join(run, 'checkpoints')).sort()).toEqual(['latest', 'step-00000003']);
  });

  it('when the folder latest names is gone, takes the newest good one before it (skipping damaged ones), with a note', () => {
    const run = newRun();
    for (const step of [1, 2, 3, 9]) saveCheckpoint(run, small(step));
    saveCheckpoint(run, small(4)); // latest; 9 is from an abandoned branch
    fs.rmSync(path.join(run, 'checkpoints', checkpointName(4)), { recursive: true });
    fs.writeFileSync(path.join(run, 'checkpoints', checkpointName(3), 'state.json'), '{}'); // damaged: never used
    const notes: string[] = [];
    expect(latestCheckpoint(run, (l) => notes.push(l))).toBe(path.join(run, 'checkpoints', checkpointName(2)));
    expect(notes).toEqual([`${path.join(run, 'checkpoints', 'latest')} names step-00000004, which is gone: using ${path.join(run, 'checkpoints', checkpointName(2))}, the newest good checkpoint before it`]);
    for (const step of [1, 2]) fs.rmSync(path.join(run, 'checkpoints', checkpointName(step)), { recursive: true });
    expect(latestCheckpoint(run, (l) => notes.push(l))).toBeNull();
    expect(notes[1]).toMatch(/names step-00000004, which is gone: no good checkpoint before it$/);
  });

  it('the only checkpoint damaged: the advice is to delete it and start over', () => {
    const run = newRun();
    const at = saveCheckpoint(run, small(5));
    fs.writeFileSync(path.join(at, 'state.json'), '{}');
    expect(refusal(() => latestCheckpoint(run))).toMatch(
      new RegExp(`; no earlier good checkpoint in this run: delete ${at}, and train --resume starts it over from step 0$`),
    );
  });

  it('picks a checkpoint of the run by step or by path, and nothing else', () => {
    const run = newRun();
    const at = saveCheckpoint(run, small(3));
    saveCheckpoint(run, small(6));
    expect(pickCheckpoint(run, '3')).toBe(at);
    expect(pickCheckpoint(run, at)).toBe(at);
    expect(refusal(() => pickCheckpoint(run, '4'))).toBe(`--resume-from 4: ${run} has no checkpoint at step 4 (it has steps 3, 6)`);
    expect(refusal(() => pickCheckpoint(run, path.join(run, 'nope')))).toBe(`--resume-from ${path.join(run, 'nope')}: no such checkpoint folder`);
    const other = saveCheckpoint(newRun(), small(3));
    expect(refusal(() => pickCheckpoint(run, other))).toMatch(/: not a checkpoint of .* \(it has steps 3, 6\); to start a new run from another run's weights use --init$/);
    expect(refusal(() => pickCheckpoint(run, path.join(run, 'checkpoints')))).toMatch(/not a checkpoint of/);
  });

  it('without a latest pointer (a crash before the first one was written) takes the newest complete folder', () => {
    const run = newRun();
    saveCheckpoint(run, small(1));
    saveCheckpoint(run, small(2));
    fs.rmSync(path.join(run, 'checkpoints', 'latest'));
    expect(latestCheckpoint(run)).toBe(path.join(run, 'checkpoints', 'step-00000002'));
  });
});
