// Training end to end on the tiny preset: it learns, resumes bit-identically, refuses
// to clobber a run; the pipeline generates deterministic videos from its checkpoints.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataset } from '../../datasets/make.js';
import { parseSelection } from '../../datasets/selection.js';
import { useBackend } from '../../base/compute/backend.js';
import { UserError } from '../../base/errors.js';
import { generateVideos, loadPipeline } from '../infer/pipeline.js';
import { checkpointName, loadCheckpoint } from '../model/checkpoint.js';
import * as tf from '@tensorflow/tfjs';
import { trainCommand } from '../../app/ship/training-summary.js';
import type { StepMetrics } from './step-metrics.js';
import { writeProgress } from '../../app/cli/progress-artifacts.js';
import { negativeLoss, NEGATIVE_TEMPERATURE } from './hard-negatives.js';
import { train, type TrainOptions } from './trainer.js';
import type { TrainConfig } from './train-config.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-train-'));
const data = path.join(tmp, 'data');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await useBackend({});
  makeDataset(parseSelection({ families: 'uniform,bounce,layout,slide', n: 4, seed: 1, size: 16, frames: 4 }), { out: data });
});

const base = { preset: 'tiny', data, batchSize: 4, lr: 1e-2, warmup: 5, captionDropout: 0.25, checkpointEvery: 3, emaDecay: 0.9, sideOutputs: writeProgress };
const readMetrics = (run: string) =>
  fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StepMetrics);

describe('train', () => {
  it('learns: the loss of the last 20 of 120 steps is under 40% of that of the first 20', async () => {
    const out = path.join(tmp, 'learn');
    await train({ ...base, steps: 120, out, checkpointEvery: 1000 });
    const losses = readMetrics(out).map((m) => m.loss);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(losses).toHaveLength(120);
    // Measured 1.13 → 0.27 (ratio 0.24) on the native backend.
    expect(mean(losses.slice(-20)) / mean(losses.slice(0, 20))).toBeLessThan(0.4);
  });

  it('resumes bit-identically: 6 steps straight equal 3 steps + resume to 6', async () => {
    const straight = path.join(tmp, 'straight');
    const resumed = path.join(tmp, 'resumed');
    await train({ ...base, steps: 6, out: straight });
    await train({ ...base, steps: 3, out: resumed });
    await train({ ...base, steps: 6, out: resumed, resume: true });
    const weights = (run: string) => fs.readFileSync(path.join(run, 'checkpoints', 'step-00000006', 'model.safetensors'));
    expect(weights(resumed).equals(weights(straight))).toBe(true);
    expect(readMetrics(resumed).map((m) => m.loss)).toEqual(readMetrics(straight).map((m) => m.loss));
    // The last step also leaves a sample grid (EMA weights, swapped back exactly) and the loss plot.
    expect(fs.statSync(path.join(straight, 'samples', 'step-00000006.mp4')).size).toBeGreaterThan(500);
    expect(fs.readFileSync(path.join(straight, 'loss.html'), 'utf8')).toMatch(/Plotly\.newPlot|newPlot/);
  });

  it('--init starts a new run from a checkpoint: Adam\'s first step moves every weight by at most lr', async () => {
    const from = path.join(tmp, 'straight', 'checkpoints', 'step-00000006');
    const out = path.join(tmp, 'init');
    await train({ ...base, lr: 1e-3, warmup: 0, steps: 1, out, init: from, checkpointEvery: 1 });
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(config.initFrom).toEqual({ checkpoint: from, step: 6 });
    expect(readMetrics(out).map((m) => m.step)).toEqual([1]);
    const before = loadCheckpoint(from).params;
    const after = loadCheckpoint(path.join(out, 'checkpoints', 'step-00000001')).params;
    let [largest, moved] = [0, 0];
    for (const [name, w] of Object.entries(before)) {
      const [a, b] = [w.data, after[name].data];
      for (let i = 0; i < a.length; i++) {
        largest = Math.max(largest, Math.abs(b[i] - a[i]));
        if (b[i] !== a[i]) moved++;
      }
    }
    // Bias-corrected Adam's first update is lr·g/(|g| + ε): at most lr; fresh init would move far more.
    expect(largest).toBeLessThanOrEqual(1e-3 * 1.0001);
    expect(moved).toBeGreaterThan(0);
    await expect(train({ ...base, preset: 'small', steps: 1, out: path.join(tmp, 'init-small'), init: from })).rejects.toThrow(/is a tiny model, not --preset small/);
    await expect(train({ ...base, steps: 1, out, init: from, resume: true })).rejects.toThrow(/pass one of them/);
  });

  it('--init keeps the checkpoint\'s objective; naming another one is refused, writing nothing', async () => {
    const xpred = path.join(tmp, 'xpred');
    await train({ ...base, steps: 2, out: xpred, objective: 'x-prediction', checkpointEvery: 2 });
    const from = path.join(xpred, 'checkpoints', 'step-00000002');
    const kept = path.join(tmp, 'xpred-init');
    await train({ ...base, steps: 1, out: kept, init: from, checkpointEvery: 1 }); // no --objective
    expect(JSON.parse(fs.readFileSync(path.join(kept, 'config.json'), 'utf8')).objective).toBe('x-prediction');
    const refused = path.join(tmp, 'xpred-rf');
    await expect(train({ ...base, steps: 1, out: refused, init: from, objective: 'rectified-flow' })).rejects.toThrow(
      /^--objective rectified-flow: --init .*step-00000002 was trained with x-prediction, whose output its network predicts; pass --objective x-prediction or leave it out$/,
    );
    expect(fs.existsSync(refused)).toBe(false);
  });

  it('with hard negatives: logs the swapped-minus-true gap, resumes bit-identically, and the loss tells it to read the words', async () => {
    const negatives = { swaps: [['left', 'right'], ['up', 'down'], ['upward', 'downward']] as [string, string][], weight: 1 };
    const straight = path.join(tmp, 'negatives');
    const resumed = path.join(tmp, 'negatives-resumed');
    await train({ ...base, steps: 6, out: straight, negatives });
    await train({ ...base, steps: 3, out: resumed, negatives });
    await train({ ...base, steps: 6, out: resumed, negatives, resume: true });
    const metrics = readMetrics(straight);
    expect(metrics.filter((m) => m.negative_gap !== undefined).length).toBeGreaterThan(0); // batches with a swappable caption
    expect(metrics.filter((m) => m.negative_gap !== undefined && m.negative_gap !== 0).length).toBeGreaterThan(0); // text reaches the output after step 1
    const weights = (run: string) => fs.readFileSync(path.join(run, 'checkpoints', 'step-00000006', 'model.safetensors'));
    expect(weights(resumed).equals(weights(straight))).toBe(true);
    const config = JSON.parse(fs.readFileSync(path.join(straight, 'config.json'), 'utf8')) as TrainConfig;
    expect(config.negatives).toEqual(negatives);
    expect(trainCommand(config, straight)).toContain('--negatives left=right,up=down,upward=downward --negative-weight 1');

    // The loss: τ·softplus((e_true − e_swapped)/τ), ≈ τ·ln 2 when the words are ignored, → 0 once the swap hurts.
    const [eTrue, ignored, read] = [tf.tensor1d([0.05, 0.05]), tf.tensor1d([0.05, 0.05]), tf.tensor1d([0.2, 0.2])];
    expect(negativeLoss(eTrue, ignored).dataSync()[0]).toBeCloseTo(NEGATIVE_TEMPERATURE * Math.log(2), 9);
    expect(negativeLoss(eTrue, read).dataSync()[0]).toBeLessThan(1e-15);
    const [gTrue, gSwapped] = tf.grads((a: tf.Tensor, b: tf.Tensor) => negativeLoss(a as tf.Tensor1D, b as tf.Tensor1D))([eTrue, ignored]);
    expect(Array.from(gTrue.dataSync())).toEqual([0.25, 0.25]); // ½ per sample, mean of 2: lower the true caption's error…
    expect(Array.from(gSwapped.dataSync())).toEqual([-0.25, -0.25]); // …raise the swapped one's
    tf.dispose([eTrue, ignored, read, gTrue, gSwapped]);
  });

  it('refuses to overwrite a run, and --resume without one', async () => {
    await expect(train({ ...base, steps: 2, out: path.join(tmp, 'straight') })).rejects.toThrow(/already holds a run; pass --resume/);
    await expect(train({ ...base, steps: 2, out: path.join(tmp, 'nothing'), resume: true })).rejects.toThrow(UserError);
  });
});

describe('resuming after a crash or damage', () => {
  const weights = (run: string, step = 6) => fs.readFileSync(path.join(run, 'checkpoints', checkpointName(step), 'model.safetensors'));
  const straight = () => path.join(tmp, 'straight'); // 6 steps, checkpoints at 3 and 6
  /** A copy of the straight run to damage. */
  const copyOfStraight = (name: string) => {
    const run = path.join(tmp, name);
    fs.cpSync(straight(), run, { recursive: true });
    return run;
  };
  const killAt = (step: number) => (m: StepMetrics) => {
    if (m.step === step) throw new Error('killed');
  };

  it('a run killed before its first checkpoint: --resume starts it from step 0, bit-identically', async () => {
    const run = path.join(tmp, 'killed-early');
    await expect(train({ ...base, steps: 6, out: run, onStep: killAt(2) })).rejects.toThrow('killed');
    expect(fs.existsSync(path.join(run, 'checkpoints'))).toBe(false);
    fs.appendFileSync(path.join(run, 'metrics.jsonl'), '{"step":3,"loss":0.'); // a line torn by the kill
    const notes: string[] = [];
    await train({ ...base, steps: 6, out: run, resume: true, note: (l) => notes.push(l) });
    expect(notes).toEqual([`${run} has no checkpoint yet: starting it from step 0 with its config.json`]);
    expect(weights(run).equals(weights(straight()))).toBe(true);
    expect(readMetrics(run).map((m) => m.loss)).toEqual(readMetrics(straight()).map((m) => m.loss));
  });

  it('a run started with --init and killed before its first checkpoint starts again from the same weights', async () => {
    const from = path.join(straight(), 'checkpoints', checkpointName(6));
    const leg = { ...base, lr: 1e-3, warmup: 0, steps: 2, checkpointEvery: 2, init: from };
    const fresh = path.join(tmp, 'init-fresh');
    const killed = path.join(tmp, 'init-killed');
    await train({ ...leg, out: fresh });
    await expect(train({ ...leg, out: killed, onStep: killAt(1) })).rejects.toThrow('killed');
    await train({ ...base, steps: 2, out: killed, resume: true, note: () => {} });
    expect(weights(killed, 2).equals(weights(fresh, 2))).toBe(true);
  });

  it('a damaged latest checkpoint: refused naming the file; --resume-from the previous step continues bit-identically', async () => {
    const run = copyOfStraight('damaged-latest');
    const file = path.join(run, 'checkpoints', checkpointName(6), 'model.safetensors');
    flipLastByte(file);
    const message = await refusal(train({ ...base, steps: 6, out: run, resume: true }));
    expect(message).toContain(`corrupt checkpoint file ${file}: sha256 does not match`);
    expect(message).toContain(`train --resume-from 3 continues from it`);
    expect(await refusal(train({ ...base, steps: 6, out: run, resumeFrom: '6' }))).toBe(
      `corrupt checkpoint file ${file}: sha256 does not match manifest.json (damaged after it was saved); good checkpoints of this run: steps 3 (--resume-from STEP)`,
    ); // never loaded
    await train({ ...base, steps: 6, out: run, resumeFrom: '3' });
    expect(weights(run).equals(weights(straight()))).toBe(true);
    expect(fs.readFileSync(path.join(run, 'checkpoints', 'latest'), 'utf8')).toBe(`${checkpointName(6)}\n`);
    // By path too; and the picked checkpoint becomes latest, so a kill before the next save resumes there.
    await expect(train({ ...base, steps: 6, out: run, resumeFrom: path.join(run, 'checkpoints', checkpointName(3)), onStep: killAt(4) })).rejects.toThrow('killed');
    expect(fs.readFileSync(path.join(run, 'checkpoints', 'latest'), 'utf8')).toBe(`${checkpointName(3)}\n`);
    expect(await refusal(train({ ...base, steps: 6, out: run, resumeFrom: '4' }))).toBe(`--resume-from 4: ${run} has no checkpoint at step 4 (it has steps 3, 6)`);
    expect(await refusal(train({ ...base, steps: 6, out: run, resumeFrom: path.join(straight(), 'checkpoints', checkpointName(3)) }))).toMatch(/not a checkpoint of .*damaged-latest .*use --init$/);
  });

  it('a deleted latest checkpoint: --resume takes the newest good one before it, with a note', async () => {
    const run = copyOfStraight('deleted-latest');
    fs.rmSync(path.join(run, 'checkpoints', checkpointName(6)), { recursive: true });
    const notes: string[] = [];
    await train({ ...base, steps: 6, out: run, resume: true, note: (l) => notes.push(l) });
    expect(notes).toEqual([`${path.join(run, 'checkpoints', 'latest')} names ${checkpointName(6)}, which is gone: using ${path.join(run, 'checkpoints', checkpointName(3))}, the newest good checkpoint before it`]);
    expect(weights(run).equals(weights(straight()))).toBe(true);
  });

  it('refuses bad settings before writing anything, naming the flag and its range', async () => {
    const out = path.join(tmp, 'bad-settings');
    const cases: [Partial<TrainOptions>, string][] = [
      [{ batchSize: 0 }, '--batch-size must be an integer ≥ 1, got 0'],
      [{ batchSize: -4 }, '--batch-size must be an integer ≥ 1, got -4'],
      [{ batchSize: 100000 }, `--batch-size must be an integer from 1 to 4 (the clips in ${data}), got 100000`],
      [{ lr: -1 }, '--lr must be a finite number > 0, got -1'],
      [{ lr: Infinity }, '--lr must be a finite number > 0, got Infinity'],
      [{ checkpointEvery: 0 }, '--checkpoint-every must be an integer ≥ 1, got 0'],
      [{ captionDropout: 2 }, '--caption-dropout must be a number from 0 to 1, got 2'],
      [{ warmup: -1 }, '--warmup must be an integer ≥ 0, got -1'],
      [{ sampleEvery: 1.5 }, '--sample-every must be an integer ≥ 0, got 1.5'],
      [{ seed: -1 }, '--seed must be an integer from 0 to 4294967295, got -1'],
      [{ emaDecay: 1 }, 'emaDecay must be a number ≥ 0 and < 1, got 1'],
      [{ clipNorm: 0 }, 'clipNorm must be a finite number > 0, got 0'],
      [{ weightDecay: -0.1 }, 'weightDecay must be a finite number ≥ 0, got -0.1'],
      [{ keepCheckpoints: 0 }, 'keepCheckpoints must be an integer ≥ 1, got 0'],
      [{ steps: 0 }, '--steps must be an integer ≥ 1, got 0'],
      [{ timesteps: { m: 0, s: -1 } }, '--logit-std must be a finite number > 0, got -1'],
    ];
    for (const [bad, message] of cases) {
      expect(await refusal(train({ ...base, steps: 2, out, ...bad }))).toBe(message);
      expect(fs.existsSync(out)).toBe(false);
    }
  });

  it('a garbage config.json or saved data cursor is refused naming the file and field', async () => {
    const run = copyOfStraight('garbage');
    const config = path.join(run, 'config.json');
    const good = fs.readFileSync(config, 'utf8');
    const resume = () => refusal(train({ ...base, steps: 6, out: run, resume: true, note: () => {} }));
    fs.writeFileSync(config, 'garbage{');
    expect(await resume()).toMatch(new RegExp(`^cannot read the run's ${config}: Unexpected token`));
    for (const [field, value, problem] of [
      ['lr', -1, 'must be a finite number > 0, got -1'],
      ['checkpointEvery', 0, 'must be an integer ≥ 1, got 0'],
      ['captionDropout', 2, 'must be a number from 0 to 1, got 2'],
      ['batchSize', '8', 'must be an integer ≥ 1, got "8"'],
      ['objective', 'magic', 'must be one of rectified-flow, v-prediction, x-prediction, got "magic"'],
    ] as const) {
      fs.writeFileSync(config, JSON.stringify({ ...JSON.parse(good), [field]: value }));
      expect(await resume()).toBe(`${config}: "${field}" ${problem}`);
    }
    fs.writeFileSync(config, JSON.stringify({ ...JSON.parse(good), model: { ...JSON.parse(good).model, hidden: 'x' } }));
    expect(await resume()).toBe(`${config}: "model": model config "hidden" must be a number, got "x"`);
    fs.writeFileSync(config, JSON.stringify({ ...JSON.parse(good), extra: 1 }));
    expect(await resume()).toBe(`${config}: unknown key "extra"`);
    fs.writeFileSync(config, good);

    // A state.json rewritten with its manifest updated (checksums pass): the cursor is still checked.
    const checkpoint = path.join(run, 'checkpoints', checkpointName(6));
    for (const [cursor, problem] of [
      ['abc', '"state.cursor" must be {"epoch": N, "position": N} with non-negative integers, got "abc"'],
      [{ epoch: 1, position: -2 }, '"state.cursor" must be {"epoch": N, "position": N} with non-negative integers, got {"epoch":1,"position":-2}'],
      [{ epoch: 1, position: 5 }, '"state.cursor.position" 5 is past the dataset\'s 4 clips (was the dataset changed since?)'],
    ] as const) {
      rewriteState(checkpoint, (state) => ({ ...state, state: { cursor } }));
      expect(await resume()).toBe(`${path.join(checkpoint, 'state.json')}: ${problem}`);
    }
    expect(fs.readFileSync(config, 'utf8')).toBe(good); // nothing was written

    // --init from a checkpoint whose saved model config is garbage: refused before the new run is written.
    const step3 = path.join(run, 'checkpoints', checkpointName(3));
    rewriteState(step3, (state) => ({ ...state, config: { ...(state.config as TrainConfig), model: { ...(state.config as TrainConfig).model, hidden: 'x' } } }));
    const out = path.join(tmp, 'init-garbage');
    expect(await refusal(train({ ...base, steps: 1, out, init: step3 }))).toBe(`--init: ${path.join(step3, 'state.json')}: model config "hidden" must be a number, got "x"`);
    expect(fs.existsSync(out)).toBe(false);
  });
});

/** The message of the UserError a promise rejects with. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => new Error('expected a refusal'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return (err as Error).message;
}

function flipLastByte(file: string): void {
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 1] ^= 1;
  fs.writeFileSync(file, bytes);
}

/** Rewrite a checkpoint's state.json and its manifest entry, as someone who knows the format would. */
function rewriteState(checkpoint: string, edit: (state: Record<string, unknown>) => unknown): void {
  const stateFile = path.join(checkpoint, 'state.json');
  const text = JSON.stringify(edit(JSON.parse(fs.readFileSync(stateFile, 'utf8'))));
  fs.writeFileSync(stateFile, text);
  const manifestFile = path.join(checkpoint, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  manifest.files['state.json'] = { bytes: Buffer.byteLength(text), sha256: crypto.createHash('sha256').update(text).digest('hex') };
  fs.writeFileSync(manifestFile, JSON.stringify(manifest));
}

describe('generate from a checkpoint', () => {
  it('is deterministic per seed, warns on unknown words, refuses an empty prompt', () => {
    const pipe = loadPipeline(path.join(tmp, 'straight'));
    const warnings: string[] = [];
    const request = { prompt: 'a red ball wobbles to the left', steps: 3, guidance: 3, warn: (w: string) => warnings.push(w) };
    const [a] = generateVideos(pipe, { ...request, seeds: [5] });
    const [b, c] = generateVideos(pipe, { ...request, seeds: [5, 6] });
    expect(a).toMatchObject({ numFrames: 4, height: 16, width: 16 });
    expect(Buffer.from(a.frames).equals(Buffer.from(b.frames))).toBe(true); // a seed picks the video, whatever the batch
    expect(Buffer.from(a.frames).equals(Buffer.from(c.frames))).toBe(false);
    expect(warnings[0]).toBe('unknown words mapped to [UNK]: wobbles');
    expect(() => generateVideos(pipe, { ...request, prompt: '  ', seeds: [1] })).toThrow(/prompt is empty/);
    pipe.net.dit.dispose();
    pipe.net.encoder.dispose();
  });
});
