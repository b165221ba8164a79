/** Where a run's code came from: package.json's version and the git commit, when there is one. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findPackageRoot } from '../../kernels/native/index.js';

export interface CodeVersion {
  version: string;
  commit: string | null;
  /** True when the working tree had uncommitted changes to tracked files. */
  dirty?: boolean;
}

export function codeVersion(): CodeVersion {
  const root = findPackageRoot() ?? process.cwd(); // above the running script, else this code, else the working folder
  let version = 'unknown';
  try {
    version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    // not inside the package: leave it unknown
  }
  const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8', timeout: 10_000 });
  const head = git('rev-parse', 'HEAD');
  if (head.status !== 0) return { version, commit: null };
  const status = git('status', '--porcelain', '--untracked-files=no');
  return { version, commit: head.stdout.trim(), dirty: status.status === 0 ? status.stdout.trim() !== '' : undefined };
}
