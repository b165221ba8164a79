/** `spacetime sweep`: thin — flags → submitSweep() / sweepStatus() (app/sweep/queue.ts). */
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import { formatLeaderboard, readLeaderboard } from '../sweep/leaderboard.js';
import { readSweepRecord } from '../sweep/layout.js';
import { openQueue, readStatus, submitSweep, summarize, sweepStatus, type JobStatus } from '../sweep/queue.js';
import { parseArgs, required } from '../../base/args.js';
import { Progress } from './progress.js';

const HELP = `spacetime sweep FILE.json --redis redis://HOST:6379 --out DIR [--wait]
spacetime sweep status DIR [--redis URL]

FILE lists independent jobs, each one of spacetime's own commands without --out:
  {"jobs": [{"name": "g1", "command": ["eval", "--suite", "smoke", "--guidance", "1"]}, …]}
Commands: train, eval, generate, data make|export|import|sample. Workers (spacetime worker
--redis URL, on any machine that sees DIR at the same path) run them; each job writes DIR/NAME
(generate: DIR/NAME/video.mp4). Relative paths in a command are relative to the repository root.
Submitting the same sweep again skips finished jobs and re-queues failed ones.

  --wait    show progress until every job has finished or failed; exit 0 when all finished,
            1 naming the failed ones
  status    each job's state (done, running with its worker's heartbeat, waiting, failed with
            the reason) and the leaderboard of the finished eval jobs; logs: DIR/.sweep/logs/`;

/** How often --wait looks at the queue. */
const WAIT_POLL_MS = 1000;

export async function runSweep(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, { redis: 'string', out: 'string', wait: 'boolean', help: 'boolean' }, { max: 2, usage: 'FILE.json, or status DIR' });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  if (positional[0] === 'status') {
    if (positional.length !== 2) throw new UserError('usage: spacetime sweep status DIR [--redis URL]');
    if (flags.out || flags.wait) throw new UserError('sweep status takes DIR and --redis only');
    return status(positional[1], flags.redis);
  }
  if (positional.length !== 1) throw new UserError(`expected one sweep file, got ${positional.length} arguments (spacetime sweep --help)`);
  const redis = required(flags.redis, 'redis');
  const out = required(flags.out, 'out');
  const r = await submitSweep({ file: positional[0], redis, out });
  const parts = [`${r.queued.length} queued`, `${r.skipped.length} already finished`, ...(r.pending.length ? [`${r.pending.length} already queued or running`] : [])];
  console.log(`sweep ${r.dir}: ${parts.join(', ')}`);
  if (!flags.wait) return 0;
  return waitFor(r.dir, redis);
}

async function status(dir: string, redis: string | undefined): Promise<number> {
  const { jobs, redisError } = await sweepStatus(dir, { redis });
  if (redisError) console.error(`warning: ${redisError}; states of unfinished jobs are unknown`);
  console.log(`sweep ${path.resolve(dir)}: ${jobs.length} jobs — ${summarize(jobs)}`);
  console.log(formatJobs(jobs));
  const board = readLeaderboard(path.resolve(dir), readSweepRecord(path.resolve(dir)));
  if (board.length > 0) console.log(`\nleaderboard (finished eval jobs, best joint accuracy first):\n${formatLeaderboard(board)}`);
  return 0;
}

function formatJobs(jobs: JobStatus[]): string {
  const rows = [['job', 'state', 'command', 'detail'], ...jobs.map((j) => [j.name, j.state, j.command.join(' '), j.detail])];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell)).join('  ').trimEnd()).join('\n');
}

/** Poll until every job is done or failed; 0 when all are done, 1 naming the failed ones. */
async function waitFor(dir: string, redis: string): Promise<number> {
  const record = readSweepRecord(dir);
  const { queue, close } = await openQueue(redis);
  const progress = new Progress(record.jobs.length, 'sweep', 'jobs');
  try {
    for (;;) {
      const jobs = await readStatus(dir, record, queue);
      const done = jobs.filter((j) => j.state === 'done');
      const failed = jobs.filter((j) => j.state === 'failed');
      progress.update(done.length + failed.length);
      if (done.length + failed.length === jobs.length) {
        if (failed.length === 0) {
          console.log(`sweep ${dir}: all ${jobs.length} jobs finished`);
          return 0;
        }
        for (const j of failed) console.error(`failed: ${j.name}: ${j.detail}`);
        console.error(`sweep ${dir}: ${failed.length} of ${jobs.length} jobs failed: ${failed.map((j) => j.name).join(', ')} (logs in ${path.join(dir, '.sweep', 'logs')})`);
        return 1;
      }
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
    }
  } finally {
    await close();
  }
}
