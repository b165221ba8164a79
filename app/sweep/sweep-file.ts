/**
 * The sweep file: the jobs to run, each a name and one of spacetime's own commands.
 *
 *   {"jobs": [{"name": "g1", "command": ["eval", "--suite", "smoke", "--guidance", "1"]}, …]}
 *
 * Names become folders (DIR/NAME) and run ids in the comparison server, so they are
 * `[A-Za-z0-9._-]`, not starting with a dot, and unique. A command carries no --out: the
 * worker adds it (app/sweep/commands.ts).
 *
 *   const sweep = readSweepFile('sweeps/guidance.json');   // or a UserError naming the problem
 */
import fs from 'node:fs';
import { z } from 'zod';
import { UserError, describeError } from '../../base/errors.js';
import { commandProblem } from './commands.js';

/** A job name: a folder name the comparison server accepts as (part of) a run id. */
export const JOB_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
/** More jobs than this in one file is almost certainly a generator gone wrong. */
export const MAX_JOBS = 10_000;

const jobSchema = z
  .object({
    name: z.string().regex(JOB_NAME, 'must be 1–128 characters of [A-Za-z0-9._-], not starting with "."'),
    command: z.array(z.string()).min(1, 'must be a non-empty array of strings'),
  })
  .strict();

const sweepSchema = z
  .object({
    jobs: z.array(jobSchema).min(1, 'must list at least one job').max(MAX_JOBS),
  })
  .strict();

export type SweepJob = z.infer<typeof jobSchema>;
export interface SweepFile {
  jobs: SweepJob[];
}

/** Validate a parsed sweep file; `source` names it in errors. */
export function parseSweep(raw: unknown, source: string): SweepFile {
  const parsed = sweepSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : 'the file';
    throw new UserError(`sweep file ${source}: ${where}: ${issue.message}`);
  }
  const seen = new Set<string>();
  for (const [i, job] of parsed.data.jobs.entries()) {
    if (seen.has(job.name)) throw new UserError(`sweep file ${source}: jobs[${i}]: name "${job.name}" is used twice`);
    seen.add(job.name);
    const problem = commandProblem(job.command);
    if (problem) throw new UserError(`sweep file ${source}: jobs[${i}] (${job.name}): ${problem}`);
  }
  return parsed.data;
}

/** Read and validate a sweep file. */
export function readSweepFile(file: string): SweepFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read sweep file ${file} (${(err as NodeJS.ErrnoException).code ?? describeError(err)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserError(`sweep file ${file} is not valid JSON: ${describeError(err)}`);
  }
  return parseSweep(raw, file);
}
