/**
 * Which spacetime commands a sweep job may run, and where each writes its output inside the
 * sweep folder. The sweep file gives a command without an output; the worker adds it:
 *
 *   train …            --out DIR/NAME              (a run folder; a retry resumes from its checkpoint)
 *   eval …             --out DIR/NAME              (an eval run folder, written atomically)
 *   generate "P" …     --out DIR/NAME/video.mp4    (one folder per job, like the others)
 *   data make|export|import|sample … --out DIR/NAME
 *
 *   jobArgv(['eval', '--suite', 'smoke'], '/sweeps/g', 'g3')
 *   // ['eval', '--suite', 'smoke', '--out', '/sweeps/g/g3']
 */
import path from 'node:path';

/** The commands a sweep job may run (spacetime's own first argv element). */
export const SWEEP_COMMANDS = ['train', 'eval', 'generate', 'data'] as const;
export type SweepCommand = (typeof SWEEP_COMMANDS)[number];

/** `data`'s subcommands that write an --out folder. */
export const DATA_SUBCOMMANDS = ['make', 'export', 'import', 'sample'] as const;

/** The video a generate job writes, inside its job folder. */
export const GENERATE_VIDEO_FILE = 'video.mp4';

/** Flags a sweep command must not carry: the worker decides where output goes. */
const FORBIDDEN_FLAGS: Record<string, string> = {
  out: 'the worker adds --out DIR/NAME itself',
  export: 'eval --export writes a suite, not an evaluation run; export it once by hand',
  help: 'a job must do work',
};

/** Why this command cannot be a sweep job, or null when it can. */
export function commandProblem(command: string[]): string | null {
  const [name, sub] = command;
  if (!(SWEEP_COMMANDS as readonly string[]).includes(name)) {
    return `command must start with one of ${SWEEP_COMMANDS.join(', ')}, got "${name}"`;
  }
  if (name === 'data' && !(DATA_SUBCOMMANDS as readonly string[]).includes(sub)) {
    return `"data" must be followed by one of ${DATA_SUBCOMMANDS.join(', ')}, got ${sub === undefined ? 'nothing' : `"${sub}"`}`;
  }
  for (const token of command) {
    const flag = /^--([^=]+)/.exec(token)?.[1];
    if (flag !== undefined && flag in FORBIDDEN_FLAGS) return `command must not pass --${flag} (${FORBIDDEN_FLAGS[flag]})`;
  }
  return null;
}

/** The job's output: a folder for every command (generate's video sits inside it). */
export function jobOutputDir(sweepDir: string, name: string): string {
  return path.join(sweepDir, name);
}

/** The argv the worker runs: the job's command plus its output flag. */
export function jobArgv(command: string[], sweepDir: string, name: string): string[] {
  const dir = jobOutputDir(sweepDir, name);
  const out = command[0] === 'generate' ? path.join(dir, GENERATE_VIDEO_FILE) : dir;
  return [...command, '--out', out];
}

/** What a worker does with output left by an attempt that did not finish (a killed worker). */
export type Leftover = 'keep' | 'resume' | 'remove';

/**
 * train resumes from its latest checkpoint when one was written (`--resume`), otherwise it
 * restarts; data make skips its finished shards by itself; the others start clean.
 */
export function leftoverPolicy(command: string[], hasCheckpoint: boolean): Leftover {
  if (command[0] === 'train') return hasCheckpoint ? 'resume' : 'remove';
  if (command[0] === 'data' && command[1] === 'make') return 'keep';
  return 'remove';
}

/** A train command continuing its own run: `--resume` instead of `--init CHECKPOINT`. */
export function resumeCommand(command: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < command.length; i++) {
    const token = command[i];
    if (token === '--resume' || token.startsWith('--init=')) continue;
    if (token === '--init') {
      i++; // and its value
      continue;
    }
    out.push(token);
  }
  return [...out, '--resume'];
}
