/**
 * The backend resolver: picks where tensors run, in order of speed,
 *
 *   tensorflow-gpu  @tensorflow/tfjs-node-gpu, when it loads and sees a GPU
 *   tensorflow      @tensorflow/tfjs-node (libtensorflow on the CPU)
 *   native          wasm + our native AVX-512/AVX2 kernels (kernels/native)
 *   wasm            @tensorflow/tfjs-backend-wasm
 *   cpu             @tensorflow/tfjs's plain JavaScript kernels
 *
 * `--backend NAME` or SPACETIME_BACKEND forces one (an unavailable forced backend is a
 * one-line UserError). Each backend that is skipped is reported with its reason, in one
 * line. Gradients are kernel-level in tfjs, registered once by the @tensorflow/tfjs
 * import, so they apply on every backend.
 *
 *   const choice = await useBackend({ requested: flags.backend });
 *   console.log(choice.summary); // "backend: native (…); skipped: tensorflow-gpu (…), …"
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { UserError, describeError } from '../errors.js';
import { NATIVE_BACKEND, registerNativeBackend, registerWasmGaps } from './native-backend.js';

export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendChoice {
  name: BackendName;
  /** The tfjs backend name it runs as ('tensorflow' for both tfjs-node flavours). */
  tfBackend: string;
  /** Why this one: forced, or the first that worked. */
  reason: string;
  /** Backends tried before it, with why each was not used. */
  skipped: { name: BackendName; reason: string }[];
  /** One line for logs. */
  summary: string;
}

type Probe = () => Promise<string | null>; // null: ready; else why not

async function importOptional(name: string): Promise<string | null> {
  try {
    await import(name);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return `${name} is not installed`;
    return `${name} failed to load (${describeError(err).slice(0, 160)})`;
  }
}

/** Whether the tfjs-node backend in use has a GPU device. */
function tensorflowUsesGpu(): boolean {
  const backend = tf.findBackend('tensorflow') as unknown as { isUsingGpuDevice?: boolean } | null;
  return Boolean(backend?.isUsingGpuDevice);
}

const PROBES: Record<BackendName, Probe> = {
  'tensorflow-gpu': async () => {
    const failed = await importOptional('@tensorflow/tfjs-node-gpu');
    if (failed) return failed;
    if (!(await tf.setBackend('tensorflow'))) return 'the tensorflow backend failed to initialise';
    return tensorflowUsesGpu() ? null : 'tfjs-node-gpu loaded but sees no GPU';
  },
  tensorflow: async () => {
    if (!tf.findBackendFactory('tensorflow')) {
      const failed = await importOptional('@tensorflow/tfjs-node');
      if (failed) return failed;
    }
    return (await tf.setBackend('tensorflow')) ? null : 'the tensorflow backend failed to initialise';
  },
  native: async () => {
    const failed = registerNativeBackend();
    if (failed) return failed;
    return (await tf.setBackend(NATIVE_BACKEND)) ? null : 'the native backend (wasm + native kernels) failed to initialise';
  },
  wasm: async () => {
    registerWasmGaps();
    return (await tf.setBackend('wasm')) ? null : 'the wasm backend failed to initialise';
  },
  cpu: async () => ((await tf.setBackend('cpu')) ? null : 'the cpu backend failed to initialise'),
};

export function parseBackendName(raw: string, source: string): BackendName {
  if (!(BACKEND_NAMES as readonly string[]).includes(raw)) {
    throw new UserError(`unknown backend "${raw}" from ${source} (expected one of: ${BACKEND_NAMES.join(', ')})`);
  }
  return raw as BackendName;
}

/**
 * Resolve and activate a backend. `requested` (a --backend flag) wins over
 * SPACETIME_BACKEND; with neither, the first available in BACKEND_NAMES order.
 */
export async function useBackend(options: { requested?: string; env?: NodeJS.ProcessEnv } = {}): Promise<BackendChoice> {
  const env = options.env ?? process.env;
  const forcedRaw = options.requested ?? env.SPACETIME_BACKEND;
  // tfjs prints a warning when a backend fails to initialise; we report our own line.
  const forced = forcedRaw ? parseBackendName(forcedRaw, options.requested ? '--backend' : 'SPACETIME_BACKEND') : undefined;
  const skipped: BackendChoice['skipped'] = [];
  for (const name of forced ? [forced] : BACKEND_NAMES) {
    let why: string | null;
    try {
      why = await PROBES[name]();
    } catch (err) {
      why = describeError(err);
    }
    if (why === null) {
      await tf.ready();
      const reason = forced ? `forced by ${options.requested ? '--backend' : 'SPACETIME_BACKEND'}` : 'the fastest available';
      const skippedText = skipped.length ? `; skipped: ${skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}` : '';
      return { name, tfBackend: tf.getBackend(), reason, skipped, summary: `backend: ${name} (${reason})${skippedText}` };
    }
    if (forced) throw new UserError(`backend ${name} is not available: ${why}`);
    skipped.push({ name, reason: why });
  }
  throw new UserError(`no backend is available: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}
