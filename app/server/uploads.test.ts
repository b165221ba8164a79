// Jobs with an uploaded image or clip, over HTTP, on two tiny checkpoints trained here (one
// frame-conditioned, one text-only) and the real generator (a child process per video).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../base/compute/backend.js';
import { encodePng, frameView, psnr, readVideo, writeMp4, type Video } from '../../base/video/index.js';
import { movingDiscs } from '../../base/video/test-fixtures.js';
import { makeDataset } from '../../datasets/make.js';
import { parseSelection } from '../../datasets/selection.js';
import { train } from '../../src/train/trainer.js';
import { MAX_JOB_BODY_BYTES, startServer, type RunningServer } from './app.js';
import { processGenerator } from './process-generator.js';
import { MAX_UPLOAD_BYTES, MAX_UPLOAD_FRAMES } from './uploads.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-serve-upload-'));
const jobsDir = path.join(tmp, 'jobs');
let server: RunningServer;
let base: string;
/** The tiny preset's clip: 4 frames of 16×16, tubelets of 2 frames. */
const [T, S] = [4, 16];

beforeAll(async () => {
  await useBackend({});
  const data = path.join(tmp, 'data');
  makeDataset(parseSelection({ families: 'uniform,bounce', n: 4, seed: 1, size: S, frames: T }), { out: data });
  const common = { preset: 'tiny', data, steps: 2, batchSize: 4, checkpointEvery: 2 };
  await train({ ...common, out: path.join(tmp, 'fc'), frameConditioning: true });
  await train({ ...common, out: path.join(tmp, 'plain') });
  fs.mkdirSync(path.join(tmp, 'evals'));
  server = await startServer({
    runsDir: path.join(tmp, 'evals'),
    port: 0,
    generatedDir: jobsDir,
    // This checkout's worker: the default finds the package above the test runner, another checkout's where node_modules is shared.
    generator: processGenerator({ root: process.cwd() }),
    checkpoints: [
      { id: 'fc', label: 'runs/fc', path: path.join(tmp, 'fc') },
      { id: 'plain', label: 'runs/plain', path: path.join(tmp, 'plain') },
    ],
  });
  base = server.url.replace(/\/$/, '');
}, 300_000);
afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const post = async (body: unknown) => {
  const res = await fetch(`${base}/api/jobs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};
const job = (checkpoint: string, type: string, bytes: Uint8Array, extra: Record<string, unknown> = {}) => ({
  prompt: 'a red ball bounces on the floor',
  checkpoints: [checkpoint],
  seed: 1,
  steps: 2,
  upload: { type, data: Buffer.from(bytes).toString('base64') },
  ...extra,
});
const png = (video: Video, t = 0) => encodePng(frameView(video, t), video.width, video.height);
const mp4 = async (video: Video) => {
  const file = path.join(tmp, `clip-${video.numFrames}.mp4`);
  await writeMp4(video, file); // at 2×, tagged: as spacetime writes them
  return new Uint8Array(fs.readFileSync(file));
};

describe('generate with an upload', () => {
  it('an image and a clip become jobs whose videos start with the given frames; the upload stays in the job folder', async () => {
    const clip = movingDiscs({ numFrames: T, height: S, width: S });
    const image = await post(job('fc', 'image/png', png(clip)));
    const kept = await post(job('fc', 'video/mp4', await mp4(clip), { keepFrames: 2 }));
    expect([image.status, kept.status], JSON.stringify([image.body, kept.body])).toEqual([202, 202]);
    expect(kept.body.given).toEqual({ file: 'given.mp4', type: 'video/mp4', keepFrames: 2 });
    await server.queue.idle();
    for (const [id, given] of [[image.body.id, 1], [kept.body.id, 2]] as const) {
      const done = server.queue.get(id);
      expect([done.status, done.error]).toEqual(['done', null]);
      const video = await readVideo(path.join(jobsDir, id, '0.mp4'));
      expect([video.numFrames, video.height, video.width]).toEqual([T, S, S]);
      // Given frames come back exactly (then through H.264); a generated frame of a 2-step model is noise.
      const frame = (v: Video, t: number) => ({ frames: frameView(v, t), numFrames: 1, height: S, width: S, fps: 10 });
      for (let t = 0; t < given; t++) expect(psnr(frame(video, t), frame(clip, t))).toBeGreaterThan(30);
      expect(psnr(frame(video, given), frame(clip, given))).toBeLessThan(20);
      expect(fs.readdirSync(path.join(jobsDir, id)).sort()).toEqual(given === 1 ? ['0.mp4', 'given.png'] : ['0.mp4', 'given.mp4']);
    }
  }, 300_000);

  it('refuses a bad upload with a 4xx and a one-line reason before anything is queued, leaving no file', async () => {
    const clip = movingDiscs({ numFrames: T, height: S, width: S });
    const image = png(clip);
    const before = fs.readdirSync(jobsDir).sort();
    const cases: [string, unknown, number, RegExp][] = [
      ['wrong type', job('fc', 'video/mp4', image, { keepFrames: 1 }), 400, /^the upload is not an MP4 file \(declared video\/mp4\)$/],
      ['unknown type', job('fc', 'image/jpeg', image), 400, /upload\.type/],
      ['not base64', { ...job('fc', 'image/png', image), upload: { type: 'image/png', data: 'iVBOR!!!' } }, 400, /not base64/],
      ['too big', job('fc', 'image/png', new Uint8Array(MAX_UPLOAD_BYTES + 1)), 413, new RegExp(`over the limit of ${MAX_UPLOAD_BYTES}`)],
      ['body too big', { ...job('fc', 'image/png', image), upload: { type: 'image/png', data: 'A'.repeat(MAX_JOB_BODY_BYTES) } }, 413, /^body too large/],
      ['wrong size', job('fc', 'image/png', png(movingDiscs({ numFrames: 1, height: 24, width: 24 }))), 400, /^checkpoint "fc": the upload given\.png is 24×24: the model takes 16×16 frames/],
      ['too few frames', job('fc', 'video/mp4', await mp4(movingDiscs({ numFrames: 2, height: S, width: S })), { keepFrames: 3 }), 400, /^the upload has 2 frames, fewer than keepFrames 3$/],
      ['too many frames', job('fc', 'video/mp4', await mp4(movingDiscs({ numFrames: MAX_UPLOAD_FRAMES + 2, height: S, width: S })), { keepFrames: 1 }), 400, /^checkpoint "fc": the upload given\.mp4 has 258 frames, more than 256$/],
      ['a clip as an image', job('fc', 'video/mp4', await mp4(clip)), 400, /an image is one/],
      ['nothing left to generate', job('fc', 'image/png', image, { keepFrames: T }), 400, /keepFrames 4 leaves nothing to generate/],
      ['text-only checkpoint', job('plain', 'image/png', image), 400, /checkpoint "plain" was not trained to take given frames/],
      ['undecodable', job('fc', 'image/png', image.slice(0, 40)), 400, /^cannot decode video given\.png: /],
      ['K without an upload', { prompt: 'a ball', checkpoints: ['fc'], keepFrames: 1 }, 400, /keepFrames needs an upload/],
      ['K and strength', job('fc', 'image/png', image, { keepFrames: 1, strength: 0.5 }), 400, /do not go together/],
      ['a client file name', { ...job('fc', 'image/png', image), upload: { type: 'image/png', data: '', name: '../../x.png' } }, 400, /upload/],
    ];
    for (const [what, body, status, message] of cases) {
      const r = await post(body);
      expect(r.status, what).toBe(status);
      expect(r.body.error, what).toMatch(message);
      expect(r.body.error, what).not.toContain(tmp); // no server folder in a message
    }
    expect(fs.readdirSync(jobsDir).sort()).toEqual(before);
    expect(fs.readdirSync(tmp).sort()).toEqual(['clip-2.mp4', 'clip-258.mp4', 'clip-4.mp4', 'data', 'evals', 'fc', 'jobs', 'plain']);
  }, 120_000);
});
