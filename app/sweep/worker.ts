/**
 * A sweep worker: takes jobs from the BullMQ queue and runs each as the same spacetime command
 * in a child process (`node bin/spacetime.js ARGV`, in the repository root, so relative paths
 * in a sweep file mean the same on every machine).
 *
 * - Heartbeat: BullMQ renews the job's lock every lockMs/2; a worker that stops renewing it
 *   (killed, machine gone) has its jobs moved back to the queue by any other worker's stalled
 *   check, so another worker runs them. Each running job also reports {worker, beat} as its
 *   progress every HEARTBEAT_MS, which `spacetime sweep status` shows.
 * - A child dies with its worker (setpriv --pdeathsig KILL), so a killed worker leaves no
 *   command writing into the folder its retry will use.
 * - Finished means a done record (layout.ts), written only after the command exited 0; output
 *   left by a killed attempt is resumed (train, data make) or removed first (commands.ts).
 * - A command that exits non-zero fails once, for good (UnrecoverableError): its stderr is in
 *   the job's failedReason and in DIR/.sweep/logs/NAME.stderr.log.
 *
 *   const worker = await startWorker({ redis: 'redis://127.0.0.1:6379', concurrency: 2 });
 *   …
 *   await worker.close();
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { findPackageRoot } from '../../kernels/native/index.js';
import { UserError } from '../../base/errors.js';
import { ensureWritableDir } from '../../base/io/atomic.js';
import { jobOutputDir, leftoverPolicy, resumeCommand } from './commands.js';
import { isDone, sweepPaths, writeJson, type DoneRecord, type FailedRecord } from './layout.js';
import { QUEUE_NAME, connectRedis } from './redis.js';

/** What the submitter puts in each BullMQ job. */
export interface SweepJobData {
  /** The sweep folder, absolute: the same path on every worker (a shared mount). */
  dir: string;
  name: string;
  /** spacetime's argv from the sweep file, without --out. */
  command: string[];
  /** The argv the worker runs: the command plus its output flag. */
  argv: string[];
}

/** The per-job heartbeat a running job reports as its BullMQ progress. */
export interface Heartbeat {
  worker: string;
  pid: number | null;
  beat: number;
}

export const WORKER_DEFAULTS = {
  concurrency: 1,
  /** BullMQ's lock on a running job; a dead worker's jobs are retried this long after it died. */
  lockMs: 30_000,
  /** How often each worker looks for jobs whose lock expired. */
  stalledMs: 15_000,
  /** Worker deaths a job survives before it is failed as stalled. */
  maxStalls: 3,
};
/** How often a running job reports its heartbeat. */
export const HEARTBEAT_MS = 2000;
/** How much of stderr a failed job keeps in its failedReason. */
const STDERR_TAIL_CHARS = 2000;
/** Where the Linux tool that ties a child's life to its parent's lives (util-linux). */
const SETPRIV = '/usr/bin/setpriv';

export interface WorkerOptions {
  redis: string;
  concurrency?: number;
  lockMs?: number;
  stalledMs?: number;
  maxStalls?: number;
  /** One line per event (start, done, failed); default console.log. */
  log?: (line: string) => void;
}

export interface SweepWorker {
  id: string;
  worker: Worker<SweepJobData>;
  close(): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<SweepWorker> {
  const concurrency = checkPositiveInt(options.concurrency ?? WORKER_DEFAULTS.concurrency, '--concurrency');
  const lockMs = checkPositiveInt(options.lockMs ?? WORKER_DEFAULTS.lockMs, '--lock-ms');
  const stalledMs = checkPositiveInt(options.stalledMs ?? Math.max(500, Math.floor(lockMs / 2)), '--stalled-ms');
  const maxStalls = checkPositiveInt(options.maxStalls ?? WORKER_DEFAULTS.maxStalls, '--max-stalls');
  const log = options.log ?? ((line: string) => console.log(line));
  const root = findPackageRoot();
  if (!root) throw new UserError('cannot find the spacetime-lab repository to run commands from');
  const id = `${os.hostname()}:${process.pid}`;
  const connection = await connectRedis(options.redis, { role: 'worker' });
  const worker = new Worker<SweepJobData>(QUEUE_NAME, (job) => runJob(job, { id, root, log }), {
    connection,
    concurrency,
    lockDuration: lockMs,
    stalledInterval: stalledMs,
    maxStalledCount: maxStalls,
  });
  worker.on('error', (err) => log(`worker ${id}: ${err.message.split('\n')[0]}`));
  worker.on('stalled', (jobId) => log(`job ${jobId} stalled (its worker stopped); back in the queue`));
  await worker.waitUntilReady();
  return {
    id,
    worker,
    close: async () => {
      await worker.close();
      connection.disconnect();
    },
  };
}

function checkPositiveInt(value: number, flag: string): number {
  if (!Number.isInteger(value) || value < 1) throw new UserError(`${flag} must be a positive integer, got ${value}`);
  return value;
}

interface RunContext {
  id: string;
  root: string;
  log: (line: string) => void;
}

async function runJob(job: Job<SweepJobData>, ctx: RunContext): Promise<{ seconds: number; skipped?: boolean }> {
  const { dir, name } = job.data;
  const paths = sweepPaths(dir);
  const attempt = job.attemptsStarted;
  // An earlier attempt finished the command but died before BullMQ heard: don't run it twice.
  if (isDone(dir, name)) {
    ctx.log(`done ${name} (already finished by an earlier attempt)`);
    return { seconds: 0, skipped: true };
  }
  const argv = await prepareOutput(job.data);
  ensureWritableDir(path.dirname(paths.stdout(name)));
  ensureWritableDir(path.dirname(paths.done(name)));
  ctx.log(`start ${name} (attempt ${attempt}): spacetime ${argv.join(' ')}`);
  const started = new Date();
  const result = await runCommand(argv, ctx.root, paths.stdout(name), paths.stderr(name), (pid) => {
    const beat = (): void => {
      const hb: Heartbeat = { worker: ctx.id, pid, beat: Date.now() };
      job.updateProgress(hb as unknown as object).catch(() => {}); // a missed beat is not an error
    };
    beat();
    return setInterval(beat, HEARTBEAT_MS);
  });
  const finished = new Date();
  const seconds = (finished.getTime() - started.getTime()) / 1000;
  if (result.exitCode === 0) {
    const done: DoneRecord = { name, argv, worker: ctx.id, started: started.toISOString(), finished: finished.toISOString(), seconds, attempt };
    writeJson(paths.done(name), done);
    fs.rmSync(paths.failed(name), { force: true });
    ctx.log(`done ${name} in ${seconds.toFixed(1)}s`);
    return { seconds };
  }
  const failed: FailedRecord = {
    name,
    argv,
    worker: ctx.id,
    finished: finished.toISOString(),
    exitCode: result.exitCode,
    signal: result.signal,
    stderrTail: result.stderrTail,
  };
  writeJson(paths.failed(name), failed);
  const how = result.signal ? `killed by ${result.signal}` : `exit ${result.exitCode}`;
  ctx.log(`failed ${name}: ${how}`);
  throw new UnrecoverableError(`${how}: ${result.stderrTail.trim() || '(no stderr)'}`);
}

/** Deal with output a killed attempt left, and return the argv to run now. */
export async function prepareOutput(data: SweepJobData): Promise<string[]> {
  const out = jobOutputDir(data.dir, data.name);
  // eval builds its folder under a hidden temporary name beside it: a dead attempt's is litter.
  for (const entry of safeReaddir(data.dir)) if (entry.startsWith(`.${data.name}.tmp-`)) fs.rmSync(path.join(data.dir, entry), { recursive: true, force: true });
  if (!fs.existsSync(out)) {
    if (data.command[0] === 'generate') fs.mkdirSync(out, { recursive: true }); // it writes a file inside
    return data.argv;
  }
  const policy = leftoverPolicy(data.command, data.command[0] === 'train' && (await hasCheckpoint(out)));
  if (policy === 'resume') return [...resumeCommand(data.command), '--out', out];
  if (policy === 'remove') {
    fs.rmSync(out, { recursive: true, force: true });
    if (data.command[0] === 'generate') fs.mkdirSync(out, { recursive: true });
  }
  return data.argv;
}

async function hasCheckpoint(runDir: string): Promise<boolean> {
  const { latestCheckpoint } = await import('../../src/model/checkpoint.js'); // loads tfjs: only when needed
  try {
    return latestCheckpoint(runDir) !== null;
  } catch {
    return false; // a damaged latest checkpoint: start over rather than fail on it
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  stderrTail: string;
}

/** Run `spacetime ARGV` in a child that dies with this process; stdout and stderr go to files. */
function runCommand(argv: string[], root: string, stdoutFile: string, stderrFile: string, onStart: (pid: number | null) => NodeJS.Timeout): Promise<CommandResult> {
  const node = [process.execPath, path.join(root, 'bin', 'spacetime.js'), ...argv];
  const [file, ...args] = fs.existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...node] : node;
  return new Promise((resolve) => {
    const stdout = fs.createWriteStream(stdoutFile);
    const stderr = fs.createWriteStream(stderrFile);
    let tail = '';
    let settled = false;
    const child = spawn(file, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = onStart(child.pid ?? null);
    child.stdout.pipe(stdout);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    const finish = (result: CommandResult) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      stdout.end();
      stderr.end(() => resolve(result));
    };
    child.on('error', (err) => finish({ exitCode: null, signal: null, stderrTail: `could not start ${file}: ${err.message}` }));
    child.on('close', (code, signal) => finish({ exitCode: code, signal, stderrTail: tail }));
  });
}
