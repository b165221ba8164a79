// The `spacetime` CLI end to end: real processes, exit codes, one-line errors, no debris.
import { spawnSync } from 'node:child_process';
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
