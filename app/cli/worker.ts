/** `spacetime worker`: thin — flags → startWorker() (app/sweep/worker.ts), until Ctrl-C. */
import { WORKER_DEFAULTS, startWorker } from '../sweep/worker.js';
import { parseArgs, required } from '../../base/args.js';

const HELP = `spacetime worker --redis redis://HOST:6379 [--concurrency ${WORKER_DEFAULTS.concurrency}]
    [--lock-ms ${WORKER_DEFAULTS.lockMs}] [--stalled-ms LOCK/2] [--max-stalls ${WORKER_DEFAULTS.maxStalls}]

Runs sweep jobs (spacetime sweep FILE --out DIR) from the queue on that Redis, up to
--concurrency at a time, each as \`node bin/spacetime.js ARGV\` in this repository's root; output
goes to the sweep folder, which must be the same path on every worker's machine (NFS).
A job whose worker dies is run again by another worker about --lock-ms after (its lock
expires; --stalled-ms is how often workers look); after --max-stalls deaths it fails.
A command that exits non-zero fails once, its stderr kept (spacetime sweep status DIR).
Ctrl-C: stop taking jobs and finish the running ones; a second Ctrl-C leaves them at once
(their commands are killed, and the jobs go to another worker).`;

export async function runWorkerCommand(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, {
    redis: 'string',
    concurrency: 'int',
    'lock-ms': 'int',
    'stalled-ms': 'int',
    'max-stalls': 'int',
    help: 'boolean',
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const worker = await startWorker({
    redis: required(flags.redis, 'redis'),
    concurrency: flags.concurrency,
    lockMs: flags['lock-ms'],
    stalledMs: flags['stalled-ms'],
    maxStalls: flags['max-stalls'],
  });
  console.log(`worker ${worker.id}: taking sweep jobs (concurrency ${flags.concurrency ?? WORKER_DEFAULTS.concurrency}); Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) process.exit(130); // children die with us (pdeathsig); their jobs are retried
      stopping = true;
      console.log(`worker ${worker.id}: finishing running jobs (Ctrl-C again to leave them to another worker)`);
      worker.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
