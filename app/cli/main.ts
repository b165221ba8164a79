/**
 * `spacetime` — the command-line entry point. Each subcommand lives in its own module
 * and is a thin layer over functions that notebooks, tests and the server call too.
 */
import { UserError, describeError } from '../../base/errors.js';

interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  backend: {
    summary: 'show the compute backend that would run, and why',
    run: async (argv) => (await import('./backend.js')).runBackend(argv),
  },
  train: {
    summary: 'train the text-conditioned diffusion transformer on a dataset',
    run: async (argv) => (await import('./train.js')).runTrain(argv),
  },
  vae: {
    summary: 'the video autoencoder of latent mode: train, ship, roundtrip, info',
    run: async (argv) => (await import('./vae.js')).runVae(argv),
  },
  generate: {
    summary: 'generate a video from a prompt',
    run: async (argv) => (await import('./generate.js')).runGenerate(argv),
  },
  model: {
    summary: 'model info (presets), ship (a run as a model folder), check (the quality check), probe, export-onnx',
    run: async (argv) => (await import('./model.js')).runModel(argv),
  },
  serve: {
    summary: 'the comparison server: runs side by side, blind A/B votes, generate on demand',
    run: async (argv) => (await import('./serve.js')).runServe(argv),
  },
  data: {
    summary: 'make, export, import and preview synthetic physics datasets',
    run: async (argv) => (await import('./data.js')).runData(argv),
  },
  eval: {
    summary: 'score a checkpoint or a folder of videos on an evaluation suite',
    run: async (argv) => (await import('./eval.js')).runEvalCommand(argv),
  },
  report: {
    summary: 'write report.html and report.md for evaluation runs',
    run: async (argv) => (await import('./report.js')).runReport(argv),
  },
  sweep: {
    summary: 'submit a sweep of independent jobs to Redis (--wait for them), or show its status',
    run: async (argv) => (await import('./sweep.js')).runSweep(argv),
  },
  verify: {
    summary: "check a generated file's signed C2PA manifest and print its provenance",
    run: async (argv) => (await import('./verify.js')).runVerify(argv),
  },
  worker: {
    summary: 'run sweep jobs from Redis, here; start one on each machine',
    run: async (argv) => (await import('./worker.js')).runWorkerCommand(argv),
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return [
    'spacetime — a research workbench for text-to-video diffusion over spacetime patches',
    '',
    'usage: spacetime <command> [options]     (spacetime <command> --help for details)',
    '',
    'commands:',
    ...lines,
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  try {
    if (!command) throw new UserError(`unknown command "${name}" (run spacetime --help)`);
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UserError) {
      console.error(`spacetime: ${err.message}`);
      return err.exitCode;
    }
    console.error(`spacetime: internal error: ${explainInternalError(err)}`);
    if (process.env.SPACETIME_DEBUG) console.error(err);
    return 70;
  }
}

/**
 * An unexpected error's one line. The wasm backend's abort names nothing ("Aborted(). Build with
 * -sASSERTIONS…"); what causes it here is its heap running out, so say that and what to lower.
 */
export function explainInternalError(err: unknown): string {
  const line = describeError(err);
  if (/^Aborted\(/.test(line)) return 'the wasm backend aborted, most likely out of its 4 GB heap: lower --batch-size (or run fewer videos at once)';
  return line;
}
