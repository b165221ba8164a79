/**
 * Routes over the runs: the list, one run, the side-by-side table, one video across runs
 * (with trajectories), and files from inside run folders.
 *
 *   GET /api/runs
 *   GET /api/runs/:run                         run.json, categories, metric names
 *   GET /api/compare?runs=a,b[&category=&sort=&by=value|diff|spread&order=&violation=&offset=&limit=]
 *   GET /api/videos/:id?runs=a,b               rows, video URLs and tracks of one video in each run, and the truth
 *   GET /files/:run/*path                      a file inside the run's folder (run ids with `/` are URL-encoded)
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { compareRows } from './compare.js';
import { openInside, readInside } from './files.js';
import { HttpError } from './http-error.js';
import { ResponseMemo } from './memo.js';
import { RUN_ID, VIDEO_ID, type RunIndex, type RunVideo } from './runs.js';
import { sendFile } from './send-file.js';

/** At most this many runs side by side. */
export const MAX_COMPARE = 4;
/** Largest tracks/ID.json read (a 16-frame clip's tracks are a few kB). */
export const MAX_TRACKS_BYTES = 2_000_000;

const runList = z
  .string()
  .max(1000)
  .transform((s) => s.split(','))
  .pipe(z.array(z.string().regex(RUN_ID, 'bad run id')).min(1).max(MAX_COMPARE, `at most ${MAX_COMPARE} runs`))
  .refine((ids) => new Set(ids).size === ids.length, 'a run is listed twice');

const intParam = (max: number) => z.string().regex(/^\d{1,7}$/, 'expected a non-negative integer').transform(Number).pipe(z.number().max(max));

const compareQuery = z
  .object({
    runs: runList,
    category: z.string().max(100).optional(),
    sort: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'bad metric name').optional(),
    by: z.enum(['value', 'diff', 'spread']).optional(),
    order: z.enum(['asc', 'desc']).optional(),
    violation: z.string().max(64).optional(),
    offset: intParam(1_000_000).optional(),
    limit: intParam(1000).optional(),
  })
  .strict();

/** Parse with zod; a failure is a 400 naming the first problem. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new HttpError(400, `bad ${what}: ${where}${issue.message}`);
  }
  return result.data;
}

export function fileUrl(run: string, relative: string): string {
  return `/files/${encodeURIComponent(run)}/${relative.split('/').map(encodeURIComponent).join('/')}`;
}

/** Send an already serialised JSON body. */
function sendJson(res: Response, body: string): void {
  res.type('application/json').send(body);
}

export function runsRouter(runs: RunIndex): Router {
  const router = Router();
  const memo = new ResponseMemo();
  // Tracks files are read per request; a one-second TTL bounds how stale they can be.
  const videoMemo = new ResponseMemo({ ttlMs: 1000 });

  router.get('/api/runs', (_req, res) => {
    const list = runs.list();
    sendJson(res, memo.get('runs', list, () => JSON.stringify({ root: runs.root, runs: list.map((r) => runs.summary(r)) })));
  });

  router.get('/api/runs/:run', (req, res) => {
    const run = runs.usable(req.params.run);
    const table = runs.table(run.id);
    res.json({ ...runs.summary(run), run: run.run, metrics: table.metrics, videos: table.rows.length, categories: runs.categories(run.id) });
  });

  router.get('/api/compare', (req, res) => {
    const query = parse(compareQuery, req.query, 'query');
    const inputs = query.runs.map((id) => ({ run: id, table: runs.table(runs.usable(id).id) }));
    if (query.sort && query.sort !== 'id' && !inputs.some((i) => i.table.metrics.includes(query.sort!))) {
      throw new HttpError(400, `unknown metric "${query.sort}"`);
    }
    const deps = [...inputs.map((i) => i.table), ...query.runs.map((id) => runs.get(id))];
    const body = memo.get(req.originalUrl, deps, () => {
      const view = compareRows(inputs, { ...query, limit: query.limit ?? 200 });
      return JSON.stringify({
        runs: query.runs.map((id) => runs.summary(runs.get(id))),
        ...view,
        rows: view.rows.map((r) => ({ ...r, cells: r.cells.map((c) => (c ? cellView(c) : null)) })),
      });
    });
    sendJson(res, body);
  });

  router.get('/api/videos/:id', (req, res) => {
    const id = req.params.id;
    if (!VIDEO_ID.test(id)) throw new HttpError(400, 'bad video id: only [A-Za-z0-9._-]');
    const { runs: ids } = parse(z.object({ runs: runList }).strict(), req.query, 'query');
    const tables = ids.map((runId) => runs.table(runs.usable(runId).id));
    sendJson(res, videoMemo.get(req.originalUrl, tables, () => videoDetail(runs, id, ids)));
  });

  router.get('/files/:run/*path', (req, res) => {
    const run = runs.get(req.params.run);
    const segments = (req.params as unknown as { path: string[] }).path;
    sendFile(req, res, openInside(run.dir, segments));
  });

  return router;
}

/** One video in each run (rows, URLs, tracks) and the truth, serialised. */
function videoDetail(runs: RunIndex, id: string, ids: string[]): string {
  let truth: { video: string; tracks: unknown } | null = null;
  let first: RunVideo | null = null;
  const cells = ids.map((runId) => {
    const run = runs.usable(runId);
    const row = runs.table(run.id).byId.get(id) ?? null;
    if (!row) return { run: runId, row: null, video: null, tracks: null };
    first ??= row;
    const tracks = readTracks(run.dir, id);
    if (!truth && row.truth) truth = { video: fileUrl(run.id, row.truth), tracks: tracks?.truth ?? null };
    return { run: runId, row: cellView(row), video: row.video ? fileUrl(run.id, row.video) : null, tracks: tracks?.generated ?? null };
  });
  if (!first) throw new HttpError(404, `no video "${id}" in ${ids.join(', ')}`);
  const row = first as RunVideo;
  return JSON.stringify({ id, caption: row.caption, category: row.category, seed: row.seed, prompt_id: row.prompt_id, cells, truth });
}

/** A row as the pages use it: the metrics, the flags, the violated rules. */
function cellView(row: RunVideo) {
  return { metrics: row.metrics, abnormal: row.abnormal, joint_correct: row.joint_correct, violations: row.violations, video: row.video, truth: row.truth };
}

function readTracks(dir: string, id: string): { generated: unknown; truth: unknown } | null {
  try {
    const parsed = JSON.parse(readInside(dir, ['tracks', `${id}.json`], MAX_TRACKS_BYTES).toString('utf8')) as { generated?: unknown; truth?: unknown };
    return { generated: parsed?.generated ?? null, truth: parsed?.truth ?? null };
  } catch {
    return null; // missing, outside the run, not a regular file, too large or not JSON: the page shows no trajectories
  }
}
