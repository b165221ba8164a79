/** Run the `spacetime` CLI as a child process in a working folder (for the end-to-end tests). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const BIN = path.resolve(__dirname, '..', 'bin', 'spacetime.js');

/** A `spacetime(...args)` that runs in `cwd` and returns the exit code, stdout and trimmed stderr. */
export function spacetimeIn(cwd: string) {
  return (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
  };
}
