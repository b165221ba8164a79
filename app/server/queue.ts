/**
 * Generate on demand: a prompt through one or two checkpoints, one job at a time, in the
 * order submitted. The generator is injected (tests pass a fake one; the server's default
 * runs each video in a child process, `processGenerator`, so sampling never blocks the
 * event loop). Jobs live in memory; their videos are written under `outDir/JOB/K.mp4`, beside
 * the job's upload when it has one (`outDir/JOB/given.EXT`, uploads.ts).
 *
 *   const queue = new GenerationQueue(processGenerator(), '/tmp/gen', [{ id: 'default', label: 'models/default', path: 'models/default' }]);
 *   const job = queue.submit({ prompt: 'a red ball bounces on the floor', checkpoints: ['default'], seed: 1, steps: 25, guidance: 3 });
 *   queue.get(job.id).progress   // { done: 10, total: 25 }
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HttpError } from './http-error.js';
import type { GivenUpload } from './uploads.js';

export interface Checkpoint {
  /** What the API and the page call it (`default`, `ckpt-2`). */
  id: string;
  /** Shown to people: the folder as given. */
  label: string;
  path: string;
}

export interface GenerateTask {
  checkpoint: Checkpoint;
  prompt: string;
  seed: number;
  steps: number;
  guidance: number;
  /** Frames given with the job: its upload, at its full path. */
  given?: GivenUpload;
  /** Where to write the MP4. */
  out: string;
}

/** Makes one video; reports sampler steps through `onStep`; stops early when `signal` aborts. */
export type Generator = (task: GenerateTask, onStep: (step: number, steps: number) => void, signal: AbortSignal) => Promise<void>;

export interface JobRequest {
  prompt: string;
  checkpoints: string[];
  seed: number;
  steps: number;
  guidance: number;
  /** Frames given with the job: an upload already written into the job's folder (`jobFolder`). */
  given?: GivenUpload;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface Job extends JobRequest {
  id: string;
  status: JobStatus;
  /** Jobs ahead of this one (0 when running or finished). */
  position: number;
  /** Sampler steps done over all of the job's checkpoints. */
  progress: { done: number; total: number };
  /** One per checkpoint: the video's URL path once written. */
  videos: (string | null)[];
  error: string | null;
  created: string;
  finished: string | null;
}

export const JOB_ID = /^[0-9a-f]{16}$/;

export class GenerationQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: string[] = [];
  private running: string | null = null;
  private readonly abort = new AbortController();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly generator: Generator,
    readonly outDir: string,
    readonly checkpoints: Checkpoint[],
    private readonly options: { maxWaiting?: number; keepJobs?: number } = {},
  ) {}

  /**
   * Queue a job. `id` is one from `newJobId` whose folder already holds the job's upload;
   * without it the job gets a fresh id.
   */
  submit(request: JobRequest, id = this.newJobId()): Job {
    this.checkAccepts(request);
    if (!JOB_ID.test(id) || this.jobs.has(id)) throw new Error(`job id ${id} is malformed or taken`);
    const job: Job = {
      ...request,
      id,
      status: 'queued',
      position: 0,
      progress: { done: 0, total: request.steps * request.checkpoints.length },
      videos: request.checkpoints.map(() => null),
      error: null,
      created: new Date().toISOString(),
      finished: null,
    };
    this.jobs.set(job.id, job);
    this.waiting.push(job.id);
    this.forget();
    this.pump();
    return this.view(job);
  }

  /** Refuse (HttpError) a job naming an unknown checkpoint, or any job while the queue is full. */
  checkAccepts(request: Pick<JobRequest, 'checkpoints'>): void {
    for (const id of request.checkpoints) {
      if (!this.checkpoints.some((c) => c.id === id)) throw new HttpError(400, `unknown checkpoint "${id}" (available: ${this.checkpoints.map((c) => c.id).join(', ') || 'none'})`);
    }
    if (this.waiting.length >= (this.options.maxWaiting ?? 8)) throw new HttpError(429, 'the generation queue is full; try again when a job has finished'); // the client's load, not a server fault (RFC 6585 §4)
  }

  newJobId(): string {
    return crypto.randomBytes(8).toString('hex');
  }

  /** Where job `id` keeps its upload and videos. */
  jobFolder(id: string): string {
    return path.join(this.outDir, id);
  }

  get(id: string): Job {
    if (!JOB_ID.test(id)) throw new HttpError(400, 'bad job id: expected 16 hex digits');
    const job = this.jobs.get(id);
    if (!job) throw new HttpError(404, `no job "${id}"`);
    return this.view(job);
  }

  list(): Job[] {
    return [...this.jobs.values()].reverse().map((j) => this.view(j));
  }

  /** The MP4 of a finished job's k-th checkpoint. */
  file(id: string, k: number): string {
    const job = this.get(id);
    if (!(Number.isInteger(k) && k >= 0 && k < job.checkpoints.length) || !job.videos[k]) throw new HttpError(404, `job ${id} has no video ${k} (yet)`);
    return path.join(this.jobFolder(id), `${k}.mp4`);
  }

  /** Resolves when every job submitted so far has finished. */
  idle(): Promise<void> {
    if (!this.running && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.abort.abort();
  }

  private view(job: Job): Job {
    const position = job.status === 'queued' ? this.waiting.indexOf(job.id) + (this.running ? 1 : 0) : 0;
    return { ...job, position, progress: { ...job.progress }, videos: [...job.videos], given: job.given && { ...job.given } };
  }

  private pump(): void {
    if (this.running) return;
    if (this.waiting.length === 0 || this.abort.signal.aborted) {
      this.idleWaiters.splice(0).forEach((resolve) => resolve());
      return;
    }
    const id = this.waiting.shift()!;
    this.running = id;
    void this.execute(this.jobs.get(id)!).then(() => {
      this.running = null;
      this.pump();
    });
  }

  private async execute(job: Job): Promise<void> {
    job.status = 'running';
    const dir = this.jobFolder(job.id);
    const given = job.given && { ...job.given, file: path.join(dir, job.given.file) };
    try {
      fs.mkdirSync(dir, { recursive: true });
      for (let k = 0; k < job.checkpoints.length; k++) {
        const checkpoint = this.checkpoints.find((c) => c.id === job.checkpoints[k])!;
        const base = k * job.steps;
        await this.generator(
          { checkpoint, prompt: job.prompt, seed: job.seed, steps: job.steps, guidance: job.guidance, given, out: path.join(dir, `${k}.mp4`) },
          (step) => (job.progress.done = base + Math.min(step, job.steps)),
          this.abort.signal,
        );
        job.progress.done = base + job.steps;
        job.videos[k] = `/api/jobs/${job.id}/${k}.mp4`;
      }
      job.status = 'done';
    } catch (err) {
      job.status = 'failed';
      job.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
    }
    job.finished = new Date().toISOString();
  }

  /** Keep the newest `keepJobs` finished jobs' records (their files stay until the server stops). */
  private forget(): void {
    const keep = this.options.keepJobs ?? 100;
    const finished = [...this.jobs.values()].filter((j) => j.status === 'done' || j.status === 'failed');
    for (const job of finished.slice(0, Math.max(0, finished.length - keep))) this.jobs.delete(job.id);
  }
}
