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
const REQUIRED_FUNCTIONS = ['gemm', 'isa', 'setIsa', 'availableIsas', 'isaNote', 'threads', 'setThreads', 'fmaPeakGflops'];

let cached: { addon: NativeAddon | null; reason: string | null; path: string | null } | undefined;

/** The spacetime-lab package root at or above `start`, or null. */
export function findPackageRoot(start: string = process.cwd()): string | null {
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
    return { addon: null, path: null, reason: `no ${PACKAGE_NAME} package.json above ${process.cwd()} and SPACETIME_NATIVE_ADDON unset` };
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
