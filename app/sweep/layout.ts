/**
 * The sweep folder, shared by the submitter and every worker (one path, e.g. on NFS):
 *
 *   DIR/NAME/                      each job's output (its command's --out)
 *   DIR/.sweep/sweep.json          the sweep as last submitted: jobs, their argv, the Redis URL
 *   DIR/.sweep/jobs/NAME.done.json written by the worker after the command exited 0, and only
 *                                  then: the one sign that a job finished (a folder alone is not)
 *   DIR/.sweep/jobs/NAME.failed.json  the last real failure: exit status and stderr's tail
 *   DIR/.sweep/logs/NAME.stdout.log, NAME.stderr.log   the last attempt's output
 *
 * `.sweep` starts with a dot, so the comparison server (which skips hidden folders) lists only
 * the jobs' runs, and no job name (JOB_NAME) can collide with it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError, describeError } from '../../base/errors.js';
import { writeFileAtomic } from '../../base/io/atomic.js';

export const SWEEP_FORMAT = 'spacetime-sweep/v1';
export const META_DIR = '.sweep';

export interface SweepRecord {
  format: typeof SWEEP_FORMAT;
  /** Redis URL without its password (pass --redis again where one is needed). */
  redis: string;
  submitted: string;
  jobs: { name: string; command: string[]; argv: string[]; jobId: string }[];
}

export interface DoneRecord {
  name: string;
  argv: string[];
  worker: string;
  started: string;
  finished: string;
  seconds: number;
  /** The BullMQ attempt (counting restarts after a worker died) that finished it. */
  attempt: number;
}

export interface FailedRecord {
  name: string;
  argv: string[];
  worker: string;
  finished: string;
  exitCode: number | null;
  signal: string | null;
  /** The last lines of stderr (the whole of it is in logs/NAME.stderr.log). */
  stderrTail: string;
}

export function sweepPaths(dir: string) {
  const meta = path.join(dir, META_DIR);
  return {
    meta,
    record: path.join(meta, 'sweep.json'),
    done: (name: string) => path.join(meta, 'jobs', `${name}.done.json`),
    failed: (name: string) => path.join(meta, 'jobs', `${name}.failed.json`),
    stdout: (name: string) => path.join(meta, 'logs', `${name}.stdout.log`),
    stderr: (name: string) => path.join(meta, 'logs', `${name}.stderr.log`),
  };
}

export function writeJson(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** A JSON record, or null when the file is absent (a damaged one is a UserError naming it). */
export function readJson<T>(file: string): T | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new UserError(`${file} is damaged: ${describeError(err)}`);
  }
}

export function readSweepRecord(dir: string): SweepRecord {
  const file = sweepPaths(dir).record;
  const record = readJson<SweepRecord>(file);
  if (!record) throw new UserError(`${dir} is not a sweep folder (no ${path.join(META_DIR, 'sweep.json')}; submit one with spacetime sweep FILE --out ${dir})`);
  if (record.format !== SWEEP_FORMAT || !Array.isArray(record.jobs)) throw new UserError(`${file}: not a ${SWEEP_FORMAT} record`);
  return record;
}

export const isDone = (dir: string, name: string): boolean => fs.existsSync(sweepPaths(dir).done(name));
