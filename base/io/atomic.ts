/**
 * Atomic file writes: everything a user keeps is written to a temporary file in the
 * same folder, fsync'd, then renamed into place, so a crash or a bad input never
 * leaves a half-written file under the final name. A folder (a checkpoint, a run, a
 * shipped model) is built the same way: in a temporary folder beside it, renamed into place.
 * Temporary files and folders are all named `.NAME.tmp-PID-N` (`tempPathFor`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

let counter = 0;

/** A temporary path beside `file` (same folder, so rename is atomic). */
export function tempPathFor(file: string): string {
  const dir = path.dirname(file);
  return path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${counter++}`);
}

/**
 * Create `dir` (and parents), or fail with a one-line error naming it. Parents are made one
 * at a time from the nearest existing ancestor, which must be a writable folder: Node's
 * recursive mkdir retries forever where mkdir answers ENOENT for a folder whose parent exists
 * (procfs does, e.g. /proc/nope/sub), and a file in the way is named in the error.
 *
 *   ensureWritableDir('runs/small/checkpoints'); // makes runs/, runs/small/, runs/small/checkpoints/
 */
export function ensureWritableDir(dir: string): void {
  const fail = (code: string, detail?: string): never => {
    throw new UserError(`cannot write to folder ${dir} (${code}${detail ? `: ${detail}` : ''})`);
  };
  const { ancestor, missing } = nearestExisting(dir, fail);
  if (!ancestor.stats.isDirectory()) fail('ENOTDIR', `${ancestor.path} is not a folder`);
  for (const folder of missing) {
    try {
      fs.mkdirSync(folder);
    } catch (err) {
      const code = errorCode(err);
      if (code !== 'EEXIST' || !fs.statSync(folder).isDirectory()) fail(code, `cannot make ${folder}`);
    }
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    fail(errorCode(err));
  }
}

/**
 * Check, without creating anything, that `file` could be written by `writeFileAtomic`: its
 * folder exists as a writable folder or could be made under its nearest existing ancestor,
 * and `file` itself is absent or a regular file. For commands that compute for minutes before
 * they write (generate), so a bad --out fails first.
 */
export function checkWritableFile(file: string): void {
  assertReplaceableFile(file);
  const dir = path.dirname(file);
  const fail = (code: string, detail?: string): never => {
    throw new UserError(`cannot write to folder ${dir} (${code}${detail ? `: ${detail}` : ''})`);
  };
  const { ancestor } = nearestExisting(dir, fail);
  if (!ancestor.stats.isDirectory()) fail('ENOTDIR', `${ancestor.path} is not a folder`);
  try {
    fs.accessSync(ancestor.path, fs.constants.W_OK);
  } catch (err) {
    fail(errorCode(err));
  }
}

/**
 * Refuse to replace `file` unless it is absent or a regular file (symlinks followed): a rename
 * over a device, FIFO or socket would swap it for a regular file (as root, `--out /dev/null`
 * replaced the device), and one over a folder fails.
 */
export function assertReplaceableFile(file: string): void {
  let stats: fs.Stats | undefined;
  try {
    stats = fs.statSync(file, { throwIfNoEntry: false });
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOTDIR') return; // a file in the folder's path: the folder check names it
    throw new UserError(`cannot write ${file} (${code})`);
  }
  if (stats && !stats.isFile()) throw new UserError(`cannot write ${file}: it exists and is ${describeKind(stats)}, not a regular file`);
}

/** Remove temporary files and folders (`tempPathFor` names) in `dir` left by processes no longer running. */
export function removeStaleTempFiles(dir: string): string[] {
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const match = TEMP_NAME.exec(name);
    if (!match || processIsRunning(Number(match[1]))) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** `.NAME.tmp-PID-COUNTER`, as `tempPathFor` makes them. */
const TEMP_NAME = /^\..+\.tmp-(\d+)-\d+$/;

/** Whether `name` is a `tempPathFor` name: a write in progress, or one a crash interrupted. */
export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

function processIsRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM'; // exists, owned by someone else
  }
}

/** The nearest existing ancestor of `dir` (or `dir` itself) and the folders below it to make, top down. */
function nearestExisting(dir: string, fail: (code: string, detail?: string) => never): { ancestor: { path: string; stats: fs.Stats }; missing: string[] } {
  const missing: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    let stats: fs.Stats | undefined;
    try {
      stats = fs.statSync(current, { throwIfNoEntry: false });
    } catch (err) {
      const code = errorCode(err);
      if (code !== 'ENOTDIR') fail(code, `cannot read ${current}`); // ENOTDIR: a file higher up, found next
    }
    if (stats) return { ancestor: { path: current, stats }, missing };
    missing.unshift(current);
    const parent = path.dirname(current);
    if (parent === current) fail('ENOENT');
    current = parent;
  }
}

function describeKind(stats: fs.Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'error';
}

/** fsync a folder so a rename inside it is durable (best effort: some filesystems refuse). */
export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}

/** Write `data` to a new file and fsync it (`wx`: refuse to overwrite, for temporary names). */
export function writeFileSynced(file: string, data: string | Uint8Array, flag: 'w' | 'wx' = 'wx'): void {
  const fd = fs.openSync(file, flag);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Write `data` to `file` atomically (temp file, fsync, rename). Refuses a `file` that exists
 * and is not a regular file (a device, FIFO, socket or folder) with a one-line error.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  ensureWritableDir(path.dirname(file));
  assertReplaceableFile(file);
  const tmp = tempPathFor(file);
  try {
    writeFileSynced(tmp, data);
    assertReplaceableFile(file); // again: it may have changed while we wrote
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw asUserError(err, file);
  }
  fsyncDir(path.dirname(file));
}

/**
 * A new, empty folder to build `out` in: a `tempPathFor` name beside it (same parent, so the
 * rename into place is atomic; `removeStaleTempFiles` clears one whose process died), its
 * parent made first. Fill it, then `replaceFolderAtomically(staging, out)`; on failure remove it.
 *
 *   const staging = makeStagingFolder('models/default');
 *   try {
 *     writeFileSynced(path.join(staging, 'config.json'), text);
 *     replaceFolderAtomically(staging, 'models/default');
 *   } catch (err) {
 *     fs.rmSync(staging, { recursive: true, force: true });
 *     throw err;
 *   }
 */
export function makeStagingFolder(out: string): string {
  const target = path.resolve(out); // `.` or `runs/x/` too: beside the folder, not inside it
  ensureWritableDir(path.dirname(target));
  const staging = tempPathFor(target);
  fs.rmSync(staging, { recursive: true, force: true }); // a dead process's, if this pid was used before
  fs.mkdirSync(staging);
  return staging;
}

/**
 * Put the filled folder `staging` at `out` whole (fsync, then rename): an existing `out` is
 * renamed aside first (another temporary name) and removed last, and put back if the rename
 * into place fails, so `out` is always the old folder or the new one, never half of either.
 */
export function replaceFolderAtomically(staging: string, out: string): void {
  fsyncDir(staging);
  const aside = fs.existsSync(out) ? tempPathFor(path.resolve(out)) : null;
  if (aside) fs.renameSync(out, aside);
  try {
    fs.renameSync(staging, out);
  } catch (err) {
    if (aside) fs.renameSync(aside, out);
    throw err;
  }
  if (aside) fs.rmSync(aside, { recursive: true, force: true });
  fsyncDir(path.dirname(path.resolve(out)));
}

/**
 * Move an already-written temporary file into place (fsync, then rename). Use it when
 * a tool (ffmpeg) wrote the temporary file itself. Refuses a non-regular `file` like
 * `writeFileAtomic`; the caller removes `tmp` on failure.
 */
export function commitTempFile(tmp: string, file: string): void {
  const fd = fs.openSync(tmp, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  assertReplaceableFile(file);
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

/** A file-system refusal (no space, read-only, no permission) as a one-line UserError naming `file`. */
function asUserError(err: unknown, file: string): unknown {
  if (err instanceof UserError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return code && /^E[A-Z]+$/.test(code) ? new UserError(`cannot write ${file} (${code})`) : err; // errno codes, not ERR_* bugs
}
