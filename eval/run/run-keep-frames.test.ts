// PhyWorld's protocol through runEvaluation: a frame-conditioned tiny model given each prompt's
// first K true frames (recorded in run.json, the comparisons with the truth computed), the
// same model from text alone (those comparisons skipped with the reason), and the flags that
// cannot work refused in one line before anything is written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../base/compute/backend.js';
import { UserError } from '../../base/errors.js';
import { readVideo, type Video } from '../../base/video/index.js';
import { makeDataset } from '../../datasets/make.js';
import { parseSelection } from '../../datasets/selection.js';
import { train } from '../../src/train/trainer.js';
import { loadRun, reportMarkdown } from '../report/index.js';
import { REFERENCE_METRICS, TEXT_ONLY } from '../score.js';
import { runEvaluation, type EvalOptions } from './run.js';
import { resolveSuite } from '../suites/suites.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-keep-frames-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const conditioned = path.join(tmp, 'fc');
const textOnly = path.join(tmp, 'plain');
/** Two Euler steps: the model is untrained, only the plumbing is under test. */
const quick = { suite: 'smoke', generate: { steps: 2, sampler: 'euler' } } satisfies Partial<EvalOptions>;

beforeAll(async () => {
  await useBackend({});
  const data = path.join(tmp, 'data');
  makeDataset(parseSelection({ families: 'uniform,bounce', n: 4, seed: 1, size: 16, frames: 4 }), { out: data });
  const common = { preset: 'tiny', data, steps: 2, batchSize: 4 };
  await train({ ...common, out: conditioned, frameConditioning: true });
  await train({ ...common, out: textOnly });
}, 120_000);

/** Mean absolute difference of frame t of two videos of one size (0–255). */
function frameDifference(a: Video, b: Video, t: number): number {
  const n = a.height * a.width * 3;
  let sum = 0;
  for (let i = t * n; i < (t + 1) * n; i++) sum += Math.abs(a.frames[i] - b.frames[i]);
  return sum / n;
}

describe('runEvaluation keepFrames', () => {
  it('gives the model the first K true frames, records K and computes the comparisons with the truth', async () => {
    const out = path.join(tmp, 'runs', 'k2');
    const { run, videos } = await runEvaluation({ ...quick, checkpoint: conditioned, keepFrames: 2, out });
    expect(run.keep_frames).toBe(2);
    for (const name of REFERENCE_METRICS) expect(run.skipped_metrics[name] ?? '', name).not.toContain(TEXT_ONLY);
    for (const v of videos) expect(typeof v.physiq_mse, String(v.id)).toBe('number');
    expect(run.headline.physiq_score).toBeGreaterThanOrEqual(0);
    // The stored video starts with the truth (up to the MP4 round trip); then the model's own frames.
    const id = String(videos[0].id);
    const [generated, truth] = await Promise.all([readVideo(path.join(out, 'videos', `${id}.mp4`)), readVideo(path.join(out, 'truth', `${id}.mp4`))]);
    expect(frameDifference(generated, truth, 0)).toBeLessThan(3);
    expect(frameDifference(generated, truth, 1)).toBeLessThan(3);
    expect(frameDifference(generated, truth, 3)).toBeGreaterThan(10); // two steps of an untrained model
    expect(JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')).keep_frames).toBe(2);
    const md = reportMarkdown([loadRun(out)]);
    expect(md).toContain("True frames given: each prompt's first 2 true frames (PhyWorld's protocol, --keep-frames 2)");
    expect(md).toContain('Velocity and position error from conditioned runs');
  }, 120_000);

  it('--frame-guidance: the given frames get a scale of their own, recorded in run.json and the report', async () => {
    const out = path.join(tmp, 'runs', 'k2-fg');
    const { run } = await runEvaluation({ ...quick, generate: { ...quick.generate, frameGuidance: 2 }, checkpoint: conditioned, keepFrames: 2, out });
    expect(run.source.generate).toMatchObject({ steps: 2, sampler: 'euler', frameGuidance: 2 });
    expect(reportMarkdown([loadRun(out)])).toMatch(/guidance \d+(\.\d+)?, frame guidance 2/);
    // (what the three passes compute is src/infer/guidance.test.ts's; this model's frame columns are untrained)
    const id = fs.readdirSync(path.join(out, 'videos'))[0];
    const [guided, truth] = await Promise.all([readVideo(path.join(out, 'videos', id)), readVideo(path.join(out, 'truth', id))]);
    expect(frameDifference(guided, truth, 1)).toBeLessThan(3); // the given frames come back
  }, 120_000);

  it('without it the run is text-only: keep_frames 0, comparisons with the one true scene skipped with the reason', async () => {
    const out = path.join(tmp, 'runs', 'text');
    const calls: string[] = [];
    const { run, videos } = await runEvaluation({ ...quick, checkpoint: conditioned, out, onProgress: (stage, done, total) => calls.push(`${stage} ${done}/${total}`) });
    expect(run.keep_frames).toBe(0);
    // Each stage reports 0 first, so a progress bar's clock starts with the stage, not at its first video.
    expect(calls.find((c) => c.startsWith('generate'))).toBe('generate 0/7');
    expect(calls.find((c) => c.startsWith('score'))).toBe('score 0/7');
    expect(calls.filter((c) => c.startsWith('generate')).at(-1)).toBe('generate 7/7');
    for (const name of REFERENCE_METRICS) {
      expect(run.skipped_metrics[name]).toBe(`${TEXT_ONLY} (7 of 7 videos)`);
      expect(run.headline[name]).toBeUndefined();
      for (const v of videos) expect(v[name]).toBeNull();
    }
    expect(typeof run.headline.teleport_rate).toBe('number'); // reference-free physics stays
    expect(run.frechet.fd_pixel.n).toEqual([7, 7]); // and so do the distribution distances
    const md = reportMarkdown([loadRun(out)]);
    expect(md).toContain('True frames given: none: from text alone');
    expect(md).toContain('Text-only runs: velocity and position error need a scene fixed by true frames');
  }, 120_000);

  it('generates the suite at another clip size (issue 19: a bucketed model at one of its sizes), its truth rendered there too', async () => {
    const out = path.join(tmp, 'runs', 'wide');
    const { videos } = await runEvaluation({ ...quick, checkpoint: conditioned, keepFrames: 2, clip: { frames: 6, height: 16, width: 24 }, out });
    const id = String(videos[0].id);
    const [generated, truth] = await Promise.all([readVideo(path.join(out, 'videos', `${id}.mp4`)), readVideo(path.join(out, 'truth', `${id}.mp4`))]);
    for (const v of [generated, truth]) expect([v.numFrames, v.height, v.width]).toEqual([6, 16, 24]);
    expect(frameDifference(generated, truth, 0)).toBeLessThan(3); // the given frames are the 24×16 truth's
    const captions = fs.readFileSync(path.join(out, 'captions.csv'), 'utf8');
    expect(captions).toContain(`videos/${id}.mp4`);
    // The prompts are the scenes at 24×16×6: permanence-000 is another scene there than at the standard clip.
    const [standard, sized] = [resolveSuite('smoke').items[3], resolveSuite('smoke', { clip: { width: 24, height: 16, numFrames: 6 } }).items[3]];
    expect(sized.promptId).toBe('permanence-000');
    expect(sized.caption).not.toBe(standard.caption);
    expect(captions).toContain(sized.caption);
    expect(captions).not.toContain(standard.caption);
  }, 120_000);

  it('refuses in one line, writing nothing: a text-only model, K < 1, K ≥ the clip, a folder, --given-frames with a model', async () => {
    const out = path.join(tmp, 'runs', 'never');
    const cases: [Partial<EvalOptions>, RegExp][] = [
      [{ checkpoint: textOnly, keepFrames: 1 }, /--keep-frames: .*plain is text-only \(not trained with --frame-conditioning\)/],
      [{ checkpoint: conditioned, keepFrames: 0 }, /--keep-frames must be a whole number of frames, at least 1, got 0/],
      [{ checkpoint: conditioned, keepFrames: 4 }, /--keep-frames 4 leaves nothing to generate: the model's clips have 4 frames \(give 1 to 3\)/],
      [{ videos: tmp, keepFrames: 2 }, /--keep-frames gives a model true frames, so it needs --checkpoint/],
      [{ checkpoint: conditioned, givenFrames: 2 }, /--given-frames says how a folder's videos were made, so it needs --videos/],
      [{ videos: tmp, givenFrames: -1 }, /--given-frames must be a whole number of frames/],
    ];
    for (const [options, message] of cases) {
      const run = runEvaluation({ ...quick, ...options, out });
      await expect(run).rejects.toThrow(UserError);
      await expect(run).rejects.toThrow(message);
      const err = await run.catch((e: Error) => e);
      expect((err as Error).message.split('\n')).toHaveLength(1);
    }
    expect(fs.existsSync(out)).toBe(false);
  }, 120_000);
});
