/**
 * Files served from inside run folders, and nowhere else. A request names a run and a path
 * relative to its folder (`videos/gravity-003-s1.mp4`); the path is refused (403) when it is
 * absolute, has an empty, `.` or `..` segment, a segment starting with a dot, or any
 * character outside `[A-Za-z0-9._-]` (so an encoded `%2e%2e`, decoded once by the router, is
 * refused too, and a doubly encoded one keeps its `%`); and the real path (symlinks
 * resolved) must still lie inside the run's real folder.
 *
 *   const file = resolveInside(run.dir, 'videos/gravity-003-s1.mp4'); // absolute real path
 *   resolveInside(run.dir, '../other/run.json')                       // HttpError 403
 */
import fs from 'node:fs';
import path from 'node:path';
import { HttpError } from './http-error.js';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** Longest relative path accepted. */
export const MAX_RELATIVE_PATH = 300;

/** The real path of `relative` inside `dir` (a real path itself), or an HttpError (403 refused, 404 missing). */
export function resolveInside(dir: string, relative: string | string[]): string {
  const segments = Array.isArray(relative) ? relative : relative.split('/');
  const joined = segments.join('/');
  if (joined.length === 0 || joined.length > MAX_RELATIVE_PATH || !segments.every((s) => SEGMENT.test(s))) {
    throw new HttpError(403, `refused path ${JSON.stringify(joined.slice(0, 80))}: only plain names inside the run folder`);
  }
  const candidate = path.join(dir, ...segments);
  let real: string;
  try {
    real = fs.realpathSync(candidate);
  } catch {
    throw new HttpError(404, `no file ${joined}`);
  }
  if (!isInside(dir, real)) throw new HttpError(403, `refused path ${joined}: it leads outside the run folder`);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(real);
  } catch {
    throw new HttpError(404, `no file ${joined}`);
  }
  if (!stat.isFile()) throw new HttpError(404, `no file ${joined}`);
  return real;
}

/** Whether `target` is `dir` itself or below it (both absolute, normalised). */
export function isInside(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Content types of what run folders hold. */
export const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.gif': 'image/gif',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};
