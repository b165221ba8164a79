// Loads the native CPU kernels (spacetime_native.node, built with node-gyp,
// see README.md) and wraps them with typed, validated functions.
//
// Loading never throws: loadNative() returns null and nativeUnavailableReason()
// says why (not built, wrong Node ABI, ...), so callers can fall back to wasm.
// The addon is found through SPACETIME_NATIVE_ADDON, else by walking up from
// the working directory to the spacetime-lab package root.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { type GemmArgs, resolveGemmArgs } from '../gemm.args.js';

export type Isa = 'avx512' | 'avx2' | 'scalar';

/** The raw addon. Prefer the validated wrappers below. */
export interface NativeAddon {
  /** Unchecked-shape GEMM (the addon still bounds-checks); see GemmArgs. */
  gemm(
    a: Float32Array, b: Float32Array, out: Float32Array,
    batchA: number, batchB: number, m: number, n: number, k: number,
    transposeA: boolean, transposeB: boolean, alpha: number, beta: number,
  ): void;
  /**
   * out = op(a, b) with broadcasting described by `dims` = [rank, shape…, aStrides…, bStrides…]
   * (innermost strides 0 or 1). Prefer the `binary` wrapper, which builds `dims`.
   */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** out[i] = op(x[i]); out may be x. See UNARY_OPS. */
  unary(op: number, x: Float32Array, out: Float32Array): void;
  /** x as [outer, reduced, inner] → out [outer, inner], summed (or averaged) over `reduced`. */
  sum(x: Float32Array, out: Float32Array, outer: number, reduced: number, inner: number, mean: boolean): void;
  /**
   * Fused attention forward (optional: builds before it lack it; see kernels/attention/native.ts).
   * q, out [B·h, N, d]; k, v [B·h, Nk, d]; mask [B, Nk] or null (0 = padded key); lse [B·h, N].
   * With rowStrides [q, k, v, out] (builds since the token-major layout): q, k, v, out are
   * token-major instead, [B, rows, stride] with head h at columns h·d from the array's start.
   */
  attentionForward?(
    q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, out: Float32Array, lse: Float32Array,
    batch: number, heads: number, queries: number, keys: number, headDim: number, scale: number, rowStrides?: number[],
  ): void;
  /** Fused attention backward: dq, dk, dv from the forward's inputs, out, lse and dOut (dq in q's layout, dk k's, dv v's, dOut out's). */
  attentionBackward?(
    q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, out: Float32Array, lse: Float32Array,
    dOut: Float32Array, dq: Float32Array, dk: Float32Array, dv: Float32Array,
    batch: number, heads: number, queries: number, keys: number, headDim: number, scale: number, rowStrides?: number[],
  ): void;
  /**
   * Tubelet patchify (toTokens) or unpatchify between video [B, C, T, H, W] and tokens
   * [B, N, C·pt·ph·pw] (optional: older builds lack it; see kernels/patch-embed/native.ts).
   */
  patchEmbed?(
    video: Float32Array, tokens: Float32Array, batch: number, channels: number, frames: number, height: number, width: number,
    pt: number, ph: number, pw: number, toTokens: boolean,
  ): void;
  /**
   * Fused AdamW update (optional: older builds lack it; see kernels/adamw/native.ts):
   * p', m', v' from p, m, v, g and constants [β1, 1−β1, β2, 1−β2, c1, c2, eps, 1−lr·wd, lr].
   * Each output may be its own input (in place).
   */
  adamw?(
    p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array,
    pOut: Float32Array, mOut: Float32Array, vOut: Float32Array, constants: Float32Array,
  ): void;
  /**
   * Fused LayerNorm (no affine) + modulate forward (optional: older builds lack it; see
   * kernels/layernorm-modulate/native.ts): y = LN(x)·(1 + scale) + shift with x, y
   * [batch, tokens, d], shift, scale [batch, d]; also each row's mean and 1/√(var + eps).
   */
  layerNormModulate?(
    x: Float32Array, shift: Float32Array, scale: Float32Array, y: Float32Array, mean: Float32Array, rstd: Float32Array,
    batch: number, tokens: number, d: number, eps: number,
  ): void;
  /** Its backward: dx [batch, tokens, d], dscale and dshift [batch, d] from the forward's mean, rstd and dy. */
  layerNormModulateGrad?(
    x: Float32Array, scale: Float32Array, mean: Float32Array, rstd: Float32Array, dy: Float32Array,
    dx: Float32Array, dscale: Float32Array, dshift: Float32Array, batch: number, tokens: number, d: number,
  ): void;
  /**
   * Fused EMA update (optional: older builds lack it; see kernels/ema/native.ts):
   * out = s·decay + p·oneMinusDecay, each number rounded to float32 once; out may be s.
   */
  ema?(s: Float32Array, p: Float32Array, out: Float32Array, decay: number, oneMinusDecay: number): void;
  /**
   * The gradient of gelu(x + bias) for dy (optional: older builds lack it; see
   * kernels/gelu/native.ts): x, dy, out [rows, cols], bias [cols].
   */
  biasGeluGrad?(x: Float32Array, bias: Float32Array, dy: Float32Array, out: Float32Array): void;
  /** The instruction set the kernels use now. */
  isa(): Isa;
  /** Switches ISA (throws if unknown or unsupported here); returns the new one. */
  setIsa(isa: Isa): Isa;
  /** Usable ISAs on this machine, best first. */
  availableIsas(): Isa[];
  /** Why SPACETIME_ISA was ignored, or ''. */
  isaNote(): string;
  /** Threads in the shared pool (the calling thread counts as one). */
  threads(): number;
  /** Rebuilds the shared pool with n threads; returns n. */
  setThreads(n: number): number;
  /** One thread's best multiply-add rate on the current ISA (GFLOP/s), from ~`seconds` (default 0.5) of an FMA loop. */
  fmaPeakGflops(seconds?: number): number;
}

const ADDON_RELATIVE = path.join('kernels', 'native', 'build', 'Release', 'spacetime_native.node');
const PACKAGE_NAME = 'spacetime-lab';
const REQUIRED_FUNCTIONS = ['gemm', 'binary', 'unary', 'sum', 'isa', 'setIsa', 'availableIsas', 'isaNote', 'threads', 'setThreads', 'fmaPeakGflops'];

let cached: { addon: NativeAddon | null; reason: string | null; path: string | null } | undefined;

/**
 * Where to look for the package when no start is given: the running script's folder (the CLI's
 * bin/, a test runner inside node_modules), this module's folder when the loader defines
 * `__dirname` (`import.meta` is off limits: tslab compiles library code to CommonJS), then the
 * working folder — so a command run from another folder still finds its addon and shipped model.
 */
function defaultStarts(): string[] {
  const starts = [process.argv[1] ? path.dirname(path.resolve(process.argv[1])) : null, typeof __dirname === 'string' ? __dirname : null, process.cwd()];
  return starts.filter((s): s is string => s !== null);
}

/** The spacetime-lab package root at or above `start` (default: see defaultStarts), or null. */
export function findPackageRoot(start?: string): string | null {
  if (start === undefined) {
    for (const s of defaultStarts()) {
      const root = findPackageRoot(s);
      if (root) return root;
    }
    return null;
  }
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === PACKAGE_NAME) return dir;
    } catch {
      // no package.json here, or unreadable: keep walking up
    }
    if (path.dirname(dir) === dir) return null;
  }
}

function tryLoad(): { addon: NativeAddon | null; reason: string | null; path: string | null } {
  const fromEnv = process.env.SPACETIME_NATIVE_ADDON;
  const root = findPackageRoot();
  const addonPath = fromEnv ? path.resolve(fromEnv) : root ? path.join(root, ADDON_RELATIVE) : null;
  if (!addonPath) {
    return { addon: null, path: null, reason: `no ${PACKAGE_NAME} package.json above ${defaultStarts().join(', ')} and SPACETIME_NATIVE_ADDON unset` };
  }
  if (!fs.existsSync(addonPath)) {
    return { addon: null, path: addonPath, reason: `${addonPath} not found (build it: npx node-gyp rebuild --directory kernels/native)` };
  }
  try {
    const req = createRequire(path.join(root ?? path.dirname(addonPath), 'package.json'));
    const addon = req(addonPath) as Record<string, unknown>;
    const missing = REQUIRED_FUNCTIONS.filter((name) => typeof addon[name] !== 'function');
    if (missing.length > 0) {
      return { addon: null, path: addonPath, reason: `${addonPath} lacks ${missing.join(', ')} (stale build? rebuild it)` };
    }
    return { addon: addon as unknown as NativeAddon, path: addonPath, reason: null };
  } catch (err) {
    return { addon: null, path: addonPath, reason: `loading ${addonPath} failed: ${(err as Error).message}` };
  }
}

/** The addon, or null when it cannot be loaded (see nativeUnavailableReason). Cached; never throws. */
export function loadNative(): NativeAddon | null {
  cached ??= tryLoad();
  return cached.addon;
}

/** Why loadNative() returned null; null when the addon is loaded. */
export function nativeUnavailableReason(): string | null {
  loadNative();
  return cached!.reason;
}

/** One line for logs: "native: avx512, 2 threads (/path/spacetime_native.node)" or the reason it is off. */
export function describeNative(): string {
  const addon = loadNative();
  if (!addon) return `native: unavailable: ${cached!.reason}`;
  const note = addon.isaNote();
  return `native: ${addon.isa()}, ${addon.threads()} threads (${cached!.path})${note ? `; ${note}` : ''}`;
}

function requireNative(): NativeAddon {
  const addon = loadNative();
  if (!addon) throw new Error(`native kernels unavailable: ${cached!.reason}`);
  return addon;
}

/**
 * out[i] = alpha · op(a[i]) · op(b[i]) + beta · out[i] on the native addon, into `out`.
 * Throws if the addon is not loaded or the shapes are wrong. See GemmArgs.
 * @example
 *   // a [2, 3] · b [3, 4] → out [2, 4]
 *   gemm({ a, b, out: new Float32Array(8), m: 2, n: 4, k: 3 });
 *   // the weight gradient of a linear layer: x [T, Din]ᵀ · dy [T, Dout] → [Din, Dout]
 *   gemm({ a: x, b: dy, out: dw, m: Din, n: Dout, k: T, transposeA: true });
 */
export function gemm(args: GemmArgs): Float32Array {
  const addon = requireNative();
  const g = resolveGemmArgs(args);
  addon.gemm(g.a, g.b, g.out, g.batchA, g.batchB, g.m, g.n, g.k, g.transposeA, g.transposeB, g.alpha, g.beta);
  return g.out;
}

/** Op codes of the addon's binary kernel (BinaryOp in src/elementwise_kernels.h). */
export const BINARY_OPS = { add: 0, sub: 1, mul: 2, div: 3, squaredDifference: 4, geluGrad: 5, biasGelu: 6 } as const;
export type BinaryOpName = keyof typeof BINARY_OPS;
/** Op codes of the addon's unary kernel (UnaryOp in src/elementwise_kernels.h). */
export const UNARY_OPS = { sigmoid: 0, neg: 1, square: 2, sqrt: 3, rsqrt: 4, gelu: 5 } as const;
export type UnaryOpName = keyof typeof UNARY_OPS;

/** Most dimensions the addon's broadcast walker takes after collapsing (kMaxBroadcastRank). */
export const MAX_BROADCAST_RANK = 8;

/**
 * The addon's `dims` for out = op(a, b) under NumPy broadcasting: size-1 output
 * dimensions dropped, neighbours merged wherever both inputs are contiguous (or both
 * broadcast) across them, so [M, D] + [D] becomes rank 2 and equal shapes rank 1.
 * Null when more than MAX_BROADCAST_RANK dimensions remain. Throws if the shapes do not
 * broadcast.
 * @example
 *   broadcastDims([8, 256, 192], [8, 1, 192]) // Int32Array [3, 8,256,192, 49152,192,1, 192,0,1]
 */
export function broadcastDims(aShape: readonly number[], bShape: readonly number[]): Int32Array | null {
  const rank = Math.max(aShape.length, bShape.length);
  const stridesOf = (shape: readonly number[]) => {
    const strides = new Array<number>(rank).fill(0);
    let s = 1;
    for (let d = rank - 1; d >= rank - shape.length; d--) {
      const size = shape[d - (rank - shape.length)];
      strides[d] = size === 1 ? 0 : s;
      s *= size;
    }
    return strides;
  };
  const [sa, sb] = [stridesOf(aShape), stridesOf(bShape)];
  const dims: { size: number; a: number; b: number }[] = [];
  for (let d = 0; d < rank; d++) {
    const da = aShape[d - (rank - aShape.length)] ?? 1;
    const db = bShape[d - (rank - bShape.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`shapes [${aShape}] and [${bShape}] do not broadcast`);
    const size = Math.max(da, db) === 1 ? Math.min(da, db) : Math.max(da, db); // a 0 beside a 1 gives 0
    if (size === 1) continue;
    const prev = dims[dims.length - 1];
    if (prev && prev.a === sa[d] * size && prev.b === sb[d] * size) {
      prev.size *= size;
      prev.a = sa[d];
      prev.b = sb[d];
    } else {
      dims.push({ size, a: sa[d], b: sb[d] });
    }
  }
  if (dims.length === 0) dims.push({ size: 1, a: 0, b: 0 });
  if (dims.length > MAX_BROADCAST_RANK) return null;
  return Int32Array.from([dims.length, ...dims.map((d) => d.size), ...dims.map((d) => d.a), ...dims.map((d) => d.b)]);
}

/**
 * out = op(a, b) element-wise with NumPy broadcasting, multithreaded on the addon.
 * `out` must hold the broadcast shape's size. Throws if the addon is not loaded.
 * @example
 *   binary({ op: 'mul', a: x, aShape: [2048, 192], b: gamma, bShape: [192], out });
 */
export function binary(args: {
  op: BinaryOpName; a: Float32Array; aShape: readonly number[]; b: Float32Array; bShape: readonly number[]; out: Float32Array;
}): Float32Array {
  const addon = requireNative();
  const dims = broadcastDims(args.aShape, args.bShape);
  if (!dims) throw new Error(`binary: [${args.aShape}] and [${args.bShape}] collapse to more than ${MAX_BROADCAST_RANK} dimensions`);
  addon.binary(BINARY_OPS[args.op], args.a, args.b, args.out, dims);
  return args.out;
}

/** out[i] = op(x[i]) on the addon (out defaults to a new array; may be x). */
export function unary(op: UnaryOpName, x: Float32Array, out: Float32Array = new Float32Array(x.length)): Float32Array {
  requireNative().unary(UNARY_OPS[op], x, out);
  return out;
}

/**
 * Sum (or mean) of x viewed as [outer, reduced, inner] over `reduced`, into out [outer, inner];
 * the order of addition depends on the shape only (bit-identical run to run).
 */
export function reduceSum(
  x: Float32Array, dims: { outer: number; reduced: number; inner: number }, mean = false,
  out: Float32Array = new Float32Array(dims.outer * dims.inner),
): Float32Array {
  requireNative().sum(x, out, dims.outer, dims.reduced, dims.inner, mean);
  return out;
}
