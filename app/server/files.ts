/**
 * Files served from inside run folders, and nowhere else. A request names a run and a path
 * relative to its folder (`videos/gravity-003-s1.mp4`); the path is refused (403) when it is
 * absolute, has an empty, `.` or `..` segment, a segment starting with a dot, or any
 * character outside `[A-Za-z0-9._-]` (so an encoded `%2e%2e`, decoded once by the router, is
 * refused too, and a doubly encoded one keeps its `%`); and the real path (symlinks
 * resolved) must still lie inside the run's real folder.
 *
 * The file is opened once and everything after that uses the handle: checking the path and
 * then opening it again would let a file swapped for a symlink in between (by anyone who can
 * write into a run folder) be read from outside the run. So the real path is opened with
 * O_NOFOLLOW, the handle is checked to be a regular file (a FIFO or device is never read:
 * O_NONBLOCK keeps even the open from waiting on a FIFO) and to lie inside the run, and that
 * handle is what gets read or streamed.
 *
 *   const file = openInside(run.dir, 'videos/gravity-003-s1.mp4'); // { fd, stat, path }
 *   try { ... } finally { fs.closeSync(file.fd); }
 *   openInside(run.dir, '../other/run.json')                        // HttpError 403
 *   readInside(run.dir, ['videos.json'], MAX_RUN_FILE_BYTES)        // Buffer
 */
import fs from 'node:fs';
import path from 'node:path';
import { HttpError } from './http-error.js';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** Longest relative path accepted. */
export const MAX_RELATIVE_PATH = 300;
/** How run files are opened: read only, never through a symlink, never waiting on a FIFO. */
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
/** Where Linux shows the path of an open descriptor (absent elsewhere: see openedPathInside). */
const PROC_FDS = '/proc/self/fd';

/** An open run file: its descriptor (the caller closes it), its fstat, its real path when opened. */
export interface OpenedFile {
  fd: number;
  stat: fs.Stats;
  path: string;
}

/**
 * Open `relative` inside `dir` (a real path itself) for reading, or throw an HttpError: 403
 * refused (a bad name, or it leads outside the run), 404 missing or not a regular file.
 */
export function openInside(dir: string, relative: string | string[]): OpenedFile {
  const segments = Array.isArray(relative) ? relative : relative.split('/');
  const joined = segments.join('/');
  if (joined.length === 0 || joined.length > MAX_RELATIVE_PATH || !segments.every((s) => SEGMENT.test(s))) {
    throw new HttpError(403, `refused path ${JSON.stringify(joined.slice(0, 80))}: only plain names inside the run folder`);
  }
  const outside = () => new HttpError(403, `refused path ${joined}: it leads outside the run folder`);
  const notRegular = () => new HttpError(404, `${joined} is not a regular file`);
  let real: string;
  try {
    real = fs.realpathSync(path.join(dir, ...segments));
  } catch {
    throw new HttpError(404, `no file ${joined}`);
  }
  if (!isInside(dir, real)) throw outside();
  // A FIFO or device is refused before it is opened (opening one can have effects of its own).
  let before: fs.Stats | undefined;
  try {
    before = fs.lstatSync(real, { throwIfNoEntry: false });
  } catch {
    before = undefined; // unreadable on the way: as missing
  }
  if (!before) throw new HttpError(404, `no file ${joined}`);
  if (!before.isFile()) throw notRegular();
  let fd: number;
  try {
    fd = fs.openSync(real, OPEN_FLAGS);
  } catch (err) {
    // ELOOP: the real path became a symlink since it was resolved.
    throw (err as NodeJS.ErrnoException).code === 'ELOOP' ? outside() : new HttpError(404, `no file ${joined}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw notRegular();
    if (!openedPathInside(fd, stat, dir, real)) throw outside();
    return { fd, stat, path: real };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/**
 * Whether the file open as `fd` lies inside `dir`. A folder on the real path may have been
 * swapped for a symlink between realpath and open, so the path is not enough: on Linux the
 * kernel's own record of what was opened (/proc/self/fd/N) is checked; elsewhere the path is
 * resolved again and must name the very file opened (same device and inode), which narrows the
 * window to a swap and a swap back between two calls.
 */
export function openedPathInside(fd: number, stat: fs.Stats, dir: string, real: string, procFds = PROC_FDS): boolean {
  let opened: string | null = null;
  try {
    opened = fs.readlinkSync(`${procFds}/${fd}`);
  } catch {
    opened = null; // no /proc: the portable check below
  }
  if (opened !== null) return path.isAbsolute(opened) && isInside(dir, opened);
  try {
    const again = fs.realpathSync(real);
    const now = fs.statSync(again);
    return isInside(dir, again) && now.dev === stat.dev && now.ino === stat.ino;
  } catch {
    return false;
  }
}

/** A file the server wrote itself (a generated video), by absolute path: opened as openInside opens run files, inside its own folder. */
export function openFile(file: string): OpenedFile {
  let dir: string;
  try {
    dir = fs.realpathSync(path.dirname(file));
  } catch {
    throw new HttpError(404, `no file ${path.basename(file)}`);
  }
  return openInside(dir, [path.basename(file)]);
}

/** The bytes of a regular file inside `dir` (as openInside checks it), at most `maxBytes` (else 413). */
export function readInside(dir: string, relative: string | string[], maxBytes: number): Buffer {
  const file = openInside(dir, relative);
  try {
    if (file.stat.size > maxBytes) throw new HttpError(413, `${path.basename(file.path)} is larger than ${maxBytes} bytes`);
    const bytes = Buffer.alloc(file.stat.size);
    let filled = 0;
    while (filled < bytes.length) {
      const n = fs.readSync(file.fd, bytes, filled, bytes.length - filled, filled);
      if (n === 0) break; // shrank since the fstat
      filled += n;
    }
    return bytes.subarray(0, filled);
  } finally {
    fs.closeSync(file.fd);
  }
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
