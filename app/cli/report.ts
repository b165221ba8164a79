/** `spacetime report DIR [DIR…]`: thin — flags → writeReport() (eval/report/report.ts). */
import { UserError } from '../../base/errors.js';
import { writeReport } from '../../eval/report/report.js';
import { parseArgs } from '../../base/args.js';

const HELP = `spacetime report DIR [MORE_DIRS…]

Writes DIR/report.html (self-contained: plotly and the videos inlined, opens offline) and
DIR/report.md for the evaluation run in DIR: scores per category, an ID vs OOD vs combo table,
a failure gallery (worst videos, the violated rules, generated trajectories over the true ones)
and the run's provenance. The split table uses the runs of the same source beside DIR (same
parent folder), or the folders given after DIR.`;

export async function runReport(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv, { help: 'boolean' }, { max: Infinity });
  } catch (err) {
    if (err instanceof UserError) throw new UserError(err.message, 1);
    throw err;
  }
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  if (parsed.positional.length === 0) throw new UserError('expected a run folder: spacetime report DIR', 1);
  const { html, markdown, runs } = writeReport(parsed.positional);
  console.log(`wrote ${html} and ${markdown} (${runs} run${runs > 1 ? 's' : ''})`);
  return 0;
}
