// runEvaluation reads a --videos folder one video at a time: each video is decoded only when
// the previous one has been scored (and written), so a run holds about one video, whatever
// the folder's size. Observed from outside: a file removed while an earlier video is scored
// is missed (it was decoded up front before).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../base/io/csv.js';
import { exportSuite } from '../suites/export.js';
import { resolveSuite } from '../suites/suites.js';
import type { VideoScore } from '../types.js';
import { runEvaluation } from './run.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-run-stream-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const stub = (): VideoScore => ({ metrics: {}, skipped: {}, attributes: {}, parsedPrompt: true, violations: [], abnormal: false, jointCorrect: true, tracks: [], truthTracks: null });

describe('runEvaluation --videos', () => {
  it('decodes each video only after the one before it is scored and written', async () => {
    const videos = path.join(tmp, 'smoke');
    await exportSuite(resolveSuite('smoke'), videos);
    const rows = parseCsv(fs.readFileSync(path.join(videos, 'captions.csv'), 'utf8')).slice(1).map((r) => r.cells[0]);
    let scored = 0;
    const scorer = () => {
      // While the 2nd video is scored, the 4th one's file goes away.
      if (++scored === 2) fs.rmSync(path.join(videos, rows[3]));
      return stub();
    };
    const out = path.join(tmp, 'runs', 'smoke');
    const { run, exitCode } = await runEvaluation({ suite: 'smoke', videos, out, scorer });
    expect(exitCode).toBe(2);
    expect(run.headline.videos).toBe(rows.length - 1);
    expect(run.bad_inputs).toHaveLength(1);
    expect(run.bad_inputs[0]).toMatchObject({ row: 5 });
    expect(run.bad_inputs[0].reason).toMatch(/cannot read video .* no such file/);
    // Written as it went, then renamed into place: the run holds the others, and its captions.csv.
    expect(fs.readdirSync(path.join(out, 'videos'))).toHaveLength(rows.length - 1);
    expect(parseCsv(fs.readFileSync(path.join(out, 'captions.csv'), 'utf8'))).toHaveLength(rows.length);
    expect(fs.readdirSync(path.join(tmp, 'runs'))).toEqual(['smoke']);
  });
});
