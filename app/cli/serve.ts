/** `spacetime serve --runs DIR`: thin — flags → startServer(); runs until interrupted. */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import { findPackageRoot } from '../../kernels/native/index.js';
import type { Checkpoint } from '../server/queue.js';
import { parseArgs, required } from '../../base/args.js';

/** The shipped model's folder (src/model/model-folder.ts's DEFAULT_MODEL_DIR; not imported, as that module loads tfjs: seconds of start-up). */
const SHIPPED_MODEL = path.join('models', 'default');

const HELP = `usage: spacetime serve --runs DIR [--port 8080] [--host 127.0.0.1] [--votes FILE] [--checkpoints A,B]

The comparison server: every folder under DIR holding a run.json (written by spacetime eval)
is a run. Pages: the runs, side by side with the truth, blind A/B votes and their
leaderboard, generate on demand. A JSON API behind all of them (README: Comparison server).

  --runs DIR          the evaluation runs to serve (new ones appear without a restart)
  --port N            default 8080 (0: any free port)
  --host H            default 127.0.0.1 (loopback only); 0.0.0.0 serves the network
  --votes FILE        SQLite file of the blind votes; default DIR/votes.sqlite
  --checkpoints A,B   checkpoints or model folders to generate from; default models/default when shipped`;

export async function runServe(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, { runs: 'string', port: 'int', host: 'string', votes: 'string', checkpoints: 'string', help: 'boolean' });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  if (positional.length) throw new UserError(`unexpected argument "${positional[0]}" (spacetime serve --help)`);
  const runsDir = required(flags.runs, 'runs');
  if (!fs.existsSync(runsDir) || !fs.statSync(runsDir).isDirectory()) throw new UserError(`--runs ${runsDir}: no such folder`);
  const port = flags.port ?? 8080;
  if (port < 0 || port > 65535) throw new UserError(`--port must be in [0, 65535], got ${port}`);
  const { startServer } = await import('../server/app.js');
  const server = await startServer({ runsDir, port, host: flags.host, votesFile: flags.votes, checkpoints: checkpointList(flags.checkpoints) }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new UserError(`port ${port} is in use (pick another with --port)`);
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') throw new UserError(`cannot listen on --host ${flags.host}`);
    throw err;
  });
  console.log(`serving ${server.runs.list().length} runs from ${runsDir} at ${server.url}  (votes: ${server.votes.file}; Ctrl-C stops)`);
  await new Promise<void>((resolve) => {
    const stop = () => void server.stop().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

/** --checkpoints A,B, or the shipped model when there is one. */
function checkpointList(flag: string | undefined): Checkpoint[] {
  const paths = flag ? flag.split(',').filter(Boolean) : [path.join(findPackageRoot() ?? '.', SHIPPED_MODEL)].filter((p) => fs.existsSync(p));
  for (const p of paths) if (!fs.existsSync(p)) throw new UserError(`--checkpoints: ${p} not found`);
  return paths.map((p, k) => ({ id: k === 0 && !flag ? 'default' : `ckpt-${k + 1}`, label: flag ? p : SHIPPED_MODEL, path: p }));
}
