/**
 * Paired A/B of the reference model's train step (batch 8: forward + backward + AdamW) and
 * forward on `native`, for a shared machine: one process, one model, steps alternating
 * between A (every native kernel) and B (the kernels named by --off replaced by what the
 * backend had without them: the wasm kernel of that name, or none, so tfjs ops run), so
 * load from other jobs falls on both arms alike. Prints best and median ms per arm, the
 * ratio, the load average before and after, then each arm's per-kernel profile of one step.
 * A script, not a `*.bench.ts`: `npm run bench` measures the model once, beside PyTorch.
 *
 *   npx tsx scripts/train-step-ab.ts [--off SpacetimeGelu,SpacetimeGeluGrad] [--pairs 10]
 */
import * as tf from '@tensorflow/tfjs';
import { leanVariableGrads } from '../base/compute/lean-grads.js';
import os from 'node:os';
import { useBackend } from '../base/compute/backend.js';
import { profileKernels } from '../base/compute/profile.js';
import { benchFlag as flag } from '../base/compute/spec-backends.js';
import { AdamW } from '../src/train/adamw.js';
import { resolveConfig } from '../src/model/config.js';
import { DiT } from '../src/model/dit.js';

const BATCH = 8;

/** Swaps each named kernel of `backend` between its registered config and its fallback. */
function toggles(backend: string, names: string[]) {
  const on = names.map((n) => tf.getKernel(n, backend));
  names.forEach((n, i) => {
    if (!on[i]) throw new Error(`--off ${n}: no kernel of that name is registered on ${backend}`);
  });
  const off = names.map((n) => tf.getKernel(n, 'wasm'));
  return (enabled: boolean) =>
    names.forEach((n, i) => {
      if (tf.getKernel(n, backend)) tf.unregisterKernel(n, backend);
      const config = enabled ? on[i] : off[i];
      if (config) tf.registerKernel({ ...config, backendName: backend });
    });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  // Default: everything issue 13's item 5 added to the train step.
  const off = (
    flag('off') ??
    'SpacetimeLayerNormModulate,SpacetimeLayerNormModulateGrad,Cast,SpacetimeGelu,SpacetimeGeluGrad,SpacetimeBiasGelu,SpacetimeBiasGeluGrad'
  ).split(',');
  const pairs = Number(flag('pairs') ?? 10);
  await useBackend({ requested: 'native' });
  const backend = tf.getBackend();
  const config = resolveConfig('bench');
  const model = new DiT(config, 0);
  Object.values(model.params).forEach((v, k) => {
    if (tf.tidy(() => tf.max(tf.abs(v)).dataSync()[0]) === 0) v.assign(tf.randomNormal(v.shape, 0, 0.02, 'float32', k));
  });
  const opt = new AdamW(model.params, { lr: 1e-4 });
  const x = tf.randomNormal([BATCH, 3, 8, 32, 32], 0, 1, 'float32', 1) as tf.Tensor5D;
  const noise = tf.randomNormal([BATCH, 3, 8, 32, 32], 0, 1, 'float32', 2) as tf.Tensor5D;
  const t = tf.randomUniform([BATCH], 0, 1000, 'float32', 3) as tf.Tensor1D;
  const y = tf.randomNormal([BATCH, config.textDim], 0, 1, 'float32', 4) as tf.Tensor2D;
  const trainStep = () =>
    tf.tidy(() => {
      const xt = tf.add(x, noise) as tf.Tensor5D;
      const { value, grads } = leanVariableGrads(
        () => tf.mean(tf.square(tf.sub(model.forward(xt, t, { pooled: y }), noise))) as tf.Scalar,
        Object.values(model.params),
      );
      opt.step(grads);
      value.dataSync();
    });
  const forward = () => tf.tidy(() => void model.forward(x, t, { pooled: y }).dataSync());
  const set = toggles(backend, off);
  const timed = (fn: () => void) => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  const load0 = os.loadavg()[0];
  const ms: Record<string, number[]> = { 'train-A': [], 'train-B': [], 'forward-A': [], 'forward-B': [] };
  for (const arm of ['A', 'B'] as const) {
    set(arm === 'A');
    trainStep(); // warm-up: first allocations of this arm
    forward();
  }
  for (let i = 0; i < pairs; i++) {
    for (const arm of (i % 2 ? ['B', 'A'] : ['A', 'B']) as ('A' | 'B')[]) {
      set(arm === 'A');
      ms[`train-${arm}`].push(timed(trainStep));
      ms[`forward-${arm}`].push(timed(forward));
    }
  }
  const load1 = os.loadavg()[0];
  for (const c of ['train', 'forward']) {
    const [a, b] = [ms[`${c}-A`], ms[`${c}-B`]];
    console.log(JSON.stringify({
      bench: 'dit-ab', case: c, off, pairs, load_before: +load0.toFixed(2), load_after: +load1.toFixed(2),
      A_best_ms: +Math.min(...a).toFixed(1), A_median_ms: +median(a).toFixed(1),
      B_best_ms: +Math.min(...b).toFixed(1), B_median_ms: +median(b).toFixed(1),
      speedup_best: +(Math.min(...b) / Math.min(...a)).toFixed(3), speedup_median: +(median(b) / median(a)).toFixed(3),
    }));
  }
  for (const arm of ['A', 'B'] as const) {
    set(arm === 'A');
    const rows = await profileKernels(backend, trainStep);
    const total = rows.reduce((s, r) => s + r.ms, 0);
    console.log(JSON.stringify({
      bench: 'dit-ab', case: `train-step-profile-${arm}`, total_ms: +total.toFixed(1),
      kernels: rows.slice(0, 14).map((r) => ({ kernel: r.kernel, calls: r.calls, ms: +r.ms.toFixed(1), pct: +(100 * r.share).toFixed(1) })),
    }));
  }
  set(true);
  opt.dispose();
  model.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
