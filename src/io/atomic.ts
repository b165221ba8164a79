/**
 * Atomic file writes: everything a user keeps is written to a temporary file in the
 * same folder, fsync'd, then renamed into place, so a crash or a bad input never
 * leaves a half-written file under the final name.
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

/** Create `dir` (and parents), or fail with a one-line error naming it. */
export function ensureWritableDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new UserError(`cannot write to folder ${dir} (${code})`);
  }
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

/** Write `data` to `file` atomically (temp file, fsync, rename). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  ensureWritableDir(path.dirname(file));
  const tmp = tempPathFor(file);
  try {
    writeFileSynced(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(path.dirname(file));
}

/**
 * Move an already-written temporary file into place (fsync, then rename). Use it when
 * a tool (ffmpeg) wrote the temporary file itself.
 */
export function commitTempFile(tmp: string, file: string): void {
  const fd = fs.openSync(tmp, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}
