// `spacetime eval` and `spacetime report` as processes: the FORMAT.md layout, a clean score on
// exported ground truth, bad inputs listed (exit 2) or fatal (exit 1), a tiny checkpoint
// through a suite, and a self-contained report with the ID / OOD table from sibling runs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../base/io/csv.js';
import { METRIC_NAMES, TEXT_ONLY } from '../eval/score.js';
import { BACKGROUND } from '../datasets/world/palette.js';
import { ffmpegPath } from '../base/video/index.js';

const root = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-eval-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const spacetime = (...args: string[]) => {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'spacetime.js'), ...args], { cwd: tmp, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
};
const readJson = (...p: string[]) => JSON.parse(fs.readFileSync(path.join(tmp, ...p), 'utf8'));
const csv = (...p: string[]) => parseCsv(fs.readFileSync(path.join(tmp, ...p), 'utf8')).map((r) => r.cells);

beforeAll(() => {
  expect(spacetime('data', 'export', '--families', 'bounce,collision,uniform', '--n', '6', '--seed', '4', '--out', 'truth-folder', '--quiet').code).toBe(0);
});

describe('spacetime eval --videos', () => {
  it('scores an exported ground-truth folder cleanly, in the FORMAT.md layout', () => {
    const r = spacetime('eval', '--videos', 'truth-folder', '--out', 'runs/truth', '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote runs\/truth: 6 videos scored in [\d.]+s; abnormal 0\.0%/);
    const dir = path.join(tmp, 'runs', 'truth');
    expect(fs.readdirSync(dir).sort()).toEqual(['captions.csv', 'categories.csv', 'categories.json', 'run.json', 'tracks', 'truth', 'videos', 'videos.csv', 'videos.json']);

    const run = readJson('runs', 'truth', 'run.json');
    expect(run).toMatchObject({ format: 'spacetime-eval/v1', name: 'truth', suite: null, source: { kind: 'videos', path: 'truth-folder', config: null, generate: null }, seeds: [0], bad_inputs: [] });
    expect(run.code.version).toBe('0.1.0');
    expect(run.scoring).toEqual({ physics_iq: true, physiq: 'exact', palette: 'world' });
    expect(run.keep_frames).toBeUndefined(); // a folder, not declared: compared with its truth as before
    expect(run.counterfactual).toBeUndefined(); // only the counterfactual suite has pairs
    expect(run.code.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(Object.keys(run.timings).sort()).toEqual(['generate_s', 'read_s', 'score_s', 'total_s']);
    expect(run.headline).toMatchObject({ videos: 6, abnormal_rate: 0 });
    // Truth against its own MP4 round trip: the pixel Fréchet distance is ~0 (n = 6 each).
    expect(run.frechet.fd_pixel.n).toEqual([6, 6]);
    expect(run.frechet.fd_pixel.fd).toBeLessThan(0.01);

    const [header, ...rows] = csv('runs', 'truth', 'videos.csv');
    expect(header).toEqual(['id', 'prompt_id', 'seed', 'category', 'split', 'family', 'caption', 'video', 'truth', ...METRIC_NAMES, 'abnormal', 'violations', 'joint_correct']);
    expect(rows).toHaveLength(6);
    const json = readJson('runs', 'truth', 'videos.json').rows;
    expect(json.map((v: { id: string }) => v.id)).toEqual(rows.map((c) => c[0]));
    for (const v of json) {
      expect(v.id).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(v).toMatchObject({ abnormal: 0, violations: '', joint_correct: 1, video: `videos/${v.id}.mp4`, truth: `truth/${v.id}.mp4` });
      expect(v.velocity_error).toBeLessThan(0.2); // the parser's floor on MP4 round trips (PhyWorld's: 0.01–0.02 units/s)
      for (const sub of ['videos', 'truth']) expect(fs.statSync(path.join(dir, sub, `${v.id}.mp4`)).size).toBeGreaterThan(500);
      expect(Object.keys(readJson('runs', 'truth', 'tracks', `${v.id}.json`))).toEqual(['generated', 'truth']);
    }
    const cats = readJson('runs', 'truth', 'categories.json').rows;
    expect(cats.map((c: { category: string; videos: number }) => [c.category, c.videos])).toEqual([['attribute-binding', 2], ['bounce', 2], ['collision', 2]]);
    expect(csv('runs', 'truth', 'categories.csv')[0]).toEqual(['category', 'split', 'videos', ...METRIC_NAMES, 'abnormal_rate', 'joint_accuracy']);
  });

  it('--palette estimate: colours clustered from the videos find the world palette, the truth still scores clean', () => {
    const r = spacetime('eval', '--videos', 'truth-folder', '--out', 'runs/estimated', '--palette', 'estimate', '--skip-physics-iq', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/fd_encoder [\d.]+ \[/);
    const run = readJson('runs', 'estimated', 'run.json');
    expect(run.headline).toMatchObject({ videos: 6, abnormal_rate: 0 });
    const { background, colors } = run.scoring.palette;
    BACKGROUND.forEach((x, i) => expect(Math.abs(background[i] - x)).toBeLessThanOrEqual(2)); // the world's slate, within the MP4 round trip
    expect(colors.length).toBeGreaterThanOrEqual(2);
    for (const c of colors) expect(c.name).toMatch(/^cluster-\d+$/);
    // Tracks follow the true objects as with the world's palette: the same direction scores
    // (within 0.02) and velocity errors under the parser's MP4 floor (0.2 units/s; 0.03–0.12 measured).
    type Row = { id: string; direction_score: number | null; velocity_error: number };
    const withWorld = new Map((readJson('runs', 'truth', 'videos.json').rows as Row[]).map((v) => [v.id, v]));
    const rows = readJson('runs', 'estimated', 'videos.json').rows as Row[];
    expect(rows.filter((v) => v.direction_score !== null).length).toBeGreaterThanOrEqual(4);
    for (const v of rows) {
      const w = withWorld.get(v.id)!;
      if (w.direction_score === null) expect(v.direction_score).toBeNull();
      else expect(Math.abs(v.direction_score! - w.direction_score)).toBeLessThan(0.02);
      expect(v.velocity_error).toBeLessThan(0.2);
    }
  });

  it('--physiq official: recorded in run.json and the report, Physics-IQ figures in the official arithmetic', () => {
    const r = spacetime('eval', '--videos', 'truth-folder', '--out', 'runs/official', '--physiq', 'official', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const run = readJson('runs', 'official', 'run.json');
    expect(run.scoring).toEqual({ physics_iq: true, physiq: 'official', palette: 'world' });
    type Row = { id: string; physiq_mse: number; physiq_spatiotemporal_iou: number; position_ade: number };
    const exact = new Map((readJson('runs', 'truth', 'videos.json').rows as Row[]).map((v) => [v.id, v]));
    const rows = readJson('runs', 'official', 'videos.json').rows as Row[];
    expect(rows).toHaveLength(6);
    let differ = 0;
    for (const v of rows) {
      const e = exact.get(v.id)!;
      expect(v.position_ade).toBe(e.position_ade); // only Physics-IQ changes
      expect(Number.isFinite(v.physiq_mse) && Number.isFinite(v.physiq_spatiotemporal_iou)).toBe(true);
      if (v.physiq_mse !== e.physiq_mse || v.physiq_spatiotemporal_iou !== e.physiq_spatiotemporal_iou) differ++;
    }
    expect(differ).toBeGreaterThan(0); // the MP4 round trip's sub-level differences vanish or grow under 8-bit rounding
    expect(spacetime('report', 'runs/official').code).toBe(0);
    expect(fs.readFileSync(path.join(tmp, 'runs', 'official', 'report.md'), 'utf8')).toMatch(/\| scoring \| Physics-IQ official conventions; world palette \|/);
  });

  it('lists bad rows (missing file, malformed row, wrong size, mismatched state) and scores the rest: exit 2', () => {
    const dir = path.join(tmp, 'damaged');
    fs.cpSync(path.join(tmp, 'truth-folder'), dir, { recursive: true });
    const lines = fs.readFileSync(path.join(dir, 'captions.csv'), 'utf8').trim().split('\n');
    // line 2: a video that is not there; line 3: a malformed row; line 4: its state is for 16×16.
    lines[1] = lines[1].replace('videos/', 'videos/missing-');
    lines[2] = 'videos/x.mp4,only three';
    const state4 = path.join(dir, 'states', `${path.basename(lines[3].split(',')[0], '.mp4')}.json`);
    fs.writeFileSync(state4, JSON.stringify({ ...JSON.parse(fs.readFileSync(state4, 'utf8')), width: 16 }));
    // line 5 says 8 frames, the video has 16.
    lines[4] = lines[4].replace(',16,64,64,', ',8,64,64,');
    fs.writeFileSync(path.join(dir, 'captions.csv'), lines.join('\n') + '\n');

    const r = spacetime('eval', '--videos', 'damaged', '--out', 'runs/damaged', '--quiet');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/2 videos scored, 4 skipped/);
    const bad = readJson('runs', 'damaged', 'run.json').bad_inputs as { file: string; row: number; reason: string }[];
    expect(bad.map((b) => b.row)).toEqual([2, 3, 4, 5]);
    expect(bad[0].reason).toMatch(/video videos\/missing-.*\.mp4 not found/);
    expect(bad[1].reason).toBe('expected 6 columns, got 2');
    expect(bad[2]).toMatchObject({ file: path.relative(tmp, state4) });
    expect(bad[2].reason).toMatch(/is for 16×64 \(a 8×32 clip at 2×\) but the video is 32×32: it does not match its video/);
    expect(bad[3].reason).toMatch(/decodes to 16×32×32 \(frames×height×width\), the row says 8×64×64/);
    for (const b of bad) expect(r.stderr).toContain(`line ${b.row}: ${b.reason}`);
    expect(readJson('runs', 'damaged', 'videos.json').rows).toHaveLength(2);
  });

  it('lists, without reading them, links leaving the folder, invalid state files and a mislabelled 4096² video; accepts a BOM', () => {
    const dir = path.join(tmp, 'hostile');
    fs.cpSync(path.join(tmp, 'truth-folder'), dir, { recursive: true });
    const csvFile = path.join(dir, 'captions.csv');
    const lines = fs.readFileSync(csvFile, 'utf8').trim().split('\n');
    const name = (k: number) => path.basename(lines[k].split(',')[0], '.mp4');
    // line 2: its video is a link to a file outside the folder.
    const outside = path.join(tmp, 'outside.mp4');
    fs.renameSync(path.join(dir, 'videos', `${name(1)}.mp4`), outside);
    fs.symlinkSync(outside, path.join(dir, 'videos', `${name(1)}.mp4`));
    // line 3: a state without objects; line 4: a position of 1e308; line 5: an empty spec.
    const edit = (k: number, f: (s: Record<string, unknown> & { objects: { track: Record<string, unknown>[] }[] }) => void) => {
      const file = path.join(dir, 'states', `${name(k)}.json`);
      const state = JSON.parse(fs.readFileSync(file, 'utf8'));
      f(state);
      fs.writeFileSync(file, JSON.stringify(state));
    };
    edit(2, (st) => delete (st as Partial<typeof st>).objects);
    edit(3, (st) => (st.objects[0].track[1].x = 1e308));
    edit(4, (st) => (st.spec = {}));
    // line 6: 4096² frames listed as 64×64.
    const big = path.join(dir, 'videos', `${name(5)}.mp4`);
    expect(spawnSync(ffmpegPath(), ['-y', '-f', 'lavfi', '-i', 'color=c=red:s=4096x4096:r=10:d=1.6', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-threads', '1', big]).status).toBe(0);
    // line 8 (added): a second row for line 7's video — refused before decoding.
    fs.writeFileSync(csvFile, '\uFEFF' + [...lines, lines[6]].join('\n') + '\n');

    const r = spacetime('eval', '--videos', 'hostile', '--out', 'runs/hostile', '--skip-physics-iq', '--quiet');
    expect(r.code, r.stderr).toBe(2);
    const bad = readJson('runs', 'hostile', 'run.json').bad_inputs as { file: string; row: number; reason: string }[];
    expect(bad.map((b) => b.row)).toEqual([2, 3, 4, 5, 6, 8]);
    expect(bad[0].reason).toMatch(new RegExp(`videos/${name(1)}\\.mp4 is a link to .*outside\\.mp4, outside the folder`));
    expect(bad[1]).toMatchObject({ file: `hostile/states/${name(2)}.json`, reason: 'objects: Invalid input: expected array, received undefined' });
    expect(bad[2].reason).toBe('objects.0.track.1.x: Too big: expected number to be <=10000');
    expect(bad[3].reason).toMatch(/^spec\.family: Invalid option/);
    expect(bad[4].reason).toMatch(/its frames are 4096x4096, the row says 64x64; not decoded/);
    expect(bad[5].reason).toMatch(/a second video for /);
    expect(readJson('runs', 'hostile', 'videos.json').rows).toHaveLength(1);
    expect(fs.readdirSync(path.join(tmp, 'runs')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a 100,000-row captions.csv naming one video: one decode, the rest listed at once', () => {
    const dir = path.join(tmp, 'many-rows');
    fs.cpSync(path.join(tmp, 'truth-folder'), dir, { recursive: true });
    const csvFile = path.join(dir, 'captions.csv');
    const [header, first] = fs.readFileSync(csvFile, 'utf8').trim().split('\n');
    fs.writeFileSync(csvFile, [header, ...Array.from({ length: 100_000 }, () => first)].join('\n') + '\n');
    const t0 = performance.now();
    const r = spacetime('eval', '--videos', 'many-rows', '--out', 'runs/many-rows', '--skip-physics-iq', '--quiet');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/1 videos scored, 99999 skipped/);
    expect(r.stderr.split('\n').length).toBeLessThanOrEqual(51); // the first 50 named, the rest counted
    expect(r.stderr).toMatch(/skipped: 99949 more, listed in runs\/many-rows\/run\.json bad_inputs/);
    // 16 s measured (2 busy cores); it ran past 120 s when every row was decoded before duplicates were found.
    expect(performance.now() - t0).toBeLessThan(60_000);
  }, 120_000);

  it('an empty folder, a folder without captions.csv and usage errors: exit 1, one line, nothing written', () => {
    fs.mkdirSync(path.join(tmp, 'empty'));
    for (const [args, message] of [
      [['--videos', 'empty'], /nothing to evaluate: .*captions\.csv: the folder is empty/],
      [['--videos', 'runs/truth/videos'], /no captions\.csv/],
      [['--videos', 'truth-folder', '--checkpoint', 'x'], /exactly one of --checkpoint PATH or --videos DIR/],
      [['--videos', 'truth-folder', '--suite', 'wobble-id'], /unknown suite "wobble-id"/],
      [['--videos', 'truth-folder', '--seeds', '2'], /--seeds applies to --checkpoint only/],
      [['--videos', 'truth-folder', '--palette', 'rainbow'], /--palette must be world or estimate, got "rainbow"/],
      [['--videos', 'truth-folder', '--physiq', 'opencv'], /--physiq must be exact or official, got "opencv"/],
      [['--videos', 'truth-folder', '--keep-frames', '2'], /--keep-frames gives a model true frames, so it needs --checkpoint/],
      [['--videos', 'truth-folder', '--guidance-method', 'pag'], /^spacetime: unknown guidance method "pag"/],
      [['--videos', 'truth-folder', '--guidance-interval', '0.2,0.8'], /--guidance-interval needs --guidance-method interval/],
      [['--videos', 'truth-folder', '--frame-guidance', '2'], /^spacetime: --frame-guidance needs --keep-frames K/],
    ] as const) {
      const r = spacetime('eval', ...args, '--out', 'runs/never');
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(fs.existsSync(path.join(tmp, 'runs', 'never'))).toBe(false);
    expect(fs.readdirSync(path.join(tmp, 'runs')).filter((f) => f.includes('.tmp-'))).toEqual([]);
    fs.mkdirSync(path.join(tmp, 'precious'));
    fs.writeFileSync(path.join(tmp, 'precious', 'notes.txt'), 'x');
    expect(spacetime('eval', '--videos', 'truth-folder', '--out', 'precious').stderr).toMatch(/not an evaluation run; choose another folder/);
  });
});

describe('spacetime eval --suite', () => {
  it('--export writes the suite as an interchange folder that --videos --suite scores against the suite', () => {
    expect(spacetime('eval', '--suite', 'bounce-ood', '--limit', '2', '--export', 'bounce-ood-truth').stdout).toMatch(/wrote 2 prompts of suite bounce-ood/);
    const captions = csv('bounce-ood-truth', 'captions.csv');
    expect(captions.slice(1).map((c) => c[0])).toEqual(['videos/bounce-000.mp4', 'videos/bounce-001.mp4']);
    const r = spacetime('eval', '--suite', 'bounce-ood', '--limit', '2', '--videos', 'bounce-ood-truth', '--out', 'runs/bounce-ood-truth', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const run = readJson('runs', 'bounce-ood-truth', 'run.json');
    expect(run.suite).toEqual({ name: 'bounce-ood', version: 1, split: 'ood', categories: ['bounce'], prompts: 2, limit: 2 });
    expect(readJson('runs', 'bounce-ood-truth', 'videos.json').rows.map((v: { id: string; split: string }) => [v.id, v.split])).toEqual([
      ['bounce-000-s0', 'ood'],
      ['bounce-001-s0', 'ood'],
    ]);
    // A row that is not one of the suite's prompts is listed, not scored.
    const other = spacetime('eval', '--suite', 'gravity-id', '--videos', 'bounce-ood-truth', '--out', 'runs/mismatch', '--quiet');
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/nothing to evaluate: .*bounce-000\.mp4 line 2: not a prompt of suite gravity-id/);
  });

  it('--suite counterfactual: the pairs of the true renders change the right way (run.json counterfactual, the report)', () => {
    expect(spacetime('eval', '--suite', 'counterfactual', '--limit', '1', '--export', 'cf-truth').stdout).toMatch(/wrote 12 prompts of suite counterfactual/);
    expect(readJson('cf-truth', 'suite.json').items[1]).toMatchObject({ promptId: 'speed-000-changed', counterfactual: { pair: 'speed-000', cause: 'speed', changed: true } });
    const r = spacetime('eval', '--suite', 'counterfactual', '--limit', '1', '--videos', 'cf-truth', '--out', 'runs/cf', '--skip-physics-iq', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('counterfactual pairs changed the right way: 6 of 6 testable (speed 1/1, direction 1/1, mass 1/1, restitution 1/1, floor 1/1, gravity 1/1)');
    const run = readJson('runs', 'cf', 'run.json');
    expect(run.suite).toMatchObject({ name: 'counterfactual', version: 1, prompts: 12, limit: 1 });
    expect(run.counterfactual.overall).toEqual({ pairs: 6, testable: 6, correct: 6, share: 1 });
    expect(run.counterfactual.pairs[0]).toMatchObject({ pair: 'speed-000', cause: 'speed', seed: 0, carried_by: ['caption'], testable: true, correct: true });
    expect(spacetime('report', 'runs/cf').code).toBe(0);
    expect(fs.readFileSync(path.join(tmp, 'runs', 'cf', 'report.md'), 'utf8')).toContain('| gravity | 1 | 1 | 1 | 1 |');
    // Declared text-only: the causes no caption names cannot be judged (share null).
    expect(spacetime('eval', '--suite', 'counterfactual', '--limit', '1', '--videos', 'cf-truth', '--given-frames', '0', '--out', 'runs/cf-text', '--skip-physics-iq', '--quiet').code).toBe(0);
    const text = readJson('runs', 'cf-text', 'run.json').counterfactual;
    expect(text.per_cause.gravity).toEqual({ pairs: 1, testable: 0, correct: 0, share: null });
    expect(text.overall).toEqual({ pairs: 6, testable: 3, correct: 3, share: 1 });
  });

  it('generates a suite with a tiny checkpoint: seeds, settings and model config recorded; report finds the sibling OOD run', () => {
    expect(spacetime('data', 'make', '--families', 'bounce,slide', '--n', '4', '--size', '16', '--frames', '4', '--out', 'data', '--quiet').code).toBe(0);
    expect(spacetime('train', '--preset', 'tiny', '--data', 'data', '--steps', '2', '--batch-size', '2', '--out', 'tiny', '--quiet').code).toBe(0);
    for (const split of ['id', 'ood']) {
      const r = spacetime('eval', '--suite', `all-${split}`, '--limit', '1', '--checkpoint', 'tiny', '--seeds', '2', '--steps', '2', '--sampler', 'euler', '--out', `evals/tiny-${split}`, '--quiet');
      expect(r.code, r.stderr).toBe(0);
    }
    const run = readJson('evals', 'tiny-id', 'run.json');
    expect(run.source).toMatchObject({ kind: 'checkpoint', path: 'tiny', step: 2, generate: { steps: 2, guidance: 3, sampler: 'euler' } });
    expect(run.source.config.model.preset ?? run.source.config.preset).toBeTruthy();
    expect(run.seeds).toEqual([1, 2]);
    expect(run.headline.videos).toBe(14); // 7 categories × 1 prompt × 2 seeds
    // Text-only (no --keep-frames): no comparisons with one true scene, and why.
    expect(run.keep_frames).toBe(0);
    expect(run.skipped_metrics.velocity_error).toBe(`${TEXT_ONLY} (14 of 14 videos)`);
    expect(run.headline.position_ade).toBeUndefined();
    const refused = spacetime('eval', '--suite', 'smoke', '--checkpoint', 'tiny', '--keep-frames', '1', '--out', 'evals/never', '--quiet');
    expect([refused.code, refused.stderr.split('\n').length]).toEqual([1, 1]);
    expect(refused.stderr).toMatch(/--keep-frames: tiny is text-only \(not trained with --frame-conditioning\)/);
    expect(fs.existsSync(path.join(tmp, 'evals', 'never'))).toBe(false);
    expect(run.timings.generate_s).toBeGreaterThan(0);
    const ids = readJson('evals', 'tiny-id', 'videos.json').rows.map((v: { id: string }) => v.id);
    expect(ids.slice(0, 2)).toEqual(['gravity-000-s1', 'gravity-000-s2']);

    // What was scored is what was stored: the run folder, re-scored as a --videos folder
    // (its captions.csv) made from text alone, gives the same figures. (They differed when the
    // frames held in memory were scored instead of the MP4s written.)
    const captions = csv('evals', 'tiny-id', 'captions.csv');
    expect(captions[0]).toEqual(['path', 'text', 'num_frames', 'height', 'width', 'fps']);
    expect(captions[1].slice(2)).toEqual(['4', '32', '32', '10']); // the stored file: the 16×16 clip at 2×
    const again = spacetime('eval', '--suite', 'all-id', '--limit', '1', '--videos', 'evals/tiny-id', '--given-frames', '0', '--out', 'evals/tiny-id-rescored', '--quiet');
    expect(again.code, again.stderr).toBe(0);
    const rescored = readJson('evals', 'tiny-id-rescored', 'run.json');
    expect(rescored.headline).toEqual(run.headline);
    expect(rescored.frechet).toEqual(run.frechet);
    expect(rescored.skipped_metrics).toEqual(run.skipped_metrics);
    expect(readJson('evals', 'tiny-id-rescored', 'videos.json')).toEqual(readJson('evals', 'tiny-id', 'videos.json'));
    for (const id of ids) {
      const bytes = (dir: string) => fs.readFileSync(path.join(tmp, 'evals', dir, 'videos', `${id}.mp4`));
      expect(bytes('tiny-id-rescored').equals(bytes('tiny-id'))).toBe(true);
    }

    const rep = spacetime('report', 'evals/tiny-id');
    expect(rep.code, rep.stderr).toBe(0);
    expect(rep.stdout).toMatch(/wrote evals\/tiny-id\/report\.html and evals\/tiny-id\/report\.md \(2 runs\)/);
    const html = fs.readFileSync(path.join(tmp, 'evals', 'tiny-id', 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|src="https?:/); // nothing fetched: opens offline
    expect(html).toContain('Plotly'); // the library inlined
    expect(html.match(/src="data:video\/mp4;base64,/g)?.length).toBeGreaterThanOrEqual(8); // gallery: generated + truth
    const md = fs.readFileSync(path.join(tmp, 'evals', 'tiny-id', 'report.md'), 'utf8');
    expect(md).toMatch(/\| category \| ID \| OOD \|/);
    expect(md).toMatch(/Text-only runs: velocity and position error need a scene fixed by true frames/);
    expect(md).toMatch(/## Failure gallery/);
    expect(md).toMatch(/\| code \| 0\.1\.0 @ [0-9a-f]{12}/);
  });

  it('report refuses a folder that is not a run', () => {
    const r = spacetime('report', 'truth-folder');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/truth-folder is not an evaluation run \(no run\.json/);
  });
});
