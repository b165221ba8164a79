// run.json's Fréchet block through runEvaluation: fd_encoder (the trained video encoder) next to
// fd_pixel, with n, the feature set named, and a paired bootstrap interval; skipped with the
// reason for clips the encoder cannot read. A stub scorer keeps it fast (no parsing).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportSuite } from '../suites/export.js';
import { resolveSuite } from '../suites/suites.js';
import type { VideoScore } from '../types.js';
import { runEvaluation } from './run.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-run-frechet-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const stub = (): VideoScore => ({ metrics: {}, skipped: {}, attributes: {}, parsedPrompt: true, violations: [], abnormal: false, jointCorrect: true, tracks: [], truthTracks: null });

describe('run.json frechet', () => {
  it('fd_encoder: the smoke suite exported and scored against its own truth (MP4 round trip)', async () => {
    const videos = path.join(tmp, 'smoke');
    await exportSuite(resolveSuite('smoke'), videos);
    const { run } = await runEvaluation({ suite: 'smoke', videos, out: path.join(tmp, 'runs', 'smoke'), scorer: stub });
    const f = run.frechet.fd_encoder;
    expect(f.features).toMatch(/^video-encoder\/v1 \(eval\/encoder\/video-encoder\.safetensors sha256:[0-9a-f]{12}, 64-d, backend [\w-]+\)$/);
    expect(f).toMatchObject({ n: [7, 7], dim: 64, bootstrap: 'paired', resamples: 200, seed: 'smoke/encoder' });
    expect(f.ci95[0]).toBeLessThanOrEqual(f.fd);
    expect(f.ci95[1]).toBeGreaterThanOrEqual(f.fd);
    // The MP4 round trip barely moves the features (0.11 here); two different sets of 84
    // ground-truth clips are ~100 apart (video-encoder.test.ts).
    expect(f.fd).toBeLessThan(0.5);
    expect(run.headline.fd_encoder).toBe(f.fd);
    expect(run.frechet.fd_pixel.n).toEqual([7, 7]);
    expect(run.skipped_metrics.fvmd).toMatch(/true tracks/);
    const written = JSON.parse(fs.readFileSync(path.join(tmp, 'runs', 'smoke', 'run.json'), 'utf8'));
    expect(written.frechet.fd_encoder).toEqual(JSON.parse(JSON.stringify(f)));
  });

  it('clips the encoder cannot read (16×16): fd_encoder skipped with the reason, fd_pixel still computed', async () => {
    const videos = path.join(tmp, 'smoke16');
    await exportSuite(resolveSuite('smoke', { limit: 1 }), videos, { width: 16, height: 16 });
    const { run } = await runEvaluation({ suite: 'smoke', videos, out: path.join(tmp, 'runs', 'smoke16'), scorer: stub });
    expect(run.frechet.fd_encoder).toBeUndefined();
    expect(run.skipped_metrics.fd_encoder).toBe('the video encoder reads 32×32 clips of 16 frames; this run has 16×16 with 16 frames');
    expect(run.frechet.fd_pixel.n).toEqual([7, 7]);
  });
});
