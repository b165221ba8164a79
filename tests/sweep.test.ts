// Sweeps end to end on a real Redis (redis-server, which scripts/setup.sh installs), started here
// on a free port with a throwaway folder: workers as child processes (`spacetime worker`), one
// killed with SIGKILL in the middle of a job; the sweep CLI; the comparison server's run index.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunIndex } from '../app/server/runs.js';
import { readJson, sweepPaths, type DoneRecord, type FailedRecord } from '../app/sweep/layout.js';
import { sweepStatus } from '../app/sweep/queue.js';
import { QUEUE_NAME } from '../app/sweep/redis.js';
import type { Heartbeat } from '../app/sweep/worker.js';
import { spacetimeIn } from './spacetime-cli.js';

const BIN = path.resolve(__dirname, '..', 'bin', 'spacetime.js');
const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => fs.existsSync(p)) ?? whichRedis();
/** Short locks, so a killed worker's job is retried within seconds (default 30 s). */
const FAST_LOCKS = ['--lock-ms', '2000', '--stalled-ms', '500'];

function whichRedis(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

if (!REDIS_SERVER) console.warn('tests/sweep.test.ts skipped: redis-server is not installed (scripts/setup.sh installs it from Debian)');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 60_000): Promise<NonNullable<T>> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface WorkerProc {
  child: ChildProcess;
  log: () => string;
}

describe.skipIf(!REDIS_SERVER)('sweeps on Redis', () => {
  let tmp: string;
  let redisProc: ChildProcess;
  let url: string;
  const workers: WorkerProc[] = [];
  let spacetime: ReturnType<typeof spacetimeIn>;

  function startWorker(...extra: string[]): WorkerProc {
    const child = spawn(process.execPath, [BIN, 'worker', '--redis', url, ...FAST_LOCKS, ...extra], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const w = { child, log: () => out };
    workers.push(w);
    return w;
  }

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-test-'));
    spacetime = spacetimeIn(tmp);
    const port = await freePort();
    const dataDir = path.join(tmp, 'redis');
    fs.mkdirSync(dataDir);
    redisProc = spawn(REDIS_SERVER!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dataDir], { stdio: 'ignore' });
    url = `redis://127.0.0.1:${port}`;
    await until('redis-server to answer', async () => {
      const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on('error', () => {});
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    }, 10_000);
  });

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    redisProc?.kill('SIGKILL');
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('runs every job exactly once when a worker is killed -9 in the middle of one', async () => {
    const sweepFile = path.join(tmp, 'kill.json');
    const jobs = [
      // ~10 s of work in shards of 100 samples: slow enough to kill while it is half written
      { name: 'slow', command: ['data', 'make', '--families', 'bounce,collision', '--n', '1200', '--shard-size', '100', '--seed', '7', '--quiet'] },
      ...[1, 2, 3].map((s) => ({ name: `quick-${s}`, command: ['data', 'make', '--families', 'bounce', '--n', '3', '--seed', String(s), '--quiet'] })),
    ];
    fs.writeFileSync(sweepFile, JSON.stringify({ jobs }));
    const out = path.join(tmp, 'kill');
    const submit = spacetime('sweep', sweepFile, '--redis', url, '--out', out);
    expect(submit.stderr).toBe('');
    expect(submit.stdout).toContain('4 queued, 0 already finished');

    const doomed = startWorker(); // alone, it takes the first job: slow
    await until('the doomed worker to start slow', () => doomed.log().includes('start slow'));
    const queue = new Queue(QUEUE_NAME, { connection: new Redis(url, { maxRetriesPerRequest: null }) });
    try {
      const [slow] = (await queue.getJobs(['active'])).filter((j) => j.name === 'slow');
      const beat = await until('a heartbeat', async () => {
        const p = (await queue.getJob(slow.id!))?.progress as Partial<Heartbeat> | undefined;
        return typeof p === 'object' && p.pid ? p : null;
      });
      const running = (await sweepStatus(out)).jobs.find((j) => j.name === 'slow')!;
      expect(running.state).toBe('running');
      expect(running.detail).toMatch(new RegExp(`^on [^ ]+:${doomed.child.pid}, heartbeat \\d+s ago$`));
      await until('half of slow written', () => fs.existsSync(path.join(out, 'slow', 'manifest.json')) && fs.readdirSync(path.join(out, 'slow')).length > 3);
      doomed.child.kill('SIGKILL');
      // Its command dies with it (pdeathsig), so nothing keeps writing into slow/.
      await until('the orphaned command to die', () => !alive(beat.pid!), 5000);
      // Half-written output is not a finished job.
      const manifest = JSON.parse(fs.readFileSync(path.join(out, 'slow', 'manifest.json'), 'utf8')) as { complete: boolean };
      expect(manifest.complete).toBe(false);
      expect(fs.existsSync(sweepPaths(out).done('slow'))).toBe(false);
      expect((await sweepStatus(out)).jobs.find((j) => j.name === 'slow')?.state).not.toBe('done');
    } finally {
      await queue.close();
    }

    const survivor = startWorker('--concurrency', '2');
    const wait = spacetime('sweep', sweepFile, '--redis', url, '--out', out, '--wait');
    expect(wait.code).toBe(0);
    expect(wait.stdout).toMatch(/: 0 queued, [0-4] already finished/); // the rest already queued or running
    expect(wait.stdout).toContain('all 4 jobs finished');

    // spawnSync held this process's event loop: let the workers' output arrive.
    await until('the workers to log every job', () => jobs.every((j) => survivor.log().includes(`done ${j.name} `)), 5000);
    const logs = doomed.log() + survivor.log();
    for (const j of jobs) {
      expect(logs.match(new RegExp(`^done ${j.name} `, 'gm'))?.length, `${j.name} finished once`).toBe(1);
      const done = readJson<DoneRecord>(sweepPaths(out).done(j.name))!;
      expect(done.worker).toContain(String(survivor.child.pid));
    }
    expect(doomed.log()).not.toMatch(/^done /m);
    expect(readJson<DoneRecord>(sweepPaths(out).done('slow'))!.attempt).toBe(2);
    // The retry resumed the dataset: whole and complete now, with the killed attempt's shards kept.
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'slow', 'manifest.json'), 'utf8')) as { complete: boolean; numSamples: number };
    expect(manifest).toMatchObject({ complete: true, numSamples: 1200 });
    expect(fs.readFileSync(sweepPaths(out).stdout('slow'), 'utf8')).toMatch(/wrote \d+ samples \([1-9]\d* already done\)/);

    // Submitting the same sweep again skips every finished job and enqueues nothing.
    const again = spacetime('sweep', sweepFile, '--redis', url, '--out', out);
    expect(again.stdout).toContain('0 queued, 4 already finished');
    const status = spacetime('sweep', 'status', out);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/4 jobs — 4 done/);
    expect(status.stdout).toMatch(/^slow\s+done\s+data make .*\(attempt 2\)$/m);
  });

  it('fails a job whose command fails once, keeping its stderr; a resubmit runs it again', async () => {
    if (!workers.some((w) => w.child.exitCode === null)) startWorker();
    const sweepFile = path.join(tmp, 'fail.json');
    const jobs = [
      { name: 'good', command: ['data', 'make', '--families', 'bounce', '--n', '2', '--quiet'] },
      { name: 'bad', command: ['data', 'make', '--families', 'bounce', '--n', '2', '--split', 'sideways'] },
    ];
    fs.writeFileSync(sweepFile, JSON.stringify({ jobs }));
    const out = path.join(tmp, 'fail');
    const r = spacetime('sweep', sweepFile, '--redis', url, '--out', out, '--wait');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('failed: bad: exit 2: spacetime: unknown split "sideways"');
    expect(r.stderr).toMatch(/1 of 2 jobs failed: bad \(logs in/);
    const failed = readJson<FailedRecord>(sweepPaths(out).failed('bad'))!;
    expect(failed).toMatchObject({ exitCode: 2 });
    expect(failed.stderrTail).toContain('unknown split "sideways"');
    expect(fs.readFileSync(sweepPaths(out).stderr('bad'), 'utf8')).toContain('unknown split "sideways"');
    const queue = new Queue(QUEUE_NAME, { connection: new Redis(url, { maxRetriesPerRequest: null }) });
    try {
      const job = (await queue.getJobs(['failed'])).find((j) => j.name === 'bad')!;
      expect(job.failedReason).toContain('unknown split "sideways"');
      expect(job.attemptsMade).toBe(1); // not retried: a real failure fails once
    } finally {
      await queue.close();
    }
    await until('the worker to log the failure', () => workers.some((w) => w.log().includes('failed bad: exit 2')), 5000);
    const logs = workers.map((w) => w.log()).join('');
    expect(logs.match(/^start bad /gm)?.length).toBe(1);

    // Fixed or not, submitting again re-queues the failed job (and skips the finished one).
    const again = spacetime('sweep', sweepFile, '--redis', url, '--out', out);
    expect(again.stdout).toContain('1 queued, 1 already finished');
  });

  it('runs each kind of command, and the server lists the eval jobs as runs', async () => {
    if (!workers.some((w) => w.child.exitCode === null)) startWorker();
    const videos = path.join(tmp, 'videos');
    expect(spacetime('data', 'export', '--families', 'bounce', '--n', '2', '--out', videos, '--quiet').code).toBe(0);
    const dataset = path.join(tmp, 'dataset');
    expect(spacetime('data', 'make', '--families', 'bounce', '--n', '4', '--out', dataset, '--quiet').code).toBe(0);
    const sweepFile = path.join(tmp, 'evals.json');
    const jobs = [
      { name: 'truth-a', command: ['eval', '--videos', videos, '--skip-physics-iq', '--quiet'] },
      { name: 'data-b', command: ['data', 'make', '--families', 'bounce', '--n', '2', '--quiet'] },
      { name: 'video-c', command: ['generate', 'a red ball bounces on the floor', '--steps', '2'] },
      { name: 'train-d', command: ['train', '--preset', 'tiny', '--data', dataset, '--steps', '1', '--batch-size', '2', '--quiet'] },
    ];
    fs.writeFileSync(sweepFile, JSON.stringify({ jobs }));
    const out = path.join(tmp, 'evals');
    const r = spacetime('sweep', sweepFile, '--redis', url, '--out', out, '--wait');
    expect(r.stderr).not.toContain('failed');
    expect(r.code).toBe(0);
    expect(fs.statSync(path.join(out, 'video-c', 'video.mp4')).size).toBeGreaterThan(1000);
    expect(fs.existsSync(path.join(out, 'train-d', 'checkpoints', 'latest'))).toBe(true);
    // Only the eval job's folder is a run; the others, and .sweep, are not.
    const runs = new RunIndex(out, { rescanMs: 0 });
    expect(runs.list().map((run) => run.id)).toEqual(['truth-a']);
    expect(runs.summary(runs.list()[0]).headline.joint_accuracy).toBe(1); // the ground truth scores itself perfectly
    const status = spacetime('sweep', 'status', out);
    expect(status.stdout).toMatch(/leaderboard[^\n]*\n\| job \| suite \| guidance \| frames given \| videos \| joint accuracy/);
    expect(status.stdout).toMatch(/^\| truth-a \| - \| - \| - \| 2 \| 100\.0% \|/m);
  });

  it('refuses a malformed sweep file in one line and enqueues nothing', async () => {
    const sweepFile = path.join(tmp, 'malformed.json');
    fs.writeFileSync(sweepFile, JSON.stringify({ jobs: [{ name: 'ok', command: ['eval'] }, { name: 'x', command: ['eval', '--out', 'elsewhere'] }] }));
    const out = path.join(tmp, 'malformed');
    const queue = new Queue(QUEUE_NAME, { connection: new Redis(url, { maxRetriesPerRequest: null }) });
    try {
      const before = await queue.count();
      const r = spacetime('sweep', sweepFile, '--redis', url, '--out', out);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`spacetime: sweep file ${sweepFile}: jobs[1] (x): command must not pass --out (the worker adds --out DIR/NAME itself)`);
      expect(await queue.count()).toBe(before);
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      await queue.close();
    }
  });
});

describe('an unreachable Redis', () => {
  it('is a one-line error, quickly, with nothing written', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-noredis-'));
    try {
      const port = await freePort(); // nothing listens there
      const sweepFile = path.join(tmp, 's.json');
      fs.writeFileSync(sweepFile, JSON.stringify({ jobs: [{ name: 'a', command: ['data', 'make', '--n', '1'] }] }));
      const spacetime = spacetimeIn(tmp);
      for (const args of [
        ['sweep', sweepFile, '--redis', `redis://127.0.0.1:${port}`, '--out', path.join(tmp, 'out')],
        ['worker', '--redis', `redis://127.0.0.1:${port}`],
      ]) {
        const t0 = Date.now();
        const r = spacetime(...args);
        expect(Date.now() - t0).toBeLessThan(10_000); // node start-up included (~2 s here); the connect gives up at the refusal
        expect(r.code).toBe(2);
        expect(r.stderr).toBe(`spacetime: cannot reach Redis at redis://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
      }
      expect(fs.existsSync(path.join(tmp, 'out'))).toBe(false);
      expect(spacetime('sweep', sweepFile, '--redis', 'http://x', '--out', 'o').stderr).toBe('spacetime: --redis must be a redis:// or rediss:// URL, got "http://x"');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
