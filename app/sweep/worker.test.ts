// What a worker does with the output a killed attempt left (app/sweep/commands.ts leftoverPolicy),
// on real folders: a train run with a checkpoint resumes, one without restarts, eval's litter goes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobArgv } from './commands.js';
import { prepareOutput, type SweepJobData } from './worker.js';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'spacetime.js');
const spacetime = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

function job(dir: string, name: string, command: string[]): SweepJobData {
  return { dir, name, command, argv: jobArgv(command, dir, name) };
}

describe('a retried job', () => {
  let dir: string;
  let data: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-worker-'));
    data = path.join(dir, 'data');
    expect(spacetime('data', 'make', '--families', 'bounce', '--n', '4', '--out', data, '--quiet').status).toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const train = (steps: number) => ['train', '--preset', 'tiny', '--data', data, '--steps', String(steps), '--batch-size', '2', '--checkpoint-every', '1', '--sample-every', '100', '--quiet'];

  it('resumes a train run from the checkpoint its killed attempt wrote', async () => {
    const j = job(dir, 'run', [...train(2), '--init', 'elsewhere']);
    expect(spacetime(...train(1), '--out', path.join(dir, 'run')).status).toBe(0); // the "killed" attempt got this far
    const argv = await prepareOutput(j);
    expect(argv).toEqual([...train(2), '--resume', '--out', path.join(dir, 'run')]);
    const r = spacetime(...argv);
    expect(r.stderr).not.toMatch(/spacetime: /);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/trained to step 2/);
  });

  it('restarts a train run that died before its first checkpoint', async () => {
    const out = path.join(dir, 'early');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'config.json'), '{}'); // what train writes first
    const j = job(dir, 'early', train(1));
    expect(await prepareOutput(j)).toEqual(j.argv);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('starts eval clean, keeps data make’s finished shards', async () => {
    fs.mkdirSync(path.join(dir, 'ev'));
    fs.mkdirSync(path.join(dir, '.ev.tmp-abc')); // eval's temporary folder, from the dead attempt
    fs.mkdirSync(path.join(dir, '.evx.tmp-abc')); // another job's
    await prepareOutput(job(dir, 'ev', ['eval', '--suite', 'smoke']));
    expect(fs.existsSync(path.join(dir, 'ev'))).toBe(false);
    expect(fs.existsSync(path.join(dir, '.ev.tmp-abc'))).toBe(false);
    expect(fs.existsSync(path.join(dir, '.evx.tmp-abc'))).toBe(true);
    await prepareOutput(job(dir, 'data', ['data', 'make', '--n', '4']));
    expect(fs.existsSync(path.join(data, 'manifest.json'))).toBe(true);
  });
});
