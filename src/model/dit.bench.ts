/**
 * Whole-model benchmark on the reference configuration (the `bench` preset =
 * ../shared/bench/reference_dit.py): train step (forward + backward + AdamW) and forward
 * samples/s at batch 8, batch-1 forward latency, peak RSS, and the per-kernel profile of
 * one training step, on each backend. One JSON line per case.
 *
 *   npx tsx src/model/dit.bench.ts [--backends native,wasm] [--iters 5] [--quick]
 */
import * as tf from '@tensorflow/tfjs';
import { leanVariableGrads } from '../../base/compute/lean-grads.js';
import { useBackend } from '../../base/compute/backend.js';
import { profileKernels } from '../../base/compute/profile.js';
import { AdamW } from '../train/adamw.js';
import { resolveConfig } from './config.js';
import { DiT, parameterCount } from './dit.js';
import { benchFlag as flag } from '../../base/compute/spec-backends.js';

const FORWARD_GFLOP_PER_SAMPLE = 1.683; // matmul FLOPs, as reference_dit.py counts them
const BATCH = 8;

function timeIt(fn: () => void, iters: number, warmup: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) fn();
  return (performance.now() - t0) / iters / 1000;
}

async function benchBackend(requested: string, iters: number, warmup: number): Promise<void> {
  const choice = await useBackend({ requested });
  const config = resolveConfig('bench');
  const model = new DiT(config, 0);
  // As the reference does: no zero-initialised layers, so gradients are not trivially sparse.
  Object.values(model.params).forEach((v, k) => {
    if (tf.tidy(() => tf.max(tf.abs(v)).dataSync()[0]) === 0) v.assign(tf.randomNormal(v.shape, 0, 0.02, 'float32', k));
  });
  const opt = new AdamW(model.params, { lr: 1e-4 });
  const inputs = (B: number) => ({
    x: tf.randomNormal([B, 3, 8, 32, 32], 0, 1, 'float32', 1) as tf.Tensor5D,
    noise: tf.randomNormal([B, 3, 8, 32, 32], 0, 1, 'float32', 2) as tf.Tensor5D,
    t: tf.randomUniform([B], 0, 1000, 'float32', 3) as tf.Tensor1D,
    y: tf.randomNormal([B, config.textDim], 0, 1, 'float32', 4) as tf.Tensor2D,
  });
  const b8 = inputs(BATCH);
  const b1 = inputs(1);
  const trainStep = () =>
    tf.tidy(() => {
      const xt = tf.add(b8.x, b8.noise) as tf.Tensor5D;
      const { value, grads } = leanVariableGrads(
        () => tf.mean(tf.square(tf.sub(model.forward(xt, b8.t, { pooled: b8.y }), b8.noise))) as tf.Scalar,
        Object.values(model.params),
      );
      opt.step(grads);
      value.dataSync();
    });
  const forward = (b: typeof b8) => () => tf.tidy(() => void model.forward(b.x, b.t, { pooled: b.y }).dataSync());

  const base = { bench: 'model', preset: 'bench', params: parameterCount(config), backend: choice.name, batch: BATCH };
  const train = timeIt(trainStep, iters, warmup);
  console.log(JSON.stringify({ ...base, case: 'train-step', ms: +(train * 1000).toFixed(1), samples_per_s: +(BATCH / train).toFixed(2), gflops: +((3 * FORWARD_GFLOP_PER_SAMPLE * BATCH) / train).toFixed(1) }));
  const fwd = timeIt(forward(b8), iters, warmup);
  console.log(JSON.stringify({ ...base, case: 'forward', ms: +(fwd * 1000).toFixed(1), samples_per_s: +(BATCH / fwd).toFixed(2), gflops: +((FORWARD_GFLOP_PER_SAMPLE * BATCH) / fwd).toFixed(1) }));
  const lat = timeIt(forward(b1), iters * 3, warmup);
  console.log(JSON.stringify({ ...base, batch: 1, case: 'forward-batch1', latency_ms: +(lat * 1000).toFixed(2) }));
  const rows = await profileKernels(tf.getBackend(), trainStep);
  console.log(
    JSON.stringify({
      ...base,
      case: 'train-step-profile',
      kernels: rows.slice(0, 12).map((r) => ({ kernel: r.kernel, calls: r.calls, ms: +r.ms.toFixed(1), pct: +(100 * r.share).toFixed(1) })),
    }),
  );
  console.log(JSON.stringify({ ...base, case: 'peak-rss', peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) }));
  opt.dispose();
  model.dispose();
}

const quick = process.argv.includes('--quick');
const iters = Number(flag('iters') ?? (quick ? 2 : 5));
const backends = (flag('backends') ?? 'native,wasm').split(',');
(async () => {
  for (const b of backends) {
    try {
      await benchBackend(b, iters, quick ? 1 : 2);
    } catch (err) {
      console.log(JSON.stringify({ bench: 'model', backend: b, skipped: (err as Error).message }));
    }
  }
})();
