// Attention benchmark: attention from tfjs ops (tfjs.ts, attentionFromOps) on each
// available tfjs backend, and the fused kernel (native.ts) where a backend has it
// (`native`), checked against the float64 reference once, then timed forward and
// forward+backward. One JSON line per case on stdout; skipped backends and progress on stderr.
//
//   npx tsx kernels/attention/attention.bench.ts [--backends cpu,wasm,native,tensorflow] [--seconds S]
//
// Shape: 8 clips × 6 heads, N = Nk = 256 tokens, d = 32 (the reference model at batch 8).
// FLOPs count the matrix products only (shape.ts): forward 4·B·h·N·Nk·d (q·kᵀ, p·v);
// backward 8·B·h·N·Nk·d (dv = pᵀ·dOut, dp = dOut·vᵀ, dq = ds·k, dk = dsᵀ·q), so
// forward+backward is 12·B·h·N·Nk·d. Softmax, scaling and the fused backward's
// recomputation of q·kᵀ are not counted.
// gflops is the best of the timed samples (the 2-core machine is shared, so the best is
// the least disturbed); median_gflops shows the noise. pct_of_peak compares with
// 230 GFLOP/s, a plain FMA loop on both cores of the build machine (issue 3);
// pct_of_measured_peak with the addon's FMA loop measured now (fmaPeakGflops × threads,
// ~410 on the quiet 2-core Zen 5 machine), when the addon loads.
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../base/compute/backend.js';
import { attentionBackwardReference, attentionForwardReference, type AttentionGradients } from './reference.js';
import { type AttentionDims, attentionBackwardFlops, attentionForwardFlops } from './shape.js';
import { loadNative } from '../native/index.js';
import { ATTENTION_KERNEL, ATTENTION_TOKENS_KERNEL } from './native.js';
import { attention, attentionFromOps, selfAttention } from './tfjs.js';
import { benchFlag as flag, testValues, timeTfjs } from '../../base/compute/spec-backends.js';

const PEAK_GFLOPS = 230;
const TOLERANCE = 1e-4; // relative to the largest |value|
const DIMS: AttentionDims = { batch: 8, heads: 6, queries: 256, keys: 256, headDim: 32 };
const DEFAULT_BACKENDS = ['cpu', 'wasm', 'native', 'tensorflow'];

const values = testValues;

function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
  }
  return worst / Math.max(scale, 1e-30);
}

async function main(): Promise<void> {
  const backends = (flag('backends') ?? DEFAULT_BACKENDS.join(',')).split(',');
  const seconds = Number(flag('seconds') ?? 2);
  const { batch: B, heads: h, queries: N, keys: Nk, headDim: d } = DIMS;
  const [qShape, kShape] = [[B, h, N, d], [B, h, Nk, d]];
  const x = {
    q: values(B * h * N * d, 1, 2),
    k: values(B * h * Nk * d, 2, 2),
    v: values(B * h * Nk * d, 3),
    dOut: values(B * h * N * d, 4),
  };
  console.error('attention bench: computing the float64 reference…');
  const forward = attentionForwardReference(x.q, x.k, x.v, DIMS);
  const grads = attentionBackwardReference(x.q, x.k, x.v, DIMS, forward, x.dOut);
  const shape = `B=${B} h=${h} N=${N} Nk=${Nk} d=${d}`;
  const flops = { forward: attentionForwardFlops(DIMS), 'forward+backward': attentionForwardFlops(DIMS) + attentionBackwardFlops(DIMS) };

  const addon = loadNative();
  const measuredPeak = addon ? addon.fmaPeakGflops(0.5) * addon.threads() : undefined;
  if (addon) console.error(`attention bench: measured FMA peak ${measuredPeak!.toFixed(1)} GFLOP/s (${addon.isa()}, ${addon.threads()} threads)`);

  for (const backend of backends) {
    try {
      await useBackend({ requested: backend });
    } catch (err) {
      console.error(`attention bench: skipping ${backend} (${(err as Error).message})`);
      continue;
    }
    const [q, k, v, dOut] = [tf.tensor(x.q, qShape), tf.tensor(x.k, kShape), tf.tensor(x.v, kShape), tf.tensor(x.dOut, qShape)];
    type Steps = Record<keyof typeof flops, () => tf.Tensor[]>;
    /** Checks once (the forward output and each gradient, laid out head-major by `asHeads`), then times and prints each step. */
    type AsHeads = { out: (out: tf.Tensor) => tf.Tensor; grads: (grads: tf.Tensor[]) => tf.Tensor[] };
    const measure = async (implementation: string, steps: Steps, asHeads: AsHeads = { out: (o) => o, grads: (g) => g }) => {
      const [out] = tf.tidy(() => [asHeads.out(steps.forward()[0])]);
      const errors = { forward: relativeError(await out.data(), forward.out), 'forward+backward': 0 };
      const got = tf.tidy(() => asHeads.grads(steps['forward+backward']()));
      for (const [i, name] of (['dq', 'dk', 'dv'] as (keyof AttentionGradients)[]).entries()) {
        errors['forward+backward'] = Math.max(errors['forward+backward'], relativeError(await got[i].data(), grads[name]));
      }
      tf.dispose([out, ...got]);
      for (const name of Object.keys(steps) as (keyof typeof flops)[]) {
        if (!(errors[name] <= TOLERANCE)) {
          console.error(`attention bench: parity FAILED on ${backend} (${implementation}) for ${name}: relative error ${errors[name]}`);
          process.exitCode = 1;
          continue;
        }
        const { best, median } = await timeTfjs(steps[name], seconds);
        const gflops = flops[name] / (best * 1e6);
        console.log(JSON.stringify({
          kernel: 'attention', implementation, backend, tf_backend: tf.getBackend(), case: name, shape,
          gflop: +(flops[name] / 1e9).toFixed(4), ms: +best.toFixed(2), median_ms: +median.toFixed(2),
          gflops: +gflops.toFixed(2), median_gflops: +(flops[name] / (median * 1e6)).toFixed(2),
          pct_of_peak: +((100 * gflops) / PEAK_GFLOPS).toFixed(2), peak_gflops: PEAK_GFLOPS,
          ...(measuredPeak ? { measured_peak_gflops: +measuredPeak.toFixed(1), pct_of_measured_peak: +((100 * gflops) / measuredPeak).toFixed(2) } : {}),
          max_rel_error: +errors[name].toExponential(2),
        }));
      }
    };
    const implementations: [string, typeof attention][] = [['tfjs-ops', attentionFromOps]];
    if (tf.getKernel(ATTENTION_KERNEL, tf.getBackend())) implementations.push(['fused', attention]);
    for (const [implementation, f] of implementations) {
      await measure(implementation, {
        forward: () => [f(q, k, v)],
        'forward+backward': () => tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => f(a, b, c))([q, k, v], dOut)),
      });
    }
    // selfAttention on the packed token-major qkv [B, N, 3·h·d] (the model's call): the fused
    // token-major kernel on native, a head split and merge around attention() elsewhere.
    const tokens = (t: tf.Tensor) => tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [B, N, h * d]); // [B, h, n, d] → [B, n, h·d]
    const headMajor = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, N, h, d]), [0, 2, 1, 3]);
    const qkv = tf.tidy(() => tf.concat([tokens(q), tokens(k), tokens(v)], 2));
    const dy = tokens(dOut);
    await measure(
      tf.getKernel(ATTENTION_TOKENS_KERNEL, tf.getBackend()) ? 'fused-tokens' : 'tokens-split',
      {
        forward: () => [selfAttention(qkv, h)],
        'forward+backward': () => tf.tidy(() => tf.grads((a: tf.Tensor) => selfAttention(a, h))([qkv], dy)),
      },
      { out: headMajor, grads: ([dqkv]) => tf.split(dqkv, 3, 2).map(headMajor) },
    );
    tf.dispose([qkv, dy]);
    tf.dispose([q, k, v, dOut]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
