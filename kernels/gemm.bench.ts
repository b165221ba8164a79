// GEMM benchmark for the native addon: checks each case against the plain-loop
// reference once, then times it and prints one JSON line per case.
//
//   npx tsx kernels/gemm.bench.ts [--threads N] [--isa avx512|avx2|scalar] [--reps R]
//                                 [--only SUBSTRING] [--peak-per-thread GFLOPS]
//
// Cases: a large square product, the reference model's linear layers (B = 8
// clips × 256 tokens = 2048 rows; hidden 192, QKV 576, MLP 768) forward and
// both gradients, and batched attention (8 clips × 6 heads, N = 256, d = 32).
// gflops is the best of R timed samples (the 2-core machine is shared, so the
// best is the least disturbed); median_gflops is there to show the noise.
// pct_of_peak compares with 115 GFLOP/s per thread (the project's reference
// figure for these machines, PERF_NOTES); pct_of_measured_peak with the
// addon's own FMA loop timed on this machine at start-up.
import { type GemmArgs, resolveGemmArgs } from './gemm.args.js';
import { gemmReferenceElement } from './gemm.reference.js';
import { gemm, loadNative, nativeUnavailableReason } from './native/index.js';
import { benchFlag as flag } from '../base/compute/spec-backends.js';

const REFERENCE_PEAK_PER_THREAD = 115;
const TOLERANCE = 1e-4; // relative to the largest |value| of the checked elements
const SAMPLE_SECONDS = 0.05;

interface Case {
  name: string;
  m: number;
  n: number;
  k: number;
  batch?: number;
  transposeA?: boolean;
  transposeB?: boolean;
}

const TOKENS = 8 * 256;
const linear = (name: string, dIn: number, dOut: number): Case[] => [
  { name: `${name} forward x·W`, m: TOKENS, n: dOut, k: dIn },
  { name: `${name} grad input dy·Wᵀ`, m: TOKENS, n: dIn, k: dOut, transposeB: true },
  { name: `${name} grad weight xᵀ·dy`, m: dIn, n: dOut, k: TOKENS, transposeA: true },
];
const CASES: Case[] = [
  { name: 'large', m: 1024, n: 1024, k: 1024 },
  ...linear('qkv 192→576', 192, 576),
  ...linear('mlp up 192→768', 192, 768),
  ...linear('mlp down 768→192', 768, 192),
  { name: 'attention scores q·kᵀ', m: 256, n: 256, k: 32, batch: 48, transposeB: true },
  { name: 'attention scores q·k (no transpose)', m: 256, n: 256, k: 32, batch: 48 },
  { name: 'attention output p·v', m: 256, n: 32, k: 256, batch: 48 },
  { name: 'attention grad v pᵀ·dO', m: 256, n: 32, k: 256, batch: 48, transposeA: true },
];

function randomArray(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function makeArgs(c: Case): GemmArgs {
  const batch = c.batch ?? 1;
  return {
    a: randomArray(batch * c.m * c.k, 1),
    b: randomArray(batch * c.k * c.n, 2),
    out: new Float32Array(batch * c.m * c.n),
    m: c.m, n: c.n, k: c.k, batchA: batch, batchB: batch,
    transposeA: c.transposeA, transposeB: c.transposeB,
  };
}

/** Compares ~400 sampled elements (always including the corners) with the reference. */
function check(args: GemmArgs): number {
  const g = resolveGemmArgs(args);
  gemm(args);
  let maxErr = 0;
  let maxAbs = 0;
  for (let s = 0; s < 400; s++) {
    const p = s === 0 ? 0 : s === 1 ? g.batch - 1 : (s * 7919) % g.batch;
    const i = s === 1 ? g.m - 1 : (s * 104729) % g.m;
    const j = s === 1 ? g.n - 1 : (s * 1299709) % g.n;
    const want = gemmReferenceElement(g, p, i, j);
    maxErr = Math.max(maxErr, Math.abs(g.out[p * g.m * g.n + i * g.n + j] - want));
    maxAbs = Math.max(maxAbs, Math.abs(want));
  }
  return maxErr / Math.max(maxAbs, 1e-30);
}

function timeCase(args: GemmArgs, flops: number, reps: number): { best: number; median: number } {
  for (let w = 0; w < 3; w++) gemm(args);
  const t0 = performance.now();
  gemm(args);
  const once = Math.max((performance.now() - t0) / 1000, 1e-6);
  const inner = Math.max(1, Math.round(SAMPLE_SECONDS / once));
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    for (let i = 0; i < inner; i++) gemm(args);
    const seconds = (performance.now() - start) / 1000;
    rates.push((flops * inner) / seconds / 1e9);
  }
  rates.sort((x, y) => x - y);
  return { best: rates[rates.length - 1], median: rates[Math.floor(rates.length / 2)] };
}

function main(): void {
  const native = loadNative();
  if (!native) {
    console.error(`native addon unavailable: ${nativeUnavailableReason()}`);
    process.exit(1);
  }
  const threads = flag('threads');
  if (threads) native.setThreads(Number(threads));
  const isa = flag('isa');
  if (isa) native.setIsa(isa as ReturnType<typeof native.isa>);
  const reps = Number(flag('reps') ?? 15);
  const only = flag('only');
  const peakPerThread = Number(flag('peak-per-thread') ?? REFERENCE_PEAK_PER_THREAD);
  const measuredPerThread = native.fmaPeakGflops(0.5);
  const t = native.threads();
  console.error(`native gemm: ${native.isa()}, ${t} threads; measured FMA peak ${measuredPerThread.toFixed(1)} GFLOP/s per thread`);
  for (const c of CASES) {
    if (only && !c.name.includes(only)) continue;
    const args = makeArgs(c);
    const error = check(args);
    if (!(error <= TOLERANCE)) {
      console.error(`parity FAILED for ${c.name}: relative error ${error}`);
      process.exit(1);
    }
    const batch = c.batch ?? 1;
    const flops = 2 * batch * c.m * c.n * c.k;
    const { best, median } = timeCase(args, flops, reps);
    const shape = `${batch > 1 ? `${batch}×` : ''}${c.m}×${c.k}${c.transposeA ? 'ᵀ' : ''}·${c.k}×${c.n}${c.transposeB ? 'ᵀ' : ''}`;
    console.log(JSON.stringify({
      kernel: 'gemm', backend: 'native', isa: native.isa(), threads: t, case: c.name, shape,
      m: c.m, n: c.n, k: c.k, batch, transposeA: !!c.transposeA, transposeB: !!c.transposeB,
      gflops: +best.toFixed(1), median_gflops: +median.toFixed(1),
      pct_of_peak: +((100 * best) / (peakPerThread * t)).toFixed(1),
      measured_peak_gflops: +(measuredPerThread * t).toFixed(1),
      pct_of_measured_peak: +((100 * best) / (measuredPerThread * t)).toFixed(1),
      max_rel_error: +error.toExponential(2),
    }));
  }
}

main();
