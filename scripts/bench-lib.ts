/**
 * The pure parts of `npm run bench` (scripts/bench.ts), kept here so they can be tested
 * without running a benchmark: flag parsing, naming and selecting the bench files,
 * splitting a child's output into JSON lines and other lines, reading the PyTorch
 * reference's text output, and the ours/PyTorch ratios.
 *
 * Example:
 *   const result = parsePytorchOutput(text);          // from ../shared/bench/reference_dit.py
 *   const lines = pytorchRecords(result, { blas: 'openblas-openmp' });
 *   const ratios = ratioRecords([...ourModelLines, ...lines]);
 */
import path from 'node:path';

/** One JSON object printed by a benchmark: one line of `npm run bench` output. */
export type BenchRecord = Record<string, unknown>;

// ---------------------------------------------------------------- flags

export interface BenchOptions {
  /** Fewer iterations everywhere: a smoke test, not a measurement. */
  quick: boolean;
  /** Names from `--only` (bench names, folders, or `pytorch`); null runs everything. */
  only: string[] | null;
  /** `--backends`, forwarded to the children that take it; null leaves their default. */
  backends: string[] | null;
  /** `--pytorch-iters`: timed iterations of the PyTorch reference (null: 10, or 2 when quick). */
  pytorchIters: number | null;
}

export const BENCH_USAGE = `usage: npm run bench -- [--quick] [--only NAME[,NAME]] [--backends B[,B]] [--pytorch-iters N]
  --quick           fewer iterations everywhere (a smoke test; the numbers are not comparable)
  --only NAMES      run a subset: a bench name (gemm, attention, patch-embed, data, model, ...),
                    a folder (kernels, datasets), or pytorch
  --backends LIST   forwarded to the benches that take --backends (e.g. native,wasm)
  --pytorch-iters N timed iterations of the PyTorch reference (default 10; 2 with --quick)`;

const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);

/** Parses the bench script's own flags; throws with the usage on anything it does not know. */
export function parseBenchArgs(argv: string[]): BenchOptions {
  const options: BenchOptions = { quick: false, only: null, backends: null, pytorchIters: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '' || (inline === undefined && v.startsWith('--'))) throw new Error(`${name} needs a value\n${BENCH_USAGE}`);
      return v;
    };
    if (name === '--quick') options.quick = true;
    else if (name === '--only') options.only = list(value());
    else if (name === '--backends') options.backends = list(value());
    else if (name === '--pytorch-iters') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`--pytorch-iters must be a positive integer\n${BENCH_USAGE}`);
      options.pytorchIters = n;
    } else if (name === '--help' || name === '-h') throw new Error(BENCH_USAGE);
    else throw new Error(`unknown argument ${arg}\n${BENCH_USAGE}`);
  }
  return options;
}

// ---------------------------------------------------------------- which benches

/** A `*.bench.ts` file and the names `--only` can select it by. */
export interface BenchFile {
  /** Path relative to the repository root, with forward slashes. */
  file: string;
  /** The short name shown in logs: `gemm`, `attention`, `data`, `model`, … */
  name: string;
  /** Every name that selects it: its own name, the file's base name and its folders. */
  tags: string[];
}

// Names a reader would type for files whose base name says less than their folder.
const NAME_BY_FILE: Record<string, string> = {
  'datasets/make.bench.ts': 'data',
  'src/model/dit.bench.ts': 'model',
};

/**
 * Names a bench file. `kernels/attention/attention.bench.ts` → name `attention`, tags
 * [attention, kernels]; `src/model/dit.bench.ts` → name `model`, tags [model, dit].
 */
export function describeBenchFile(file: string): BenchFile {
  const posix = file.split(path.sep).join('/');
  const base = path.posix.basename(posix, '.bench.ts');
  const folders = path.posix.dirname(posix).split('/').filter((f) => f !== '.' && f !== 'src' && f !== 'base' && f !== 'app');
  const name = NAME_BY_FILE[posix] ?? base;
  return { file: posix, name, tags: [...new Set([name, base, ...folders])] };
}

/** Whether a relative path is one of the benches `npm run bench` runs. */
export function isBenchFile(file: string): boolean {
  const posix = file.split(path.sep).join('/');
  if (posix.split('/').includes('node_modules')) return false;
  return posix === 'datasets/make.bench.ts' || posix === 'eval/score.bench.ts' || /^(kernels|base|src|app)\/.*\.bench\.ts$/.test(posix);
}

/** Run order: kernels, then data, then the rest (the model bench goes last, next to PyTorch). */
export function orderBenchFiles(files: BenchFile[]): BenchFile[] {
  const rank = (f: BenchFile) => (f.file.startsWith('kernels/') ? 0 : f.file.startsWith('datasets/') ? 1 : f.name === 'model' ? 3 : 2);
  return [...files].sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file));
}

/** The name `--only` uses for the PyTorch reference. */
export const PYTORCH = 'pytorch';

/**
 * Applies `--only`. Throws when a name matches nothing, listing what exists, so that a
 * typo does not silently run an empty bench.
 */
export function selectBenches(files: BenchFile[], only: string[] | null): { files: BenchFile[]; pytorch: boolean } {
  if (!only) return { files, pytorch: true };
  const known = new Set([PYTORCH, ...files.flatMap((f) => f.tags)]);
  const unknown = only.filter((n) => !known.has(n));
  if (unknown.length) throw new Error(`--only: no bench named ${unknown.join(', ')} (known: ${[...known].sort().join(', ')})`);
  return { files: files.filter((f) => f.tags.some((t) => only.includes(t))), pytorch: only.includes(PYTORCH) };
}

/**
 * The flags a child bench is given, from what its source reads (`flag('name')` or a
 * literal '--name'): `--backends` to those that take it, and in quick mode `--quick`,
 * `--reps 3` or `--seconds 0.3` to those that take them. The benches ignore flags they do
 * not know, but passing only what a bench reads keeps its command line honest in the log.
 */
export function childArgs(source: string, options: Pick<BenchOptions, 'quick' | 'backends'>): string[] {
  const q = `['"\`]`;
  const reads = (flag: string) => new RegExp(`flag\\(\\s*${q}${flag}${q}\\s*\\)|${q}--${flag}${q}`).test(source);
  const args: string[] = [];
  if (options.backends && reads('backends')) args.push('--backends', options.backends.join(','));
  if (options.quick) {
    if (reads('quick')) args.push('--quick');
    if (reads('reps')) args.push('--reps', '3');
    if (reads('seconds')) args.push('--seconds', '0.3');
  }
  return args;
}

// ---------------------------------------------------------------- a child's output

/**
 * Splits a stream of text chunks into whole lines (a chunk may end mid-line).
 * `push` returns the lines a chunk completed; `end` returns what is left.
 */
export class LineSplitter {
  private rest = '';

  push(chunk: string): string[] {
    const lines = (this.rest + chunk).split('\n');
    this.rest = lines.pop() ?? '';
    return lines.map(stripCarriageReturn);
  }

  end(): string[] {
    const last = stripCarriageReturn(this.rest);
    this.rest = '';
    return last ? [last] : [];
  }
}

const stripCarriageReturn = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);

/** The object a line holds when the whole line is one JSON object, else null. */
export function parseJsonLine(line: string): BenchRecord | null {
  const text = line.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as BenchRecord) : null;
  } catch {
    return null;
  }
}

/** Where one line of a child's stdout goes: JSON objects to stdout unchanged, the rest to stderr. */
export type RoutedLine = { kind: 'json'; line: string; record: BenchRecord } | { kind: 'text'; line: string };

export function routeLine(line: string): RoutedLine {
  const record = parseJsonLine(line);
  return record ? { kind: 'json', line, record } : { kind: 'text', line };
}

// ---------------------------------------------------------------- how busy the machine is

/**
 * The fraction of all cores that were busy between two readings of /proc/stat's first
 * line (`cpu  user nice system idle iowait irq softirq steal …`, in ticks), or null when
 * either reading is not such a line. Read just before a child starts, it says how much
 * of the machine other work was using: on a shared 2-core machine a ratio measured at
 * 0.5 busy is not worth quoting.
 */
export function cpuBusyFraction(before: string, after: string): number | null {
  const ticks = (line: string) => {
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== 'cpu' || fields.length < 5) return null;
    const n = fields.slice(1, 9).map(Number);
    const idle = n[3] + (n[4] ?? 0);
    return { total: n.reduce((a, b) => a + b, 0), idle };
  };
  const [a, b] = [ticks(before), ticks(after)];
  if (!a || !b || b.total <= a.total) return null;
  return +(1 - (b.idle - a.idle) / (b.total - a.total)).toFixed(2);
}

// ---------------------------------------------------------------- the PyTorch reference

/** What ../shared/bench/reference_dit.py prints, as numbers. */
export interface PytorchResult {
  torch: string;
  threads: number;
  batch: number;
  params: number;
  /** Matrix-product FLOPs of one forward pass of one sample, in GFLOP. */
  forwardGflopPerSample: number;
  trainStep: { ms: number; samplesPerS: number; gflops: number };
  forward: { batch: number; ms: number; samplesPerS: number; gflops: number };
  forwardBatch1: { latencyMs: number; gflops: number };
  /** Peak resident memory in MB, when the bench's wrapper printed `peak_rss_kb N`. */
  peakRssMb: number | null;
  /** The kernel set OpenBLAS chose (`Core: Haswell`, printed with OPENBLAS_VERBOSE=2). */
  blasCore: string | null;
}

const NUM = '([0-9]+(?:\\.[0-9]+)?)';

function match(text: string, pattern: RegExp, what: string): RegExpMatchArray {
  const m = text.match(pattern);
  if (!m) throw new Error(`PyTorch reference output has no ${what} line (pattern ${pattern}); output was:\n${text}`);
  return m;
}

/**
 * Reads the reference's text output (its stdout, then optionally its stderr for the
 * OpenBLAS core line); throws naming the line it could not find.
 */
export function parsePytorchOutput(text: string): PytorchResult {
  const head = match(text, /^torch (\S+) threads=(\d+) batch=(\d+)/m, 'torch version');
  const params = match(text, new RegExp(`^params ([0-9,]+)\\s+forward matmul FLOPs/sample ${NUM} G`, 'm'), 'params');
  const train = match(text, new RegExp(`^train step .*: ${NUM} ms\\s+-> ${NUM} samples/s, ${NUM} GFLOP/s`, 'm'), 'train step');
  const forward = match(text, new RegExp(`^forward no_grad batch (\\d+): ${NUM} ms -> ${NUM} samples/s, ${NUM} GFLOP/s`, 'm'), 'forward');
  const batch1 = match(text, new RegExp(`^forward no_grad batch 1: ${NUM} ms latency, ${NUM} GFLOP/s`, 'm'), 'forward batch 1');
  const rss = text.match(/^peak_rss_kb (\d+)/m);
  const core = text.match(/^Core: (\S+)/m);
  return {
    torch: head[1],
    threads: Number(head[2]),
    batch: Number(head[3]),
    params: Number(params[1].replaceAll(',', '')),
    forwardGflopPerSample: Number(params[2]),
    trainStep: { ms: Number(train[1]), samplesPerS: Number(train[2]), gflops: Number(train[3]) },
    forward: { batch: Number(forward[1]), ms: Number(forward[2]), samplesPerS: Number(forward[3]), gflops: Number(forward[4]) },
    forwardBatch1: { latencyMs: Number(batch1[1]), gflops: Number(batch1[2]) },
    peakRssMb: rss ? +(Number(rss[1]) / 1024).toFixed(1) : null,
    blasCore: core ? core[1] : null,
  };
}

/**
 * The reference's numbers as model lines, in the same shape as our model bench's
 * ({bench: 'model', case: 'train-step' | 'forward' | 'forward-batch1', …}).
 */
export function pytorchRecords(r: PytorchResult, extra: BenchRecord = {}): BenchRecord[] {
  const common = {
    bench: 'model', implementation: PYTORCH, torch: r.torch, threads: r.threads,
    params: r.params, forward_gflop_per_sample: r.forwardGflopPerSample,
    ...(r.peakRssMb !== null ? { peak_rss_mb: r.peakRssMb } : {}),
    ...(r.blasCore !== null ? { blas_core: r.blasCore } : {}), ...extra,
  };
  return [
    { ...common, case: 'train-step', batch: r.batch, samples_per_s: r.trainStep.samplesPerS, ms: r.trainStep.ms, gflops: r.trainStep.gflops },
    { ...common, case: 'forward', batch: r.forward.batch, samples_per_s: r.forward.samplesPerS, ms: r.forward.ms, gflops: r.forward.gflops },
    { ...common, case: 'forward-batch1', batch: 1, latency_ms: r.forwardBatch1.latencyMs, gflops: r.forwardBatch1.gflops },
  ];
}

// ---------------------------------------------------------------- ratios

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/**
 * One ratio line per model case and backend present on both sides. For throughput,
 * ratio = ours / PyTorch; for latency, ratio = PyTorch / ours. Either way > 1 means we
 * are faster. When a side printed a case twice, its last line counts.
 */
export function ratioRecords(records: BenchRecord[], extra: BenchRecord = {}): BenchRecord[] {
  const models = records.filter((r) => r.bench === 'model' && typeof r.case === 'string');
  const pytorch = new Map<string, BenchRecord>();
  for (const r of models) if (r.implementation === PYTORCH) pytorch.set(r.case as string, r);
  const ours = new Map<string, BenchRecord>();
  for (const r of models) if (r.implementation !== PYTORCH) ours.set(`${r.case}\u0000${String(r.backend ?? 'unknown')}`, r);

  const out: BenchRecord[] = [];
  for (const o of ours.values()) {
    const p = pytorch.get(o.case as string);
    if (!p) continue;
    const metric = isNumber(o.latency_ms) && isNumber(p.latency_ms) ? 'latency_ms' : isNumber(o.samples_per_s) && isNumber(p.samples_per_s) ? 'samples_per_s' : null;
    if (!metric) continue;
    const [x, y] = [o[metric] as number, p[metric] as number];
    const ratio = metric === 'latency_ms' ? y / x : x / y;
    out.push({
      bench: 'ratio', case: o.case, backend: o.backend ?? 'unknown', metric, ours: x, pytorch: y, ratio: +ratio.toFixed(3),
      ...(o.batch !== undefined && o.batch === p.batch ? { batch: o.batch } : { batch_ours: o.batch ?? null, batch_pytorch: p.batch ?? null }),
      ...extra,
    });
  }
  return out;
}
