// The arguments of a batched GEMM, shared by every implementation (the
// plain-loop reference, the native addon wrapper, later tfjs kernels), and
// the one validation they all run, so a bad shape fails the same way everywhere.
//
//   out[i] = alpha · op(a[i]) · op(b[i]) + beta · out[i]     i in [0, batch)
//
// op(a) is m×k: `a` holds batchA matrices, each m×k row-major, or k×m when
// transposeA. op(b) is k×n: each k×n, or n×k when transposeB. `out` holds
// batch = max(batchA, batchB) matrices m×n; a batch of 1 is broadcast.
// beta = 0 (the default) overwrites `out` without reading it.

export interface GemmArgs {
  a: Float32Array;
  b: Float32Array;
  out: Float32Array;
  m: number;
  n: number;
  k: number;
  /** Matrices in `a` (default 1). */
  batchA?: number;
  /** Matrices in `b` (default 1). */
  batchB?: number;
  transposeA?: boolean;
  transposeB?: boolean;
  /** Scale of the product (default 1). */
  alpha?: number;
  /** Scale of the old `out` (default 0: overwrite). */
  beta?: number;
}

/** GemmArgs with every default filled in and checked. */
export interface ResolvedGemm extends Required<GemmArgs> {
  batch: number;
}

function checkCount(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new RangeError(`gemm: ${name} must be an integer in [0, 2^31), got ${String(value)}`);
  }
  return value;
}

/** Validates shapes and lengths; throws RangeError/TypeError naming the bad argument. */
export function resolveGemmArgs(args: GemmArgs): ResolvedGemm {
  for (const name of ['a', 'b', 'out'] as const) {
    if (!(args[name] instanceof Float32Array)) throw new TypeError(`gemm: ${name} must be a Float32Array`);
  }
  const m = checkCount('m', args.m);
  const n = checkCount('n', args.n);
  const k = checkCount('k', args.k);
  const batchA = checkCount('batchA', args.batchA ?? 1);
  const batchB = checkCount('batchB', args.batchB ?? 1);
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) {
    throw new RangeError(`gemm: batchA (${batchA}) and batchB (${batchB}) must be equal or one of them 1`);
  }
  const batch = Math.max(batchA, batchB);
  const transposeA = args.transposeA ?? false;
  const transposeB = args.transposeB ?? false;
  const expect = (name: string, arr: Float32Array, want: number, shape: string) => {
    if (arr.length !== want) {
      throw new RangeError(`gemm: ${name}.length is ${arr.length}, expected ${want} (${shape})`);
    }
  };
  expect('a', args.a, batchA * m * k, `batchA ${batchA} × ${transposeA ? `k ${k} × m ${m}` : `m ${m} × k ${k}`}`);
  expect('b', args.b, batchB * k * n, `batchB ${batchB} × ${transposeB ? `n ${n} × k ${k}` : `k ${k} × n ${n}`}`);
  expect('out', args.out, batch * m * n, `batch ${batch} × m ${m} × n ${n}`);
  const alpha = args.alpha ?? 1;
  const beta = args.beta ?? 0;
  if (!Number.isFinite(alpha) || !Number.isFinite(beta)) throw new RangeError('gemm: alpha and beta must be finite');
  const shares = (x: Float32Array, y: Float32Array) =>
    x.buffer === y.buffer &&
    x.length > 0 &&
    y.length > 0 &&
    x.byteOffset < y.byteOffset + y.byteLength &&
    y.byteOffset < x.byteOffset + x.byteLength;
  if (shares(args.out, args.a) || shares(args.out, args.b)) {
    throw new RangeError('gemm: out must not share memory with a or b');
  }
  return { ...args, m, n, k, batchA, batchB, batch, transposeA, transposeB, alpha, beta };
}
