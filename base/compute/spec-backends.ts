/**
 * What every kernel spec suite shares: the tfjs backends to run on, why any of them is
 * unavailable here (the suite skips it and says so), switching to one, and
 * deterministic test values.
 *
 *   const { BACKENDS, UNAVAILABLE } = specBackends('attention');
 *   describe.each(BACKENDS)('on %s', (b) => { it.skipIf(UNAVAILABLE[b] !== null)(…) });
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from './backend.js';
import { registerNativeBackend } from './native-backend.js';

export const SPEC_BACKENDS = ['cpu', 'wasm', 'native', 'tensorflow'] as const;
export type SpecBackend = (typeof SPEC_BACKENDS)[number];

/** Why tfjs-node's `tensorflow` backend cannot run here, or null. */
function tensorflowMissing(): string | null {
  try {
    createRequire(path.join(process.cwd(), 'package.json')).resolve('@tensorflow/tfjs-node');
    return null;
  } catch {
    return '@tensorflow/tfjs-node is not installed (optional; it needs libtensorflow)';
  }
}

/** The backends, with the reason each unavailable one is skipped (logged once, under `suite`). */
export function specBackends(suite: string): { BACKENDS: readonly SpecBackend[]; UNAVAILABLE: Record<SpecBackend, string | null> } {
  const UNAVAILABLE: Record<SpecBackend, string | null> = {
    cpu: null,
    wasm: null,
    native: registerNativeBackend(),
    tensorflow: tensorflowMissing(),
  };
  for (const name of SPEC_BACKENDS) if (UNAVAILABLE[name]) console.log(`${suite} suite: skipping ${name} (${UNAVAILABLE[name]})`);
  return { BACKENDS: SPEC_BACKENDS, UNAVAILABLE };
}

/** Run `f` with `name` as the active tfjs backend. */
export async function onBackend<T>(name: SpecBackend, f: () => T | Promise<T>): Promise<T> {
  if (name === 'tensorflow' && !tf.findBackend('tensorflow')) await useBackend({ requested: 'tensorflow' });
  await tf.setBackend(name);
  await tf.ready();
  return f();
}

/** Deterministic values in [−amplitude, amplitude) from a 32-bit LCG: distinct for test sizes. */
export function testValues(length: number, seed: number, amplitude = 1): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = amplitude * (s / 2 ** 31 - 1);
  }
  return out;
}

/** The value after `--name` on a benchmark's command line, or undefined. */
export function benchFlag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * Time a tfjs computation: `step` returns the tensor(s) it made. Samples of about
 * `seconds / reps` each; the last step of a sample is read back so async backends finish.
 * `reps` fixed, or (default) chosen from one step's time, 3–15. Returns ms per step.
 */
export async function timeTfjs(
  step: () => tf.Tensor | tf.Tensor[],
  seconds: number,
  options: { warmups?: number; reps?: number } = {},
): Promise<{ best: number; median: number }> {
  const once = async () => {
    const outs = [step()].flat();
    await Promise.all(outs.map((t) => t.data()));
    tf.dispose(outs);
  };
  for (let i = 0; i < (options.warmups ?? 1); i++) await once(); // kernel set-up, first allocations
  const start = performance.now();
  await once();
  const oneMs = Math.max(performance.now() - start, 1e-3);
  const reps = options.reps ?? Math.max(3, Math.min(15, Math.floor((seconds * 1000) / oneMs / 2)));
  const inner = Math.max(1, Math.round((seconds * 1000) / reps / oneMs));
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner - 1; i++) tf.dispose(step());
    await once();
    samples.push((performance.now() - t0) / inner);
  }
  samples.sort((a, b) => a - b);
  return { best: samples[0], median: samples[Math.floor(samples.length / 2)] };
}
