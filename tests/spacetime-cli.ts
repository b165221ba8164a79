/** Run the `spacetime` CLI for the end-to-end tests: as a child process in a working folder, or in this process. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { vi } from 'vitest';
import { main } from '../app/cli/main.js';

const BIN = path.resolve(__dirname, '..', 'bin', 'spacetime.js');

/** A `spacetime(...args)` that runs in `cwd` and returns the exit code, stdout and trimmed stderr. */
export function spacetimeIn(cwd: string) {
  return (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
  };
}

/**
 * The CLI's `main` in this process (the models and backend already loaded stay loaded): its
 * exit code, the lines it logged, and the lines it printed as errors (`err.at(-1)` is the one-line error).
 */
export async function spacetimeHere(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const [out, err] = [[] as string[], [] as string[]];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
  const error = vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
  try {
    return { code: await main(argv), out, err };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}
