// GEMM tests: the reference on pinned numbers and argument checks, then the
// native addon against the reference on every ISA this machine can run
// (avx512, avx2, scalar), plus run-to-run and thread-count determinism.
//
// Parity: max |native − reference| ≤ 1e-4 · max |reference| over each output.
// Native tests skip, with the reason printed, when the addon is not built.
import { describe, expect, it } from 'vitest';

import type { GemmArgs } from './gemm.args.js';
import { resolveGemmArgs } from './gemm.args.js';
import { gemmReference } from './gemm.reference.js';
import { gemm, loadNative, nativeUnavailableReason, type Isa } from './native/index.js';

const TOLERANCE = 1e-4;

function seeded(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** A case: the GEMM's sizes and flags, without its arrays. */
type Case = Omit<GemmArgs, 'a' | 'b' | 'out'>;

let seedCounter = 1;
/** Inputs for a case; `out` starts random so beta (and beta = 0 overwriting) is exercised. */
function makeArgs(c: Case): GemmArgs {
  const batchA = c.batchA ?? 1;
  const batchB = c.batchB ?? 1;
  return {
    ...c,
    a: seeded(batchA * c.m * c.k, seedCounter++),
    b: seeded(batchB * c.k * c.n, seedCounter++),
    out: seeded(Math.max(batchA, batchB) * c.m * c.n, seedCounter++),
  };
}

function relativeError(got: Float32Array, want: Float32Array): number {
  let maxErr = 0;
  let maxAbs = 0;
  for (let i = 0; i < want.length; i++) {
    maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
    maxAbs = Math.max(maxAbs, Math.abs(want[i]));
  }
  return maxAbs === 0 ? maxErr : maxErr / maxAbs;
}

function sameBits(x: Float32Array, y: Float32Array): boolean {
  return Buffer.compare(Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(y.buffer, y.byteOffset, y.byteLength)) === 0;
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [33, 65, 17],
  [257, 129, 96],
  [12, 32, 256], // exactly one AVX-512 micro-tile, one K block
  [13, 33, 257], // one past the tile and the K block
  [100, 3, 600], // several K blocks, thin N
  [3, 100, 513],
  [1, 300, 40],
  [300, 1, 40],
  [37, 40, 1500], // narrow N: A read in place (AVX-512), a partial last sliver, two K blocks
  [70, 150, 2100], // three K blocks
];
const TRANSPOSES: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];
const CASES: Case[] = [
  ...SHAPES.flatMap(([m, n, k]) => TRANSPOSES.map(([transposeA, transposeB]) => ({ m, n, k, transposeA, transposeB }))),
  // Broadcasting and batch-parallel products.
  ...TRANSPOSES.map(([transposeA, transposeB]) => ({ m: 33, n: 65, k: 17, batchA: 1, batchB: 4, transposeA, transposeB })),
  ...TRANSPOSES.map(([transposeA, transposeB]) => ({ m: 33, n: 65, k: 17, batchA: 4, batchB: 1, transposeA, transposeB })),
  { m: 64, n: 64, k: 32, batchA: 6, batchB: 6, transposeB: true },
  { m: 64, n: 32, k: 64, batchA: 6, batchB: 6 },
  // alpha and beta.
  { m: 33, n: 65, k: 17, alpha: -0.5, beta: 0.75 },
  { m: 257, n: 129, k: 300, alpha: 2, beta: 1, transposeA: true },
  { m: 40, n: 50, k: 60, batchA: 3, batchB: 1, alpha: 0.25, beta: -1, transposeB: true },
];

function caseName(c: Case): string {
  const t = `${c.transposeA ? 'T' : 'N'}${c.transposeB ? 'T' : 'N'}`;
  const batch = c.batchA || c.batchB ? ` batch ${c.batchA ?? 1}/${c.batchB ?? 1}` : '';
  const ab = c.alpha !== undefined || c.beta !== undefined ? ` α=${c.alpha ?? 1} β=${c.beta ?? 0}` : '';
  return `${c.m}×${c.n}×${c.k} ${t}${batch}${ab}`;
}

describe('gemmReference', () => {
  it('matches a hand-computed product with transposes, batch broadcast, alpha and beta', () => {
    // A = [[1, 2], [3, 4]] stored transposed; B = [[5, 6], [7, 8]] and 2·B.
    const a = new Float32Array([1, 3, 2, 4]);
    const b = new Float32Array([5, 6, 7, 8, 10, 12, 14, 16]);
    const out = new Float32Array([1, 1, 1, 1, 0, 0, 0, 0]);
    gemmReference({ a, b, out, m: 2, n: 2, k: 2, batchA: 1, batchB: 2, transposeA: true, alpha: 0.5, beta: 2 });
    // A·B = [[19, 22], [43, 50]]
    expect(Array.from(out)).toEqual([11.5, 13, 23.5, 27, 19, 22, 43, 50]);
  });

  it('overwrites NaN in out when beta = 0', () => {
    const out = new Float32Array([NaN]);
    gemmReference({ a: new Float32Array([2]), b: new Float32Array([3]), out, m: 1, n: 1, k: 1 });
    expect(out[0]).toBe(6);
  });

  it('rejects wrong lengths, mismatched batches and aliasing with clear errors', () => {
    const base = { a: new Float32Array(6), b: new Float32Array(12), out: new Float32Array(8), m: 2, n: 4, k: 3 };
    expect(() => resolveGemmArgs(base)).not.toThrow();
    expect(() => resolveGemmArgs({ ...base, a: new Float32Array(5) })).toThrow(/a\.length is 5, expected 6/);
    expect(() => resolveGemmArgs({ ...base, out: new Float32Array(9) })).toThrow(/out\.length is 9, expected 8/);
    expect(() => resolveGemmArgs({ ...base, batchA: 2, batchB: 3 })).toThrow(/must be equal or one of them 1/);
    expect(() => resolveGemmArgs({ ...base, m: 2.5 })).toThrow(/m must be an integer/);
    const shared = new Float32Array(20);
    expect(() => resolveGemmArgs({ ...base, a: shared.subarray(0, 6), out: shared.subarray(4, 12) })).toThrow(/share memory/);
  });
});

const native = loadNative();
const unavailable = nativeUnavailableReason();
if (unavailable) console.warn(`native gemm tests skipped: ${unavailable}`);
const available: Isa[] = native ? native.availableIsas() : [];

describe.skipIf(!native)(`native gemm${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const references = new Map<Case, { args: GemmArgs; want: Float32Array }>();
  const referenceFor = (c: Case) => {
    let r = references.get(c);
    if (!r) {
      const args = makeArgs(c);
      const want = gemmReference({ ...args, out: args.out.slice() });
      r = { args, want };
      references.set(c, r);
    }
    return r;
  };

  for (const isa of ['avx512', 'avx2', 'scalar'] as Isa[]) {
    describe.skipIf(!available.includes(isa))(`${isa}${available.includes(isa) ? '' : ' (not available on this CPU)'}`, () => {
      const withIsa = <T>(fn: () => T): T => {
        const before = native!.isa();
        native!.setIsa(isa);
        try {
          return fn();
        } finally {
          native!.setIsa(before);
        }
      };

      it.each(CASES.map((c) => [caseName(c), c] as const))('parity %s', (_name, c) => {
        const { args, want } = referenceFor(c);
        const out = args.out.slice();
        withIsa(() => gemm({ ...args, out }));
        expect(relativeError(out, want)).toBeLessThanOrEqual(TOLERANCE);
      });

      it('is bit-identical run to run', () => {
        for (const c of [CASES[3 * 4 + 1], { m: 64, n: 64, k: 32, batchA: 6, batchB: 6, transposeB: true }]) {
          const { args } = referenceFor(c);
          const first = args.out.slice();
          const again = args.out.slice();
          withIsa(() => {
            gemm({ ...args, out: first });
            for (let r = 0; r < 3; r++) {
              gemm({ ...args, out: again });
              expect(sameBits(first, again)).toBe(true);
            }
          });
        }
      });
    });
  }

  it('gives bit-identical results with 1, 2 and 3 threads (serial, batch-parallel and split paths)', () => {
    const before = native!.threads();
    const cases: Case[] = [
      { m: 200, n: 200, k: 210, batchA: 4, batchB: 4 }, // 16.8 MFLOP per product: 3 threads split each one
      { m: 257, n: 300, k: 600, transposeA: true }, // one product split into blocks
      { m: 256, n: 256, k: 32, batchA: 12, batchB: 12, transposeB: true }, // attention-shaped batch
    ];
    try {
      for (const c of cases) {
        const { args, want } = referenceFor(c);
        const results = [1, 2, 3].map((threads) => {
          native!.setThreads(threads);
          const out = args.out.slice();
          gemm({ ...args, out });
          return out;
        });
        expect(relativeError(results[0], want)).toBeLessThanOrEqual(TOLERANCE);
        expect(sameBits(results[0], results[1])).toBe(true);
        expect(sameBits(results[0], results[2])).toBe(true);
      }
    } finally {
      native!.setThreads(before);
    }
  });

  it('handles empty dimensions: k = 0 gives beta·out, m = 0 or batch 0 writes nothing', () => {
    const out = new Float32Array([1, 2, 3, 4]);
    gemm({ a: new Float32Array(0), b: new Float32Array(0), out, m: 2, n: 2, k: 0, beta: 0.5 });
    expect(Array.from(out)).toEqual([0.5, 1, 1.5, 2]);
    gemm({ a: new Float32Array(0), b: new Float32Array(0), out, m: 2, n: 2, k: 0 });
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
    expect(() => gemm({ a: new Float32Array(0), b: new Float32Array(6), out: new Float32Array(0), m: 0, n: 2, k: 3 })).not.toThrow();
  });

  it('overwrites NaN in out when beta = 0', () => {
    const c: Case = { m: 33, n: 65, k: 17 };
    const { args, want } = referenceFor(c);
    const out = new Float32Array(want.length).fill(NaN);
    gemm({ ...args, out });
    expect(relativeError(out, want)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('works on subarray views (e.g. a wasm heap) and rejects bad raw calls', () => {
    const heap = new Float32Array(1000);
    heap.set(seeded(6, 99), 10);
    heap.set(seeded(12, 98), 100);
    const a = heap.subarray(10, 16);
    const b = heap.subarray(100, 112);
    const out = heap.subarray(500, 508);
    const want = gemmReference({ a, b, out: new Float32Array(8), m: 2, n: 4, k: 3 });
    gemm({ a, b, out, m: 2, n: 4, k: 3 });
    expect(relativeError(out, want)).toBeLessThanOrEqual(TOLERANCE);
    // The addon checks on its own too: wrong length, aliasing, wrong type.
    expect(() => native!.gemm(a, b, new Float32Array(7), 1, 1, 2, 4, 3, false, false, 1, 0)).toThrow(/c\.length/);
    expect(() => native!.gemm(a, b, heap.subarray(12, 20), 1, 1, 2, 4, 3, false, false, 1, 0)).toThrow(/share memory/);
    expect(() => native!.gemm(new Float64Array(6) as unknown as Float32Array, b, out, 1, 1, 2, 4, 3, false, false, 1, 0)).toThrow(/Float32Array/);
  });

  it('reports its ISA, the ISAs it can run and its thread count', () => {
    expect(available.length).toBeGreaterThanOrEqual(1);
    expect(available).toContain('scalar');
    expect(available).toContain(native!.isa());
    expect(native!.threads()).toBeGreaterThanOrEqual(1);
    expect(() => native!.setIsa('sse9' as Isa)).toThrow(/unknown ISA/);
  });
});
