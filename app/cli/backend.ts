/** `spacetime backend`: which compute backend would run, and why the faster ones would not. */
import { BACKEND_NAMES, useBackend } from '../../base/compute/backend.js';
import { parseArgs } from '../../base/args.js';

const HELP = `spacetime backend [--backend NAME]

Resolves the compute backend (order: ${BACKEND_NAMES.join(', ')}) and prints which one
runs and why each faster one was skipped. --backend or SPACETIME_BACKEND forces one.`;

export async function runBackend(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, { backend: 'string', help: 'boolean' });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const choice = await useBackend({ requested: flags.backend });
  console.log(`backend: ${choice.name} (${choice.reason})`);
  for (const s of choice.skipped) console.log(`  skipped ${s.name}: ${s.reason}`);
  if (choice.name === 'native') {
    const { describeNative } = await import('../../kernels/native/index.js');
    console.log(`  ${describeNative()}`);
  }
  return 0;
}
