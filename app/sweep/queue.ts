/**
 * Submitting a sweep and reading where its jobs stand.
 *
 *   const r = await submitSweep({ file: 'guidance.json', redis: 'redis://127.0.0.1:6379', out: 'sweeps/g' });
 *   r.queued   // ['g1', 'g2', …]   r.skipped // jobs already finished (done records)
 *   const jobs = await sweepStatus('sweeps/g');   // [{ name: 'g1', state: 'done', … }, …]
 *
 * A job's id comes from the sweep folder and its name (redis.ts jobId), so submitting the same
 * sweep again skips finished jobs, leaves queued or running ones alone, and re-queues the ones
 * that failed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { ensureWritableDir } from '../../base/io/atomic.js';
import { jobArgv } from './commands.js';
import { SWEEP_FORMAT, readJson, readSweepRecord, sweepPaths, writeJson, type DoneRecord, type FailedRecord, type SweepRecord } from './layout.js';
import { QUEUE_NAME, connectRedis, jobId, redactRedisUrl } from './redis.js';
import { readSweepFile } from './sweep-file.js';
import type { Heartbeat, SweepJobData } from './worker.js';

/** BullMQ states in which a job is still to run or running. */
const PENDING_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

export interface SubmitResult {
  dir: string;
  queued: string[];
  /** Finished earlier (a done record exists). */
  skipped: string[];
  /** Already waiting or running from an earlier submit. */
  pending: string[];
}

export async function submitSweep(options: { file: string; redis: string; out: string }): Promise<SubmitResult> {
  const sweep = readSweepFile(options.file);
  const dir = path.resolve(options.out);
  const record: SweepRecord = {
    format: SWEEP_FORMAT,
    redis: redactRedisUrl(options.redis),
    submitted: new Date().toISOString(),
    jobs: sweep.jobs.map((j) => ({ name: j.name, command: j.command, argv: jobArgv(j.command, dir, j.name), jobId: jobId(dir, j.name) })),
  };
  const { queue, close } = await openQueue(options.redis); // before anything is written
  const result: SubmitResult = { dir, queued: [], skipped: [], pending: [] };
  try {
    ensureWritableDir(dir);
    writeJson(sweepPaths(dir).record, record);
    for (const job of record.jobs) {
      if (fs.existsSync(sweepPaths(dir).done(job.name))) {
        result.skipped.push(job.name);
        continue;
      }
      const existing = await queue.getJob(job.jobId);
      if (existing) {
        if (PENDING_STATES.has(await existing.getState())) {
          result.pending.push(job.name);
          continue;
        }
        await existing.remove(); // failed, or completed without a done record: run it again
      }
      const data: SweepJobData = { dir, name: job.name, command: job.command, argv: job.argv };
      // attempts 1: a command that fails fails for good; a worker's death is not an attempt
      // but a stall, and the worker's maxStalledCount decides how many of those a job survives.
      await queue.add(job.name, data, { jobId: job.jobId, attempts: 1, removeOnComplete: false, removeOnFail: false });
      result.queued.push(job.name);
    }
  } finally {
    await close();
  }
  return result;
}

export type JobState = 'done' | 'failed' | 'running' | 'waiting' | 'unknown';

export interface JobStatus {
  name: string;
  state: JobState;
  command: string[];
  /** One line: where it ran and how long, why it failed, or the running worker's heartbeat. */
  detail: string;
}

/**
 * Every job of the sweep in DIR and its state: done and failed come from the folder's records,
 * the rest from Redis (the URL stored at submit, or `redis`); without Redis they are 'unknown'.
 */
export async function sweepStatus(dirArg: string, options: { redis?: string } = {}): Promise<{ jobs: JobStatus[]; redisError: string | null }> {
  const dir = path.resolve(dirArg);
  const record = readSweepRecord(dir);
  let open: OpenQueue | null = null;
  let redisError: string | null = null;
  try {
    open = await openQueue(options.redis ?? record.redis);
  } catch (err) {
    redisError = err instanceof Error ? err.message : String(err);
  }
  try {
    return { jobs: await readStatus(dir, record, open?.queue ?? null), redisError };
  } finally {
    await open?.close();
  }
}

export interface OpenQueue {
  queue: Queue<SweepJobData>;
  close(): Promise<void>;
}

/** The sweep queue on this Redis (a UserError when it cannot be reached). */
export async function openQueue(redisUrl: string): Promise<OpenQueue> {
  const redis = await connectRedis(redisUrl, { role: 'client' });
  const queue = new Queue<SweepJobData>(QUEUE_NAME, { connection: redis });
  return { queue, close: () => closeQuietly(queue, redis) };
}

/** The state of each job in the sweep record (queue null: from the folder alone). */
export async function readStatus(dir: string, record: SweepRecord, queue: Queue<SweepJobData> | null): Promise<JobStatus[]> {
  const paths = sweepPaths(dir);
  const jobs: JobStatus[] = [];
  for (const j of record.jobs) {
    const done = readJson<DoneRecord>(paths.done(j.name));
    if (done) {
      jobs.push({ name: j.name, state: 'done', command: j.command, detail: `${done.seconds.toFixed(1)}s on ${done.worker}${done.attempt > 1 ? ` (attempt ${done.attempt})` : ''}` });
      continue;
    }
    const job = queue ? await queue.getJob(j.jobId) : undefined;
    jobs.push(job ? await queueStatus(j, job) : diskStatus(j, readJson<FailedRecord>(paths.failed(j.name))));
  }
  return jobs;
}

async function queueStatus(j: SweepRecord['jobs'][number], job: Job<SweepJobData>): Promise<JobStatus> {
  const state = await job.getState();
  const base = { name: j.name, command: j.command };
  if (state === 'failed') return { ...base, state: 'failed', detail: firstLine(job.failedReason ?? 'failed') };
  if (state === 'active') {
    const hb = job.progress as Partial<Heartbeat> | number;
    const detail = typeof hb === 'object' && hb.worker && hb.beat ? `on ${hb.worker}, heartbeat ${((Date.now() - hb.beat) / 1000).toFixed(0)}s ago` : 'starting';
    return { ...base, state: 'running', detail };
  }
  if (PENDING_STATES.has(state)) return { ...base, state: 'waiting', detail: job.attemptsStarted > 0 ? `back in the queue after ${job.attemptsStarted} start(s)` : '' };
  // completed in Redis but no done record: its output was removed since, or the record lost.
  return { ...base, state: 'unknown', detail: `queue says ${state}, but there is no done record` };
}

function diskStatus(j: SweepRecord['jobs'][number], failed: FailedRecord | null): JobStatus {
  if (failed) return { name: j.name, state: 'failed', command: j.command, detail: `exit ${failed.exitCode ?? failed.signal}: ${lastLine(failed.stderrTail)}` };
  return { name: j.name, state: 'unknown', command: j.command, detail: 'not in the queue' };
}

const firstLine = (s: string) => s.split('\n')[0].slice(0, 200);
const lastLine = (s: string) => s.trim().split('\n').pop()?.slice(0, 200) ?? '';

async function closeQuietly(queue: Queue, redis: Redis): Promise<void> {
  await queue.close().catch(() => {});
  redis.disconnect();
}

/** Counts by state, e.g. "3 done, 1 running, 1 waiting". */
export function summarize(jobs: JobStatus[]): string {
  const counts = new Map<JobState, number>();
  for (const j of jobs) counts.set(j.state, (counts.get(j.state) ?? 0) + 1);
  return (['done', 'running', 'waiting', 'failed', 'unknown'] as JobState[])
    .filter((s) => counts.get(s))
    .map((s) => `${counts.get(s)} ${s}`)
    .join(', ');
}
