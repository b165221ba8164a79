// GELU benchmark: forward, and forward + backward, on each available tfjs backend — the
// tfjs ops (tfjs.ts's geluOps), and where the backend has it (`native`) the fused kernel —
// checked against the float64 reference once, then timed. One JSON line per case on
// stdout; skipped backends on stderr.
//
//   npx tsx kernels/gelu/gelu.bench.ts [--backends cpu,wasm,native,tensorflow] [--seconds S]
//
// Shape: the reference model's MLP activations at batch 8, [8, 256, 768]. Forward reads x
// and writes y (8 bytes per value); the backward reads x and dy and writes dx (12 more), so
// the figure is GB/s of that traffic.
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../base/compute/backend.js';
import { benchFlag as flag, testValues, timeTfjs } from '../../base/compute/spec-backends.js';
import { GELU_KERNEL } from './native.js';
import { geluGradReference, geluReference } from './reference.js';
import { gelu, geluOps } from './tfjs.js';

const SHAPE = [8, 256, 768];
const DEFAULT_BACKENDS = ['cpu', 'wasm', 'native', 'tensorflow'];

/** Largest |got − want| relative to |want| + |scale| (scale dy for the gradient: see gelu.test.ts). */
function worstError(got: ArrayLike<number>, want: ArrayLike<number>, scale?: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (err > 0) worst = Math.max(worst, err / (Math.abs(want[i]) + Math.abs(scale?.[i] ?? 0) + 1e-30));
  }
  return worst;
}

async function main(): Promise<void> {
  const backends = (flag('backends') ?? DEFAULT_BACKENDS.join(',')).split(',');
  const seconds = Number(flag('seconds') ?? 1);
  const n = SHAPE.reduce((a, b) => a * b, 1);
  const host = { x: testValues(n, 1, 4), dy: testValues(n, 2) };
  const want = { y: geluReference(host.x), dx: geluGradReference(host.x, host.dy) };
  for (const backend of backends) {
    try {
      await useBackend({ requested: backend });
    } catch (err) {
      console.error(`gelu bench: skipping ${backend} (${(err as Error).message})`);
      continue;
    }
    const [x, dy] = [tf.tensor(host.x, SHAPE), tf.tensor(host.dy, SHAPE)];
    const impls: [string, typeof gelu][] = [['tfjs-ops', geluOps]];
    if (tf.getKernel(GELU_KERNEL, tf.getBackend())) impls.push(['native-kernel', gelu]);
    for (const [implementation, impl] of impls) {
      const forward = () => impl(x);
      const backward = () => tf.grad((a: tf.Tensor) => impl(a))(x, dy); // dy fed straight in: no extra ops
      const [y, dx] = [forward(), backward()];
      const errors = { y: worstError(y.dataSync(), want.y), dx: worstError(dx.dataSync(), want.dx, host.dy) };
      tf.dispose([y, dx]);
      const fwd = await timeTfjs(forward, seconds, { warmups: 2 });
      const both = await timeTfjs(backward, seconds, { warmups: 2 });
      const base = { kernel: 'gelu', implementation, backend, tf_backend: tf.getBackend(), shape: `[${SHAPE.join(', ')}]` };
      console.log(JSON.stringify({ ...base, case: 'forward', ms: +fwd.best.toFixed(3), median_ms: +fwd.median.toFixed(3), gbps: +((8 * n) / (fwd.best * 1e6)).toFixed(2) }));
      console.log(JSON.stringify({
        ...base, case: 'forward+backward', ms: +both.best.toFixed(3), median_ms: +both.median.toFixed(3), gbps: +((20 * n) / (both.best * 1e6)).toFixed(2),
        max_rel_error: { y: +errors.y.toExponential(2), dx: +errors.dx.toExponential(2) },
      }));
    }
    tf.dispose([x, dy]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
