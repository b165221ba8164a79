/**
 * Per-kernel time profile of any tfjs computation: wraps every kernel registered for a
 * backend with a timer, runs `fn`, restores the kernels. Kernels on cpu, wasm and
 * native run synchronously, so wall time per call is the kernel's own time.
 *
 *   const rows = await profileKernels('native', () => trainStep());
 *   // [{ kernel: 'BatchMatMul', calls: 228, ms: 61.2, share: 0.41 }, …]
 */
import * as tf from '@tensorflow/tfjs';

export interface KernelProfileRow {
  kernel: string;
  calls: number;
  ms: number;
  /** Fraction of the summed kernel time. */
  share: number;
}

export async function profileKernels(backendName: string, fn: () => unknown | Promise<unknown>): Promise<KernelProfileRow[]> {
  const originals = tf.getKernelsForBackend(backendName);
  const stats = new Map<string, { calls: number; ms: number }>();
  for (const k of originals) {
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({
      ...k,
      kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => {
        const t0 = performance.now();
        const out = k.kernelFunc(args);
        const s = stats.get(k.kernelName) ?? { calls: 0, ms: 0 };
        s.calls++;
        s.ms += performance.now() - t0;
        stats.set(k.kernelName, s);
        return out;
      }) as tf.KernelFunc,
    });
  }
  try {
    await fn();
  } finally {
    for (const k of originals) {
      tf.unregisterKernel(k.kernelName, backendName);
      tf.registerKernel(k);
    }
  }
  const total = [...stats.values()].reduce((s, v) => s + v.ms, 0);
  return [...stats.entries()]
    .map(([kernel, s]) => ({ kernel, calls: s.calls, ms: s.ms, share: total > 0 ? s.ms / total : 0 }))
    .sort((a, b) => b.ms - a.ms);
}
