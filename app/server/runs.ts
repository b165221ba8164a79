/**
 * The runs the server knows: every folder under the runs root that holds a `run.json`
 * (the `spacetime-eval/v1` layout, eval/FORMAT.md). The index rescans lazily, at most once
 * per `rescanMs`, so a run written while the server is up appears on the next request
 * after that, without a restart; each file is re-read only when its size or mtime changed.
 *
 *   const runs = new RunIndex('evals');
 *   runs.list().map((r) => r.id)        // ['guidance-1', 'sweep/guidance-3']
 *   runs.videos('guidance-1')[0].id     // 'gravity-003-s1'
 *
 * A run's id is its folder relative to the root, with `/` between levels. Symbolic links are
 * not followed while scanning, so a run is always a real folder inside the root; the files
 * read from a run are opened as `/files` opens them (files.ts `readInside`): regular files
 * inside the run only, so a symlink out of it or a FIFO (which would block the whole server
 * on a read) is reported as unreadable instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { firstIssue, runListingSchema, VIDEO_FLAG_COLUMNS, VIDEO_ID_COLUMNS, type RunListing } from '../../eval/run/run-schema.js';
import { readInside } from './files.js';
import { HttpError } from './http-error.js';

/** How deep under the root a run folder may sit (root/a/b/c/run.json at most). */
export const MAX_RUN_DEPTH = 3;
/** A run id: folder names of `[A-Za-z0-9._-]` joined by `/`, none of them `.` or `..`. */
export const RUN_ID = /^(?!\.{1,2}(?:\/|$))[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}){0,2}$/;
/** Largest run.json, videos.json or categories.json read (a 10,000-video run's videos.json is a few MB). */
export const MAX_RUN_FILE_BYTES = 64 * 1024 * 1024;
/** A video id (`<promptId>-s<seed>`), as FORMAT.md allows: `[A-Za-z0-9._-]`. */
export const VIDEO_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

/** Columns of a videos.json row that are not metrics (FORMAT.md). */
const VIDEO_ROW_FIELDS: readonly string[] = [...VIDEO_ID_COLUMNS, ...VIDEO_FLAG_COLUMNS];

/**
 * One video of a run as the server uses it: a videos.json row (eval/run/run-schema.ts
 * `VideoRow`) read leniently, its metrics apart and its violations as a list.
 */
export interface RunVideo {
  id: string;
  prompt_id: string;
  seed: number;
  category: string;
  split: string;
  family: string;
  caption: string;
  video: string;
  truth: string;
  abnormal: number;
  violations: string[];
  joint_correct: number;
  metrics: Record<string, number | null>;
}

export interface Run {
  id: string;
  /** Absolute, real path of the run folder. */
  dir: string;
  run: RunListing | null;
  /** Why run.json could not be read (the run is listed, marked broken). */
  error: string | null;
}

export interface RunSummary {
  id: string;
  name: string;
  suite: string | null;
  split: string | null;
  source: { kind: string; path: string | null; generate: Record<string, unknown> | null } | null;
  created: string | null;
  headline: Record<string, number | null>;
  error: string | null;
}

/** A run file's rows, or why it could not be read (a missing file is no rows, not an error). */
interface Table {
  rows: RunVideo[];
  byId: Map<string, RunVideo>;
  metrics: string[];
  error: string | null;
}
interface Categories {
  rows: Record<string, unknown>[];
  error: string | null;
}

interface Cached<T> {
  /** The file's size and mtime when read. */
  key: string;
  value: T;
  /** When the key was last compared with the file (performance.now()). */
  checkedAt: number;
}

export class RunIndex {
  readonly root: string;
  private runs = new Map<string, Run>();
  private runJson = new Map<string, Cached<{ run: RunListing | null; error: string | null }>>();
  private rows = new Map<string, Cached<Table>>();
  private categoryRows = new Map<string, Cached<Categories>>();
  private scannedAt = -Infinity;

  constructor(
    root: string,
    private readonly options: { rescanMs?: number } = {},
  ) {
    this.root = fs.realpathSync(root);
  }

  /** Every run, sorted by id (rescanned when the last scan is older than rescanMs). */
  list(): Run[] {
    const now = performance.now();
    if (now - this.scannedAt >= (this.options.rescanMs ?? 1000)) {
      this.scan();
      this.scannedAt = now;
    }
    return [...this.runs.values()];
  }

  /** The run with this id, or a 404 (a malformed id is a 400). */
  get(id: string): Run {
    if (typeof id !== 'string' || !RUN_ID.test(id)) throw new HttpError(400, `bad run id ${JSON.stringify(String(id).slice(0, 80))}`);
    this.list();
    let run = this.runs.get(id);
    if (!run) {
      this.scannedAt = -Infinity; // a run written since the last scan
      run = this.list().find((r) => r.id === id);
    }
    if (!run) throw new HttpError(404, `no run "${id}"`);
    return run;
  }

  /** A run whose run.json parsed (a broken one is a 409 naming why). */
  usable(id: string): Run & { run: RunListing } {
    const run = this.get(id);
    if (!run.run) throw new HttpError(409, `run "${id}" is unreadable: ${run.error}`);
    return run as Run & { run: RunListing };
  }

  summary(run: Run): RunSummary {
    const r = run.run;
    return {
      id: run.id,
      name: r?.name ?? run.id,
      suite: r?.suite?.name ?? null,
      split: r?.suite?.split ?? null,
      source: r?.source ? { kind: r.source.kind, path: r.source.path ?? null, generate: r.source.generate ?? null } : null,
      created: r?.created ?? null,
      headline: r?.headline ?? {},
      error: run.error,
    };
  }

  /** The run's per-video rows (videos.json), with the metric names in column order; an unreadable file is a 409. */
  table(id: string): Table {
    const run = this.usable(id);
    const table = this.cached(this.rows, run.dir, 'videos.json', () => {
      const parsed = readRunJson(run.dir, 'videos.json') as { rows?: unknown };
      if (!parsed || !Array.isArray(parsed.rows)) throw new Error('no "rows" array');
      const rows = parsed.rows.map(toRunVideo).filter((r): r is RunVideo => r !== null);
      const metrics: string[] = [];
      for (const r of rows) for (const m of Object.keys(r.metrics)) if (!metrics.includes(m)) metrics.push(m);
      return { rows, byId: new Map(rows.map((r) => [r.id, r])), metrics, error: null };
    }, (error) => ({ rows: [], byId: new Map(), metrics: [], error }));
    if (table.error) throw new HttpError(409, `run "${id}" is unreadable: ${table.error}`);
    return table;
  }

  /** categories.json rows, or [] when the run has none; an unreadable file is a 409. */
  categories(id: string): Record<string, unknown>[] {
    const run = this.usable(id);
    const categories = this.cached(this.categoryRows, run.dir, 'categories.json', () => {
      const parsed = readRunJson(run.dir, 'categories.json') as { rows?: unknown };
      return { rows: Array.isArray(parsed?.rows) ? (parsed.rows as Record<string, unknown>[]) : [], error: null };
    }, (error) => ({ rows: [], error }));
    if (categories.error) throw new HttpError(409, `run "${id}" is unreadable: ${categories.error}`);
    return categories.rows;
  }

  private scan(): void {
    const found = new Map<string, Run>();
    const walk = (dir: string, rel: string, depth: number) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return; // vanished or unreadable while scanning
      }
      if (rel && entries.some((e) => e.name === 'run.json' && e.isFile())) {
        if (RUN_ID.test(rel)) found.set(rel, this.loadRun(rel, dir));
        return;
      }
      if (depth >= MAX_RUN_DEPTH) return;
      for (const e of entries) {
        // Real folders only: a symlink could lead out of the root.
        if (!e.isDirectory() || e.name.startsWith('.') || e.name === 'node_modules') continue;
        walk(path.join(dir, e.name), rel ? `${rel}/${e.name}` : e.name, depth + 1);
      }
    };
    walk(this.root, '', 0);
    this.runs = new Map([...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  private loadRun(id: string, dir: string): Run {
    const { run, error } = this.cached(this.runJson, dir, 'run.json', () => {
      const parsed = runListingSchema.safeParse(readRunJson(dir, 'run.json'));
      if (!parsed.success) return { run: null, error: `run.json: ${firstIssue(parsed.error)}` };
      return { run: parsed.data, error: null };
    }, (message) => ({ run: null, error: message ?? 'run.json is missing' }));
    const previous = this.runs.get(id);
    if (previous && previous.dir === dir && previous.run === run && previous.error === error) return previous;
    return { id, dir, run, error };
  }

  /**
   * Read `name` in the run folder `dir` through a cache keyed by the file's size and mtime.
   * `onError` turns a missing file (null) or an unreadable one (why, naming the file) into a
   * value, cached like any other so a bad file is not re-read on every request.
   */
  private cached<T>(cache: Map<string, Cached<T>>, dir: string, name: string, read: () => T, onError: (message: string | null) => T): T {
    const file = path.join(dir, name);
    const now = performance.now();
    const hit = cache.get(file);
    // Within one rescan interval a value is trusted without a stat (the hot path under load).
    if (hit && now - hit.checkedAt < (this.options.rescanMs ?? 1000)) return hit.value;
    let key: string;
    try {
      const st = fs.statSync(file); // a stat never blocks, even on a FIFO
      key = `${st.size}:${st.mtimeMs}`;
    } catch {
      cache.delete(file);
      return onError(null);
    }
    if (hit && hit.key === key) {
      hit.checkedAt = now;
      return hit.value;
    }
    let value: T;
    try {
      value = read();
    } catch (err) {
      const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
      value = onError(err instanceof HttpError ? message : `${name}: ${message}`);
    }
    cache.set(file, { key, value, checkedAt: now });
    return value;
  }
}

/** A JSON file of a run folder, read as files.ts reads run files (regular, inside, bounded). */
function readRunJson(dir: string, name: string): unknown {
  return JSON.parse(readInside(dir, [name], MAX_RUN_FILE_BYTES).toString('utf8'));
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** A videos.json row in the shape the server uses; null for a row without a usable id. */
export function toRunVideo(raw: unknown): RunVideo | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const id = str(r.id);
  if (!VIDEO_ID.test(id)) return null;
  const metrics: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(r)) if (!VIDEO_ROW_FIELDS.includes(k)) metrics[k] = num(v);
  const violations = Array.isArray(r.violations) ? r.violations.map(String) : str(r.violations).split(';').filter(Boolean);
  return {
    id,
    prompt_id: str(r.prompt_id),
    seed: num(r.seed) ?? 0,
    category: str(r.category),
    split: str(r.split),
    family: str(r.family),
    caption: str(r.caption),
    video: str(r.video),
    truth: str(r.truth),
    abnormal: num(r.abnormal) ?? 0,
    violations,
    joint_correct: num(r.joint_correct) ?? 0,
    metrics,
  };
}
