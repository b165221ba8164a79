// The `spacetime` CLI end to end: real processes, exit codes, one-line errors, no debris.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function spacetime(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'spacetime.js'), ...args], { cwd: tmp, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

/** A failed command: non-zero exit and exactly one line on stderr naming the problem. */
function expectOneLineError(r: ReturnType<typeof spacetime>, pattern: RegExp) {
  expect(r.code).not.toBe(0);
  expect(r.stderr.split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

describe('spacetime CLI', () => {
  it('is the package bin: `npx spacetime --help` lists the commands', () => {
    const r = spawnSync('npx', ['--no-install', 'spacetime', '--help'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/data\s+make, export, import/);
  });

  it('finds its own package (native addon) when run from another folder', () => {
    const addon = path.join(root, 'kernels', 'native', 'build', 'Release', 'spacetime_native.node');
    if (!fs.existsSync(addon)) return; // no native build here: nothing to find (the backend suites say so)
    const r = spacetime('backend'); // cwd: a temp folder outside the repository
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^backend: native/);
  });

  it('makes a dataset, then skips it on a re-run', () => {
    const args = ['data', 'make', '--families', 'uniform,slide', '--split', 'ood', '--n', '6', '--seed', '2', '--out', 'ds', '--quiet'];
    const first = spacetime(...args);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/wrote 6 samples \(0 already done\) in 1 shards/);
    expect(spacetime(...args).stdout).toMatch(/wrote 0 samples \(6 already done\)/);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'ds', 'manifest.json'), 'utf8'))).toMatchObject({ numSamples: 6, complete: true });
  });

  it('renders a sample to an MP4, a GIF, a contact sheet and its ground truth', () => {
    const r = spacetime('data', 'sample', '--family', 'collision', '--seed', '3', '--out', 'sample');
    expect(r.code).toBe(0);
    for (const ext of ['mp4', 'gif', 'png', 'json']) {
      const file = path.join(tmp, 'sample', `id-collision-000000.${ext}`);
      expect(fs.statSync(file).size).toBeGreaterThan(100);
      expect(r.stdout).toContain(`id-collision-000000.${ext}`);
    }
    // The stdout states each file's own size: the MP4 stores the 32×32 clip at 2×.
    expect(r.stdout).toMatch(/mp4 +\(64×64 stored: each pixel of the 32×32 clip as a 2×2 block/);
    expect(r.stdout).toMatch(/gif +\(32×32\)/);
  });

  it('refuses an unknown family', () => {
    expectOneLineError(spacetime('data', 'make', '--families', 'uniform,wobble', '--n', '3', '--out', 'bad1'), /unknown family "wobble"/);
    expect(fs.existsSync(path.join(tmp, 'bad1'))).toBe(false);
  });

  it('refuses --n 0', () => {
    expectOneLineError(spacetime('data', 'make', '--n', '0', '--out', 'bad2'), /--n must be a positive integer, got 0/);
    expect(fs.existsSync(path.join(tmp, 'bad2'))).toBe(false);
  });

  it('refuses an unwritable output folder', () => {
    fs.writeFileSync(path.join(tmp, 'a-file'), 'x');
    expectOneLineError(spacetime('data', 'make', '--n', '2', '--out', 'a-file/ds'), /cannot write to folder a-file\/ds/);
    expectOneLineError(spacetime('data', 'export', '--n', '2', '--out', 'a-file/ex'), /cannot write to folder/);
  });

  it('refuses eval --out under a file (a usage error, exit 1) and data make --out under /proc (no spin) in one line', () => {
    fs.writeFileSync(path.join(tmp, 'plain'), 'x');
    expect(spacetime('eval', '--suite', 'bounce-ood', '--limit', '1', '--export', 'truth-1').code).toBe(0);
    const r = spacetime('eval', '--suite', 'bounce-ood', '--limit', '1', '--videos', 'truth-1', '--out', 'plain/run', '--skip-physics-iq', '--quiet');
    expectOneLineError(r, /cannot write to folder plain \(ENOTDIR: .*plain is not a folder\)/);
    expect(r.code).toBe(1); // was 70
    expect(fs.readFileSync(path.join(tmp, 'plain'), 'utf8')).toBe('x');
    if (fs.existsSync('/proc/self')) {
      // Node's recursive mkdir spun forever here; the timeout kills it (signal set, status null).
      const spin = spawnSync(process.execPath, [path.join(root, 'bin', 'spacetime.js'), 'data', 'make', '--n', '2', '--out', '/proc/spacetime-none/ds'], { cwd: tmp, encoding: 'utf8', timeout: 30_000 });
      expect(spin.signal).toBeNull();
      expectOneLineError({ code: spin.status, stdout: spin.stdout, stderr: spin.stderr.trim() }, /cannot write to folder \/proc\/spacetime-none\/ds \(ENOENT: cannot make \/proc\/spacetime-none\)/);
    }
  }, 60_000);

  it('refuses stray positional arguments for every command, naming the first', () => {
    for (const args of [
      ['data', 'make', '--n', '2', '--out', 'stray', 'extra'],
      ['data', 'export', 'extra', '--out', 'stray'],
      ['data', 'import', '--from', 'ex', '--out', 'stray', 'extra'],
      ['data', 'sample', 'extra'],
      ['train', 'extra'],
      ['model', 'info', 'extra'],
      ['backend', 'extra'],
      ['eval', 'extra'],
      ['serve', 'extra'],
      ['worker', '--redis', 'redis://127.0.0.1:1', 'extra'],
      ['sweep', 'status', 'stray', 'extra'],
      ['verify', 'a.mp4', 'extra'],
    ]) {
      expectOneLineError(spacetime(...args), /unexpected argument "extra"/);
    }
    expect(fs.existsSync(path.join(tmp, 'stray'))).toBe(false);
    expectOneLineError(spacetime('generate', 'a red ball', 'bounces'), /unexpected argument "bounces" \(expected one PROMPT in quotes\)/);
  });

  it('refuses unknown flags and commands', () => {
    expectOneLineError(spacetime('data', 'make', '--count', '3'), /unknown flag --count/);
    expectOneLineError(spacetime('frobnicate'), /unknown command "frobnicate"/);
  });

  it('imports an exported folder, and refuses a corrupt MP4 or a missing file without writing', () => {
    expect(spacetime('data', 'export', '--families', 'bounce', '--n', '2', '--out', 'ex', '--quiet').code).toBe(0);
    expect(spacetime('data', 'import', '--from', 'ex', '--out', 'imported').stdout).toMatch(/imported 2 videos/);

    fs.writeFileSync(path.join(tmp, 'ex', 'videos', 'id-bounce-000001.mp4'), Buffer.alloc(5000, 7));
    expectOneLineError(spacetime('data', 'import', '--from', 'ex', '--out', 'bad3'), /id-bounce-000001\.mp4/);
    expect(fs.existsSync(path.join(tmp, 'bad3'))).toBe(false);

    fs.rmSync(path.join(tmp, 'ex', 'videos', 'id-bounce-000001.mp4'));
    expectOneLineError(spacetime('data', 'import', '--from', 'ex', '--out', 'bad4'), /line 3: video videos\/id-bounce-000001\.mp4 not found/);
    expect(fs.existsSync(path.join(tmp, 'bad4'))).toBe(false);
  });
});

describe('spacetime train', () => {
  const train = (...args: string[]) => spacetime('train', '--preset', 'tiny', '--data', 'train-ds', '--steps', '8', '--batch-size', '2', '--sample-every', '0', '--quiet', ...args);
  const weights = (run: string) => fs.readFileSync(path.join(tmp, run, 'checkpoints', 'step-00000008', 'model.safetensors'));
  const made = () => {
    if (!fs.existsSync(path.join(tmp, 'train-ds'))) {
      expect(spacetime('data', 'make', '--families', 'uniform,bounce', '--n', '4', '--size', '16', '--frames', '4', '--out', 'train-ds', '--quiet').code).toBe(0);
    }
  };

  it('refuses out-of-range flags with a usage error naming the flag and its range, writing nothing', () => {
    made();
    for (const [flags, message] of [
      [['--batch-size', '0'], '--batch-size must be an integer ≥ 1, got 0'],
      [['--batch-size', '-4'], '--batch-size must be an integer ≥ 1, got -4'],
      [['--lr', '-1'], '--lr must be a finite number > 0, got -1'],
      [['--checkpoint-every', '0'], '--checkpoint-every must be an integer ≥ 1, got 0'],
      [['--caption-dropout', '2'], '--caption-dropout must be a number from 0 to 1, got 2'],
      [['--eval-sizes', 'all'], '--eval-sizes needs --eval-every N'],
      [['--eval-every', '4', '--eval-sizes', 'all'], '--eval-sizes all needs --buckets (a run without buckets trains at one size: leave --eval-sizes out)'],
      [['--eval-every', '4', '--eval-sizes', '16x16'], '--eval-sizes: "16x16" is not WIDTHxHEIGHTxFRAMES (e.g. 48x32x16) or all'],
      [['--eval-every', '4', '--eval-sizes', '16x16x4,16x16x4'], '--eval-sizes: 16x16x4 is given twice'],
    ]) {
      const r = train('--out', 'bad-train', ...flags);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`spacetime: ${message}`); // before the backend starts: one line
      expect(fs.existsSync(path.join(tmp, 'bad-train'))).toBe(false);
    }
    // Checked against the dataset once it is open, still before anything is written.
    const r = train('--out', 'bad-train', '--batch-size', '100000');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').at(-1)).toBe('spacetime: --batch-size must be an integer from 1 to 4 (the clips in train-ds), got 100000');
    expect(fs.existsSync(path.join(tmp, 'bad-train'))).toBe(false);
  });

  it('kill -9 before the first checkpoint: --resume starts over from step 0, bit-identically', async () => {
    made();
    expect(train('--out', 'straight-run', '--checkpoint-every', '100').code).toBe(0);
    // Asked for 200 steps so the kill surely lands mid-run; the resume's --steps 8 then sets the schedule as the straight run's did.
    const child = spawn(process.execPath, [path.join(root, 'bin', 'spacetime.js'), 'train', '--preset', 'tiny', '--data', 'train-ds', '--steps', '200', '--batch-size', '2', '--sample-every', '0', '--quiet', '--checkpoint-every', '100', '--out', 'killed-run'], { cwd: tmp, stdio: 'ignore' });
    const metrics = path.join(tmp, 'killed-run', 'metrics.jsonl');
    const exited = new Promise((resolve) => child.on('exit', resolve));
    while (!(fs.existsSync(metrics) && fs.readFileSync(metrics, 'utf8').split('\n').length > 2)) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    expect(await exited).toBe(null); // killed, not finished
    expect(fs.existsSync(path.join(tmp, 'killed-run', 'checkpoints'))).toBe(false);
    expect(train('--out', 'killed-run').stderr).toMatch(/already holds a run; pass --resume to continue it/);
    const r = train('--out', 'killed-run', '--resume');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('note: killed-run has no checkpoint yet: starting it from step 0 with its config.json');
    expect(weights('killed-run').equals(weights('straight-run'))).toBe(true);
  });

  it('a garbage config.json in the run being resumed is named', () => {
    made();
    fs.mkdirSync(path.join(tmp, 'garbage-run'));
    fs.writeFileSync(path.join(tmp, 'garbage-run', 'config.json'), '{"preset": "tiny", ');
    const r = train('--out', 'garbage-run', '--resume');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').at(-1)).toMatch(/^spacetime: cannot read the run's garbage-run\/config\.json: /);
  });

  it('documents --resume-from in --help', () => {
    expect(spacetime('train', '--help').stdout).toMatch(/--resume-from STEP\|CHECKPOINT: the same from a checkpoint picked by hand/);
  });
});
