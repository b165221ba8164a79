/**
 * The comparison server's app factory: pages, the JSON API and the files of the runs under
 * one folder, votes in SQLite, a generation queue. `startServer` binds it (127.0.0.1 unless
 * told otherwise); `spacetime serve` is a thin layer over it, and notebooks and tests call it
 * directly (tests inject a fake generator).
 *
 *   const server = await startServer({ runsDir: 'evals', port: 8080 });
 *   console.log(server.url);   // http://127.0.0.1:8080/
 *   await server.close();
 *
 * Pages (app/server/public/): `/` runs, `/compare?runs=a,b&truth=1&video=ID` side by side,
 * `/blind`, `/leaderboard`, `/generate`. The API is listed in README.md ("Comparison server").
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { findPackageRoot } from '../../kernels/native/index.js';
import { plotlyLibraryPath } from '../../eval/figures/plotly.js';
import { UserError } from '../../base/errors.js';
import { HttpError } from './http-error.js';
import { processGenerator } from './process-generator.js';
import { GenerationQueue, type Checkpoint, type Generator } from './queue.js';
import { blindRouter } from './routes-blind.js';
import { generateRouter } from './routes-generate.js';
import { runsRouter } from './routes-runs.js';
import { RunIndex } from './runs.js';
import { answerClientError, bodyLimit, hostCheck, jsonOnly, securityHeaders, singleHost } from './security.js';
import { MAX_UPLOAD_BASE64 } from './uploads.js';
import { VoteStore } from './votes.js';

export interface AppOptions {
  /** The folder whose run folders (each with a run.json) are served. */
  runsDir: string;
  /** SQLite file of the blind votes; default `<runsDir>/votes.sqlite`. */
  votesFile?: string;
  /** Checkpoints (or model folders) that /generate may use. */
  checkpoints?: Checkpoint[];
  /** Makes one video; default: a child process per video (processGenerator). */
  generator?: Generator;
  /** Where generated videos go; default a fresh temporary folder, removed on close. */
  generatedDir?: string;
  /** Host names the Host header may carry; 'any' turns the check off. Default: loopback names. */
  allowedHosts?: readonly string[] | 'any';
  /** Rescan the runs folder at most this often (ms). Default 1000. */
  rescanMs?: number;
}

export interface ServerApp {
  app: express.Express;
  runs: RunIndex;
  votes: VoteStore;
  queue: GenerationQueue;
  close(): void;
}

/** Largest JSON body accepted (votes and prompts are tiny). */
export const MAX_BODY_BYTES = 16 * 1024;
/** Largest body of `POST /api/jobs`: a prompt and an upload in base64 (uploads.ts). */
export const MAX_JOB_BODY_BYTES = MAX_BODY_BYTES + MAX_UPLOAD_BASE64;
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const PAGES: Record<string, string> = { '/': 'index.html', '/compare': 'compare.html', '/blind': 'blind.html', '/leaderboard': 'leaderboard.html', '/generate': 'generate.html' };

export function createApp(options: AppOptions): ServerApp {
  if (!fs.existsSync(options.runsDir) || !fs.statSync(options.runsDir).isDirectory()) throw new UserError(`runs folder ${options.runsDir} not found`);
  const runs = new RunIndex(options.runsDir, { rescanMs: options.rescanMs });
  const votes = new VoteStore(options.votesFile ?? path.join(options.runsDir, 'votes.sqlite'));
  const ownGenerated = options.generatedDir === undefined;
  const generatedDir = options.generatedDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-serve-'));
  const queue = new GenerationQueue(options.generator ?? processGenerator(), generatedDir, options.checkpoints ?? []);
  const publicDir = findPublicDir();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', 'strong');
  app.use(securityHeaders);
  app.use(singleHost);
  if (options.allowedHosts !== 'any') app.use(hostCheck(options.allowedHosts ?? LOOPBACK_HOSTS));
  app.use(jsonOnly);
  app.use(bodyLimit(bodyBytes));
  const parsers = new Map([MAX_BODY_BYTES, MAX_JOB_BODY_BYTES].map((limit) => [limit, express.json({ limit, strict: true })]));
  app.use((req, res, next) => parsers.get(bodyBytes(req))!(req, res, next));

  for (const [route, file] of Object.entries(PAGES)) app.get(route, (_req, res) => res.sendFile(path.join(publicDir, file), { dotfiles: 'allow' }));
  app.use('/static', express.static(publicDir, { index: false, dotfiles: 'deny', fallthrough: false }));
  app.get('/vendor/plotly.min.js', (_req, res) => res.sendFile(plotlyLibraryPath(), { dotfiles: 'allow', maxAge: '1d' }));

  app.use(runsRouter(runs));
  app.use(blindRouter(runs, votes));
  app.use(generateRouter(queue));
  app.use((req, _res, next) => next(new HttpError(404, `no route ${req.method} ${req.path.slice(0, 200)}`)));
  app.use(errorHandler);

  return {
    app,
    runs,
    votes,
    queue,
    close() {
      queue.close();
      votes.close();
      if (ownGenerated) fs.rmSync(generatedDir, { recursive: true, force: true });
    },
  };
}

/** The body limit of a request: a job may carry an upload, anything else is small. */
function bodyBytes(req: Request): number {
  return req.method === 'POST' && req.path === '/api/jobs' ? MAX_JOB_BODY_BYTES : MAX_BODY_BYTES;
}

/**
 * Every error as `{ "error": message }`: a request's mistake with its 4xx status (body
 * parser errors included: malformed JSON 400, too large 413), anything else a 500 with a
 * generic message and the details on stderr.
 */
function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const status = err instanceof HttpError ? err.status : statusOf(err);
  let message: string;
  if (err instanceof HttpError) message = err.message;
  else if (status === 400 && (err as { type?: string }).type === 'entity.parse.failed') message = 'malformed JSON body';
  else if (status === 413) message = `body too large (at most ${(err as { limit?: number }).limit ?? MAX_BODY_BYTES} bytes)`;
  else if (status >= 400 && status < 500) message = (err as Error).message?.split('\n')[0] ?? 'bad request';
  else {
    message = 'internal error';
    console.error(`spacetime serve: ${req.method} ${req.path}:`, err);
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(status >= 400 && status < 600 ? status : 500).json({ error: message });
}

function statusOf(err: unknown): number {
  const e = err as { status?: unknown; statusCode?: unknown };
  const s = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 500;
  return s >= 400 && s < 600 ? s : 500;
}

/** app/server/public, found from the package root (the working directory's, or the CLI's). */
function findPublicDir(): string {
  const starts = [process.cwd(), process.argv[1] ? path.dirname(path.resolve(process.argv[1])) : null];
  for (const start of starts) {
    const root = start ? findPackageRoot(start) : null;
    if (root && fs.existsSync(path.join(root, 'app', 'server', 'public', 'index.html'))) return path.join(root, 'app', 'server', 'public');
  }
  throw new Error('cannot find app/server/public (run from inside the spacetime-lab checkout)');
}

export interface StartOptions extends AppOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
}

export interface RunningServer extends ServerApp {
  server: Server;
  url: string;
  /** Stop listening, end open connections, close the vote store. */
  stop(): Promise<void>;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  const allowedHosts = options.allowedHosts ?? (loopback ? LOOPBACK_HOSTS : 'any');
  const served = createApp({ ...options, allowedHosts });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = served.app.listen(options.port ?? 8080, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  server.on('clientError', answerClientError);
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    ...served,
    server,
    url: `http://${shown}:${port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        served.close();
      }),
  };
}
