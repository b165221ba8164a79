import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../base/errors.js';
import { jobArgv, leftoverPolicy, resumeCommand } from './commands.js';
import { parseSweep, readSweepFile } from './sweep-file.js';
import { jobId } from './redis.js';
import { GUIDANCE_METHODS, guidanceFlags } from '../../src/diffusion/guidance/index.js';

const ok = { jobs: [{ name: 'g1', command: ['eval', '--suite', 'smoke', '--guidance', '1'] }] };

function problem(raw: unknown): string {
  try {
    parseSweep(raw, 'sweep.json');
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    expect(message.startsWith('sweep file sweep.json: ')).toBe(true);
    return message;
  }
  throw new Error('expected a UserError');
}

describe('sweep file', () => {
  it('accepts a well-formed sweep', () => {
    expect(parseSweep(ok, 'sweep.json').jobs[0].name).toBe('g1');
  });

  it('names the problem in one line', () => {
    expect(problem({})).toMatch(/jobs: /);
    expect(problem({ jobs: [] })).toMatch(/at least one job/);
    expect(problem({ jobs: [{ name: 'a/b', command: ['eval'] }] })).toMatch(/jobs\[0\]\.name: must be 1–128 characters/);
    expect(problem({ jobs: [{ name: '.sweep', command: ['eval'] }] })).toMatch(/not starting with "\."/);
    expect(problem({ jobs: [{ name: 'a', command: [] }] })).toMatch(/jobs\[0\]\.command: must be a non-empty array/);
    expect(problem({ jobs: [{ name: 'a', command: ['eval', 3] }] })).toMatch(/jobs\[0\]\.command\[1\]/);
    expect(problem({ jobs: [{ name: 'a', command: ['eval'], extra: 1 }] })).toMatch(/jobs\[0\]/);
    expect(problem({ jobs: [ok.jobs[0], ok.jobs[0]] })).toMatch(/jobs\[1\]: name "g1" is used twice/);
    expect(problem({ jobs: [{ name: 'a', command: ['serve'] }] })).toMatch(/jobs\[0\] \(a\): command must start with one of train, eval, generate, data, got "serve"/);
    expect(problem({ jobs: [{ name: 'a', command: ['data', 'preview'] }] })).toMatch(/"data" must be followed by one of make/);
    expect(problem({ jobs: [{ name: 'a', command: ['eval', '--out', 'x'] }] })).toMatch(/must not pass --out/);
    expect(problem({ jobs: [{ name: 'a', command: ['eval', '--out=x'] }] })).toMatch(/must not pass --out/);
    expect(problem({ jobs: [{ name: 'a', command: ['eval', '--export', 'x'] }] })).toMatch(/must not pass --export/);
  });

  it('accepts the shipped example, the shipped model over guidance 1–5', () => {
    const sweep = readSweepFile(path.join(__dirname, '..', '..', 'sweeps', 'guidance-smoke.json'));
    expect(sweep.jobs.map((j) => j.command[j.command.indexOf('--guidance') + 1])).toEqual(['1', '2', '3', '4', '5']);
  });

  it('accepts the guidance-methods example: every method on the all-id suite, text only and with frames given, each flag one `spacetime eval` takes', () => {
    const sweep = readSweepFile(path.join(__dirname, '..', '..', 'sweeps', 'guidance-methods.json'));
    const flag = (command: string[], name: string) => (command.includes(name) ? command[command.indexOf(name) + 1] : undefined);
    const methods = sweep.jobs.map((j) => guidanceFlags(flag(j.command, '--guidance-method'), flag(j.command, '--guidance-interval')).guidanceMethod ?? 'cfg');
    expect(new Set(methods)).toEqual(new Set(GUIDANCE_METHODS));
    for (const job of sweep.jobs) expect(flag(job.command, '--suite')).toBe('all-id');
    // With the first 4 frames given: frames in both passes, then a frame scale of their own.
    const conditioned = sweep.jobs.filter((j) => flag(j.command, '--keep-frames') === '4');
    expect(conditioned.map((j) => flag(j.command, '--frame-guidance'))).toEqual([undefined, '2', '4']);
  });

  it('reads a file, naming it when it is not JSON or missing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-file-'));
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, '{"jobs": [');
    expect(() => readSweepFile(file)).toThrow(new RegExp(`^sweep file ${file} is not valid JSON`));
    expect(() => readSweepFile(path.join(dir, 'none.json'))).toThrow(/cannot read sweep file .*none\.json \(ENOENT\)/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('job commands', () => {
  it('adds each command its output under the sweep folder', () => {
    expect(jobArgv(['eval', '--suite', 'smoke'], '/s', 'g1')).toEqual(['eval', '--suite', 'smoke', '--out', '/s/g1']);
    expect(jobArgv(['generate', 'a red ball'], '/s', 'v')).toEqual(['generate', 'a red ball', '--out', '/s/v/video.mp4']);
    expect(jobArgv(['data', 'make', '--n', '4'], '/s', 'd')).toEqual(['data', 'make', '--n', '4', '--out', '/s/d']);
  });

  it('resumes a killed train from its checkpoint, restarts it without one', () => {
    expect(leftoverPolicy(['train'], true)).toBe('resume');
    expect(leftoverPolicy(['train'], false)).toBe('remove');
    expect(leftoverPolicy(['data', 'make'], false)).toBe('keep');
    expect(leftoverPolicy(['eval'], false)).toBe('remove');
    expect(resumeCommand(['train', '--init', 'runs/a', '--steps', '9'])).toEqual(['train', '--steps', '9', '--resume']);
    expect(resumeCommand(['train', '--init=runs/a', '--resume'])).toEqual(['train', '--resume']);
  });

  it('gives a job the same id for the same folder and name, and another elsewhere', () => {
    expect(jobId('/s/a', 'g1')).toBe(jobId('/s/a/', 'g1'));
    expect(jobId('/s/a', 'g1')).not.toBe(jobId('/s/b', 'g1'));
    expect(jobId('/s/a', 'g1')).not.toContain(':');
  });
});
