// Generate on demand for real: the queue's default generator (a child process per video) on a
// tiny checkpoint trained here, against `spacetime generate` with the same prompt and seed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processGenerator } from '../app/server/process-generator.js';
import { GenerationQueue, type Generator } from '../app/server/queue.js';
import { readVideo } from '../base/video/index.js';
import { spacetimeIn } from './spacetime-cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-serve-gen-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const spacetime = spacetimeIn(tmp);

beforeAll(() => {
  expect(spacetime('data', 'make', '--families', 'bounce,slide', '--n', '4', '--size', '16', '--frames', '4', '--out', 'data', '--quiet').code).toBe(0);
  expect(spacetime('train', '--preset', 'tiny', '--data', 'data', '--steps', '2', '--batch-size', '2', '--out', 'runs/tiny', '--quiet').code).toBe(0);
}, 300_000);

describe('GenerationQueue with processGenerator', () => {
  it('writes the video `spacetime generate` writes, reporting every sampler step', async () => {
    const inner = processGenerator();
    const seen: number[] = [];
    const recording: Generator = (task, onStep, signal) => inner(task, (step, steps) => (seen.push(step), onStep(step, steps)), signal);
    const queue = new GenerationQueue(recording, path.join(tmp, 'jobs'), [{ id: 'tiny', label: 'runs/tiny', path: path.join(tmp, 'runs', 'tiny') }]);
    const job = queue.submit({ prompt: 'a red ball bounces on the floor', checkpoints: ['tiny'], seed: 3, steps: 2, guidance: 3 });
    await queue.idle();
    expect(seen).toEqual([1, 2]);
    const done = queue.get(job.id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('done');
    expect(done.progress).toEqual({ done: 2, total: 2 });
    const file = queue.file(job.id, 0);
    const video = await readVideo(file);
    expect([video.numFrames, video.height, video.width]).toEqual([4, 16, 16]);
    expect(spacetime('generate', 'a red ball bounces on the floor', '--checkpoint', 'runs/tiny', '--seed', '3', '--steps', '2', '--guidance', '3', '--out', 'cli.mp4').code).toBe(0);
    expect(fs.readFileSync(file).equals(fs.readFileSync(path.join(tmp, 'cli.mp4')))).toBe(true);
  }, 300_000);

  it('a failing generation fails its job with the reason, and the queue goes on', async () => {
    const queue = new GenerationQueue(processGenerator(), path.join(tmp, 'jobs2'), [
      { id: 'gone', label: 'missing', path: path.join(tmp, 'runs', 'missing') },
      { id: 'tiny', label: 'runs/tiny', path: path.join(tmp, 'runs', 'tiny') },
    ]);
    const bad = queue.submit({ prompt: 'a red ball', checkpoints: ['gone'], seed: 0, steps: 1, guidance: 3 });
    const good = queue.submit({ prompt: 'a red ball', checkpoints: ['tiny'], seed: 0, steps: 1, guidance: 3 });
    await queue.idle();
    expect(queue.get(bad.id).status).toBe('failed');
    expect(queue.get(bad.id).error).toMatch(/missing/);
    expect(queue.get(good.id).status).toBe('done');
  }, 300_000);

  it('a full queue refuses more jobs with 429 (too many requests), not a server error', async () => {
    const never: Generator = (_task, _onStep, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    const queue = new GenerationQueue(never, path.join(tmp, 'jobs3'), [{ id: 'tiny', label: 'runs/tiny', path: path.join(tmp, 'runs', 'tiny') }], { maxWaiting: 2 });
    const request = { prompt: 'a red ball', checkpoints: ['tiny'], seed: 0, steps: 1, guidance: 3 };
    for (let i = 0; i < 3; i++) queue.submit(request); // one running, two waiting
    expect(() => queue.submit(request)).toThrow(expect.objectContaining({ status: 429 }));
    queue.close();
    await queue.idle();
  });
});
