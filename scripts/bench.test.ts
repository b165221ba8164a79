import { describe, expect, it } from 'vitest';
import {
  LineSplitter, childArgs, cpuBusyFraction, describeBenchFile, isBenchFile, orderBenchFiles, parseBenchArgs, parseJsonLine,
  parsePytorchOutput, pytorchRecords, ratioRecords, routeLine, selectBenches,
} from './bench-lib.js';

// The first of three runs of `npx tsx scripts/bench.ts --only pytorch` on the 2-core build
// machine (AMD EPYC, Debian python3-torch, OpenMP OpenBLAS): the reference's stdout, the
// peak RSS line bench.ts's wrapper adds, then stderr (OpenBLAS's core, from OPENBLAS_VERBOSE=2).
const PYTORCH_OUTPUT = `torch 1.13.0a0 threads=2 batch=8
params 4,270,368  forward matmul FLOPs/sample 1.6829 G  (+~0.0330 G elementwise)
train step (fwd+bwd+AdamW) batch 8: 677.3 ms  -> 11.81 samples/s, 59.6 GFLOP/s (3x fwd matmul FLOPs)
forward no_grad batch 8: 123.1 ms -> 64.99 samples/s, 109.4 GFLOP/s
forward no_grad batch 1: 17.20 ms latency, 97.8 GFLOP/s
peak_rss_kb 770484

Core: Haswell
`;

describe('parsePytorchOutput', () => {
  it('reads every number of the reference output', () => {
    expect(parsePytorchOutput(PYTORCH_OUTPUT)).toEqual({
      torch: '1.13.0a0', threads: 2, batch: 8, params: 4_270_368, forwardGflopPerSample: 1.6829,
      trainStep: { ms: 677.3, samplesPerS: 11.81, gflops: 59.6 },
      forward: { batch: 8, ms: 123.1, samplesPerS: 64.99, gflops: 109.4 },
      forwardBatch1: { latencyMs: 17.2, gflops: 97.8 },
      peakRssMb: 752.4,
      blasCore: 'Haswell',
    });
  });

  it('reads the script run on its own, without the lines bench.ts adds', () => {
    const text = PYTORCH_OUTPUT.replace(/^(peak_rss_kb|Core:).*\n/gm, '');
    expect(parsePytorchOutput(text)).toMatchObject({ peakRssMb: null, blasCore: null, params: 4_270_368 });
  });

  it('names the line it could not find', () => {
    const text = PYTORCH_OUTPUT.replace(/^train step.*\n/m, '');
    expect(() => parsePytorchOutput(text)).toThrow(/no train step line/);
  });

  it('becomes model lines shaped like our model bench', () => {
    const lines = pytorchRecords(parsePytorchOutput(PYTORCH_OUTPUT), { blas: 'openblas-openmp' });
    expect(lines.map((l) => [l.case, l.batch, l.samples_per_s, l.latency_ms])).toEqual([
      ['train-step', 8, 11.81, undefined],
      ['forward', 8, 64.99, undefined],
      ['forward-batch1', 1, undefined, 17.2],
    ]);
    for (const l of lines) {
      expect(l).toMatchObject({ bench: 'model', implementation: 'pytorch', torch: '1.13.0a0', params: 4_270_368, blas: 'openblas-openmp', peak_rss_mb: 752.4, blas_core: 'Haswell' });
    }
  });
});

describe('ratioRecords', () => {
  const pytorch = pytorchRecords(parsePytorchOutput(PYTORCH_OUTPUT));
  const ours = [
    { bench: 'model', case: 'train-step', backend: 'native', samples_per_s: 14.762, batch: 8 },
    { bench: 'model', case: 'forward', backend: 'native', samples_per_s: 64.99 * 2, batch: 8 },
    { bench: 'model', case: 'forward-batch1', backend: 'native', latency_ms: 34.4, batch: 1 },
    { bench: 'model', case: 'train-step', backend: 'wasm', samples_per_s: 1.181, batch: 8 },
    { bench: 'model', case: 'peak-memory', backend: 'native', peak_rss_mb: 500 },
    { kernel: 'gemm', case: 'large', gflops: 180 },
  ];

  it('divides ours by PyTorch for throughput and PyTorch by ours for latency', () => {
    const ratios = ratioRecords([...ours, ...pytorch], { order: 'pytorch then model' });
    expect(ratios.map((r) => [r.case, r.backend, r.metric, r.ratio])).toEqual([
      ['train-step', 'native', 'samples_per_s', 1.25],
      ['forward', 'native', 'samples_per_s', 2],
      ['forward-batch1', 'native', 'latency_ms', 0.5],
      ['train-step', 'wasm', 'samples_per_s', 0.1],
    ]);
    expect(ratios[0]).toEqual({
      bench: 'ratio', case: 'train-step', backend: 'native', metric: 'samples_per_s', ours: 14.762, pytorch: 11.81, ratio: 1.25, batch: 8, order: 'pytorch then model',
    });
  });

  it('shows both batches when they differ, and nothing without PyTorch', () => {
    const [r] = ratioRecords([{ bench: 'model', case: 'train-step', backend: 'cpu', samples_per_s: 1, batch: 4 }, ...pytorch]);
    expect(r).toMatchObject({ batch_ours: 4, batch_pytorch: 8 });
    expect(ratioRecords(ours)).toEqual([]);
  });

  it('takes the last line when a case is printed twice', () => {
    const again = { ...ours[0], samples_per_s: 23.62 };
    expect(ratioRecords([ours[0], again, ...pytorch])[0].ratio).toBe(2);
  });
});

describe('splitting a child output into lines', () => {
  it('joins lines cut across chunks and keeps the last unterminated one', () => {
    const s = new LineSplitter();
    expect(s.push('{"a":')).toEqual([]);
    expect(s.push('1}\r\nwarming up\n{"b"')).toEqual(['{"a":1}', 'warming up']);
    expect(s.push(':2}')).toEqual([]);
    expect(s.end()).toEqual(['{"b":2}']);
    expect(s.end()).toEqual([]);
  });

  it('sends whole JSON objects to stdout unchanged and everything else to stderr', () => {
    const line = '{"kernel":"gemm", "gflops": 180.5}';
    expect(routeLine(line)).toEqual({ kind: 'json', line, record: { kernel: 'gemm', gflops: 180.5 } });
    for (const text of ['native gemm: avx512, 2 threads', '[1,2]', '{"broken":', 'null', '{} trailing', '']) {
      expect(routeLine(text).kind).toBe('text');
    }
    expect(parseJsonLine('  {"a":1}  ')).toEqual({ a: 1 });
  });
});

describe('flags and bench selection', () => {
  it('parses the flags and refuses unknown ones', () => {
    expect(parseBenchArgs([])).toEqual({ quick: false, only: null, backends: null, pytorchIters: null });
    expect(parseBenchArgs(['--quick', '--only', 'model,pytorch', '--backends=native,wasm', '--pytorch-iters', '5'])).toEqual({
      quick: true, only: ['model', 'pytorch'], backends: ['native', 'wasm'], pytorchIters: 5,
    });
    expect(() => parseBenchArgs(['--fast'])).toThrow(/unknown argument --fast/);
    expect(() => parseBenchArgs(['--only'])).toThrow(/--only needs a value/);
    expect(() => parseBenchArgs(['--only', '--quick'])).toThrow(/--only needs a value/);
    expect(() => parseBenchArgs(['--pytorch-iters', '0'])).toThrow(/positive integer/);
  });

  const files = orderBenchFiles(
    ['src/model/dit.bench.ts', 'datasets/make.bench.ts', 'kernels/patch-embed/patch-embed.bench.ts', 'kernels/gemm.bench.ts', 'kernels/attention/attention.bench.ts']
      .map(describeBenchFile),
  );

  it('names the benches and runs kernels, then data, then the model', () => {
    expect(files.map((f) => f.name)).toEqual(['attention', 'gemm', 'patch-embed', 'data', 'model']);
    expect(describeBenchFile('kernels/attention/attention.bench.ts').tags).toEqual(['attention', 'kernels']);
    expect(describeBenchFile('src/model/dit.bench.ts').tags).toEqual(['model', 'dit']);
    expect(describeBenchFile('datasets/make.bench.ts').tags).toEqual(['data', 'make', 'datasets']);
  });

  it('finds only the bench files it should run', () => {
    expect(['kernels/gemm.bench.ts', 'src/model/dit.bench.ts', 'datasets/make.bench.ts'].every(isBenchFile)).toBe(true);
    expect(['kernels/gemm.test.ts', 'datasets/other.bench.ts', 'kernels/node_modules/x/a.bench.ts', 'eval/x.bench.ts'].some(isBenchFile)).toBe(false);
  });

  it('selects by name or folder, and refuses a name that matches nothing', () => {
    expect(selectBenches(files, null)).toEqual({ files, pytorch: true });
    const picked = selectBenches(files, ['model', 'pytorch']);
    expect([picked.files.map((f) => f.name), picked.pytorch]).toEqual([['model'], true]);
    expect(selectBenches(files, ['kernels']).files.map((f) => f.name)).toEqual(['attention', 'gemm', 'patch-embed']);
    expect(selectBenches(files, ['data']).pytorch).toBe(false);
    expect(() => selectBenches(files, ['modle'])).toThrow(/no bench named modle/);
  });

  it('forwards --backends and quick settings only to benches that read them', () => {
    const attention = "const backends = (flag('backends') ?? 'cpu').split(','); const seconds = Number(flag('seconds') ?? 2);";
    const gemm = "const reps = Number(flag('reps') ?? 15); const only = flag('only');";
    const quick = { quick: true, backends: ['native', 'wasm'] };
    expect(childArgs(attention, quick)).toEqual(['--backends', 'native,wasm', '--seconds', '0.3']);
    expect(childArgs(gemm, quick)).toEqual(['--reps', '3']);
    expect(childArgs('if (process.argv.includes("--quick")) {}', quick)).toEqual(['--quick']);
    expect(childArgs('/** over `reps` samples of `seconds` each; see --backends */', quick)).toEqual([]);
    expect(childArgs(attention, { quick: false, backends: null })).toEqual([]);
  });
});

describe('cpuBusyFraction', () => {
  it('is the busy share of all ticks between two /proc/stat readings', () => {
    const before = 'cpu  1000 0 200 8000 100 0 0 0 0 0';
    const after = 'cpu  1150 0 250 8180 120 0 0 0 0 0'; // +200 busy, +200 idle (iowait counts as idle)
    expect(cpuBusyFraction(before, after)).toBe(0.5);
    expect(cpuBusyFraction(before, before)).toBeNull();
    expect(cpuBusyFraction('', after)).toBeNull();
  });
});
