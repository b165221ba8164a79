// A suite at another clip size through a --videos folder: the world fits each scene to its
// clip, so at 32×48 (portrait) a prompt can be another scene than at the standard clip (eval/suites
// suites.ts). A folder exported at that size scores its own truth as right; a video made from
// the standard clip's caption is refused with the reason, not scored against another scene.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatCsv, parseCsv } from '../../base/io/csv.js';
import { exportSuite } from '../suites/export.js';
import { resolveSuite } from '../suites/suites.js';
import { runEvaluation } from './run.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-run-sizes-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const clip = { width: 32, height: 48, numFrames: 16 };

describe('runEvaluation --videos at another clip size', () => {
  it('scores a suite exported at that size against its scenes there, and refuses a standard-clip prompt whose scene moved', async () => {
    const standard = resolveSuite('smoke').items[2];
    const sized = resolveSuite('smoke', { clip }).items[2];
    expect(sized.promptId).toBe('collision-000');
    expect(sized.caption).not.toBe(standard.caption); // a narrower world: the large ball is cut to medium

    const videos = path.join(tmp, 'smoke-32x48');
    await exportSuite(resolveSuite('smoke'), videos, clip);
    const csv = parseCsv(fs.readFileSync(path.join(videos, 'captions.csv'), 'utf8'));
    expect(csv.map((r) => r.cells[1])).toContain(sized.caption);
    const { run } = await runEvaluation({ suite: 'smoke', videos, out: path.join(tmp, 'runs', 'sized'), physicsIq: false });
    expect(run.bad_inputs).toEqual([]);
    expect(run.headline.videos).toBe(7);
    expect(run.headline.joint_accuracy).toBe(1); // the truth, scored against itself at its size

    // The same clips listed with the standard clip's caption for collision-000: refused, the rest scored.
    const [header, ...rows] = csv.map((r) => r.cells);
    const stale = rows.map((cells) => (cells[1] === sized.caption ? [cells[0], standard.caption, ...cells.slice(2)] : cells));
    fs.writeFileSync(path.join(videos, 'captions.csv'), formatCsv(header, stale));
    const { run: mixed, exitCode } = await runEvaluation({ suite: 'smoke', videos, out: path.join(tmp, 'runs', 'stale'), physicsIq: false });
    expect(exitCode).toBe(2);
    expect(mixed.headline.videos).toBe(6);
    expect(mixed.bad_inputs).toHaveLength(1);
    expect(mixed.bad_inputs[0].reason).toMatch(/its prompt is collision-000's caption at the standard clip, but at \d+x\d+x16 \(10 fps\) that prompt's scene is "/);
  }, 120_000);
});
