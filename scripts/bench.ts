/**
 * `npm run bench`: every benchmark of the project, one after another in child processes
 * (never two at once: the build machine has 2 cores), then the PyTorch reference model
 * (../shared/bench/reference_dit.py) right next to our model bench, then ours/PyTorch
 * ratios. stdout is one JSON object per line; progress and the children's other output
 * go to stderr, prefixed with the bench's name.
 *
 *   npx tsx scripts/bench.ts [--quick] [--only NAME[,NAME]] [--backends B[,B]] [--pytorch-iters N]
 *   npx tsx scripts/bench.ts --only model,pytorch > bench.jsonl
 *   npx tsx scripts/bench.ts --only onnx      # onnxruntime-node vs native (src/onnx/onnx.bench.ts)
 *
 * Runs every `*.bench.ts` under kernels/ and src/ and `datasets/make.bench.ts`
 * (BENCH_DATA_N=700 with --quick), then PyTorch (when `/usr/bin/python3 -c 'import torch'` works;
 * install: `apt-get install -y python3-torch libopenblas0-openmp`) with the OpenMP
 * OpenBLAS (the default pthread one runs two fighting thread pools, ~3× slower, which
 * would flatter us). Lines it adds to the children's:
 *   {"bench":"meta",…}      the machine, the flags and the plan, first
 *   {"bench":"run",…}       after each child: order, start/end time, exit code, load average, and
 *                           cpu_busy_before: the share of the cores other work used in the second
 *                           before it started (a ratio measured on a busy machine is noise)
 *   {"bench":"model","implementation":"pytorch","case":"train-step"|"forward"|"forward-batch1",…}
 *   {"bench":"pytorch","skipped":"…"}   when PyTorch is not installed
 *   {"bench":"ratio","case","backend","metric","ours","pytorch","ratio",…}  > 1: we are faster
 *   {"bench":"summary","failed":[…]}    last; the exit status is 1 when any child failed
 * In quick mode every child also gets BENCH_QUICK=1 in its environment. PyTorch runs with
 * --threads = the machine's cores (2 here, as many as our native pool) and --batch 8;
 * BENCH_PYTHON overrides /usr/bin/python3.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BenchFile, type BenchOptions, type BenchRecord, LineSplitter, PYTORCH, childArgs, cpuBusyFraction, describeBenchFile,
  isBenchFile, orderBenchFiles, parseBenchArgs, parsePytorchOutput, pytorchRecords, ratioRecords, routeLine, selectBenches,
} from './bench-lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Debian's python (the pyenv one on PATH has no torch). */
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const REFERENCE = path.resolve(ROOT, '../shared/bench/reference_dit.py');
const OPENBLAS_OPENMP = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
/** The reference configuration's batch (issue 3); our model bench uses the same. */
const PYTORCH_BATCH = 8;
const INSTALL_HINT = 'apt-get install -y python3-torch libopenblas0-openmp';

// Runs the reference as its own __main__, then prints the process's peak RSS (kB on Linux),
// so that the PyTorch side reports memory like ours does without changing the shared script.
const PYTHON_WRAPPER = [
  'import resource, runpy, sys',
  'sys.argv = sys.argv[1:]',
  "runpy.run_path(sys.argv[0], run_name='__main__')",
  "print('peak_rss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)",
].join('\n');

const emit = (record: BenchRecord) => process.stdout.write(`${JSON.stringify(record)}\n`);
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

interface ChildResult {
  /** The {"bench":"run"} line: when it ran and how it ended. */
  run: BenchRecord;
  ok: boolean;
  failure: string;
  stdout: string;
  stderr: string;
}

let order = 0;

const readCpuLine = () => {
  try {
    return fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  } catch {
    return '';
  }
};

/** How busy the machine was over the last second, before we start anything (Linux; else null). */
async function cpuBusyNow(): Promise<number | null> {
  const before = readCpuLine();
  await new Promise((r) => setTimeout(r, 1000));
  return cpuBusyFraction(before, readCpuLine());
}

/**
 * Runs one child to the end. JSON lines on its stdout go to our stdout unchanged (and to
 * `onRecord`); its other lines, and all of its stderr, go to our stderr as `[name] line`.
 */
async function runChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, onRecord: (r: BenchRecord) => void): Promise<ChildResult> {
  const busyBefore = await cpuBusyNow();
  const started = new Date();
  const loadBefore = os.loadavg()[0];
  const shown = [command === process.execPath ? 'node' : command, ...args.map((a) => (a.includes('\n') ? '<wrapper>' : a))].join(' ');
  log(`${name}: ${shown}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let spawnError = '';
    const out = new LineSplitter();
    const err = new LineSplitter();
    const handleOut = (line: string) => {
      const routed = routeLine(line);
      if (routed.kind === 'json') {
        process.stdout.write(`${routed.line}\n`);
        onRecord(routed.record);
      } else if (line.trim()) process.stderr.write(`[${name}] ${line}\n`);
    };
    const handleErr = (line: string) => process.stderr.write(`[${name}] ${line}\n`);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      out.push(chunk).forEach(handleOut);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      err.push(chunk).forEach(handleErr);
    });
    child.on('error', (e) => (spawnError = e.message));
    child.on('close', (code, signal) => {
      out.end().forEach(handleOut);
      err.end().forEach(handleErr);
      const ended = new Date();
      const failure = spawnError || (signal ? `killed by ${signal}` : code !== 0 ? `exit ${code}` : '');
      const run: BenchRecord = {
        bench: 'run', name, order: ++order, command: shown,
        started_at: started.toISOString(), ended_at: ended.toISOString(),
        seconds: +((ended.getTime() - started.getTime()) / 1000).toFixed(1),
        exit_code: code, ...(signal ? { signal } : {}), ...(spawnError ? { error: spawnError } : {}),
        cpu_busy_before: busyBefore, loadavg_1m_before: +loadBefore.toFixed(2), loadavg_1m_after: +os.loadavg()[0].toFixed(2),
      };
      resolve({ run, ok: !failure, failure, stdout, stderr });
    });
  });
}

/** Every bench file under kernels/ and src/, datasets/make.bench.ts and eval/score.bench.ts, relative to ROOT. */
function findBenchFiles(): BenchFile[] {
  const found: string[] = [];
  for (const dir of ['kernels', 'base', 'datasets', 'src', 'eval', 'app']) {
    if (!fs.existsSync(path.join(ROOT, dir))) continue;
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      const file = path.join(dir, entry);
      if (isBenchFile(file)) found.push(file);
    }
  }
  return orderBenchFiles(found.map(describeBenchFile));
}

/** Why PyTorch cannot run here, or null when it can. */
function pytorchUnavailable(env: NodeJS.ProcessEnv): string | null {
  if (!fs.existsSync(REFERENCE)) return `reference model not found at ${REFERENCE}`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { env, encoding: 'utf8', timeout: 120_000 });
  if (probe.error) return `cannot run ${PYTHON} (${probe.error.message}); install: ${INSTALL_HINT}`;
  if (probe.status !== 0) {
    const last = probe.stderr.trim().split('\n').pop() ?? `exit ${probe.status}`;
    return `${PYTHON} -c 'import torch' failed (${last}); install: ${INSTALL_HINT}`;
  }
  return null;
}

/** PyTorch's environment: the OpenMP OpenBLAS, which also prints the kernel set it picked. */
function pytorchEnv(): { env: NodeJS.ProcessEnv; blas: string } {
  const verbose = { ...process.env, OPENBLAS_VERBOSE: '2' };
  if (!fs.existsSync(OPENBLAS_OPENMP)) {
    log(`${OPENBLAS_OPENMP} missing: PyTorch will use the default BLAS, typically ~3× slower here (install libopenblas0-openmp)`);
    return { env: verbose, blas: 'default' };
  }
  const ld = [OPENBLAS_OPENMP, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { env: { ...verbose, LD_LIBRARY_PATH: ld }, blas: 'openblas-openmp' };
}

async function main(options: BenchOptions): Promise<number> {
  const startedAt = new Date();
  const selected = selectBenches(findBenchFiles(), options.only);
  const model = selected.files.find((f) => f.name === 'model');
  const others = selected.files.filter((f) => f !== model);
  const iters = options.pytorchIters ?? (options.quick ? 2 : 10);
  const plan = [...others.map((f) => f.name), ...(selected.pytorch ? [PYTORCH] : []), ...(model ? [model.name] : [])];
  emit({
    bench: 'meta', started_at: startedAt.toISOString(), node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(), quick: options.quick, only: options.only, backends: options.backends, plan,
  });

  const env: NodeJS.ProcessEnv = options.quick ? { ...process.env, BENCH_QUICK: '1', BENCH_DATA_N: process.env.BENCH_DATA_N ?? '700' } : process.env;
  const records: BenchRecord[] = [];
  const runs = new Map<string, BenchRecord>();
  const failed: string[] = [];
  const runBench = async (bench: BenchFile) => {
    const args = childArgs(fs.readFileSync(path.join(ROOT, bench.file), 'utf8'), options);
    const result = await runChild(bench.name, process.execPath, ['--import', 'tsx', bench.file, ...args], env, (r) => records.push(r));
    emit(result.run);
    runs.set(bench.name, result.run);
    if (!result.ok) failed.push(`${bench.name} (${bench.file}: ${result.failure})`);
  };

  for (const bench of others) await runBench(bench);

  // PyTorch and our model bench back to back, so both see the same machine.
  if (selected.pytorch) {
    const { env: torchEnv, blas } = pytorchEnv();
    const why = pytorchUnavailable(torchEnv);
    if (why) {
      emit({ bench: PYTORCH, skipped: why });
      log(`PyTorch skipped: ${why}`);
    } else {
      const threads = os.availableParallelism();
      const args = ['-c', PYTHON_WRAPPER, REFERENCE, '--threads', String(threads), '--batch', String(PYTORCH_BATCH), '--iters', String(iters)];
      const result = await runChild(PYTORCH, PYTHON, args, torchEnv, () => {});
      emit(result.run);
      runs.set(PYTORCH, result.run);
      if (!result.ok) failed.push(`${PYTORCH} (${REFERENCE}: ${result.failure})`);
      else {
        try {
          const lines = pytorchRecords(parsePytorchOutput(`${result.stdout}\n${result.stderr}`), { blas, iters, ...(options.quick ? { quick: true } : {}) });
          lines.forEach(emit);
          records.push(...lines);
        } catch (e) {
          failed.push(`${PYTORCH} (unreadable output: ${(e as Error).message.split('\n')[0]})`);
        }
      }
    }
  }
  if (model) await runBench(model);

  const ours = model && runs.get(model.name);
  const theirs = runs.get(PYTORCH);
  if (ours && theirs) {
    const when = {
      order: [...runs.keys()].filter((n) => n === PYTORCH || n === model.name).join(' then '),
      pytorch_started_at: theirs.started_at, ours_started_at: ours.started_at,
      pytorch_cpu_busy_before: theirs.cpu_busy_before, ours_cpu_busy_before: ours.cpu_busy_before,
      ...(options.quick ? { quick: true } : {}),
    };
    ratioRecords(records, when).forEach(emit);
  }

  const seconds = +((Date.now() - startedAt.getTime()) / 1000).toFixed(1);
  emit({ bench: 'summary', ran: [...runs.keys()], failed, seconds });
  if (failed.length) log(`${failed.length} failed: ${failed.join('; ')}`);
  return failed.length ? 1 : 0;
}

let options: BenchOptions;
try {
  options = parseBenchArgs(process.argv.slice(2));
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
main(options).then(
  (code) => (process.exitCode = code),
  (e: Error) => {
    console.error(`bench: ${e.message}`);
    process.exitCode = 2;
  },
);
