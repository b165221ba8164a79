// LayerNorm + modulate benchmark: forward, and forward + backward (dx, dshift, dscale), on
// each available tfjs backend — the tfjs ops (tfjs.ts's layerNormModulateOps), and where
// the backend has it (`native`) the fused kernel — checked against the float64 reference
// once, then timed. One JSON line per case on stdout; skipped backends on stderr.
//
//   npx tsx kernels/layernorm-modulate/layernorm-modulate.bench.ts [--backends cpu,wasm,native,tensorflow] [--seconds S]
//
// Shape: the reference model's adaLN at batch 8, x [8, 256, 192]. The fused kernel is
// memory-bound: forward reads x and writes y (8 bytes per value), backward reads x and dy
// and writes dx (12 bytes per value), so the figure is GB/s of that traffic.
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../base/compute/backend.js';
import { benchFlag as flag, testValues, timeTfjs } from '../../base/compute/spec-backends.js';
import { LAYERNORM_MODULATE_KERNEL } from './native.js';
import { layerNormModulateGradReference, layerNormModulateReference } from './reference.js';
import { layerNormModulate, layerNormModulateOps } from './tfjs.js';

const SHAPE: [number, number, number] = [8, 256, 192];
const EPS = 1e-6;
const DEFAULT_BACKENDS = ['cpu', 'wasm', 'native', 'tensorflow'];

function worstError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let top = 0;
  let worst = 0;
  for (let i = 0; i < want.length; i++) top = Math.max(top, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  return worst / top;
}

async function main(): Promise<void> {
  const backends = (flag('backends') ?? DEFAULT_BACKENDS.join(',')).split(',');
  const seconds = Number(flag('seconds') ?? 1);
  const [B, N, D] = SHAPE;
  const n = B * N * D;
  const host = { x: testValues(n, 1, 2), shift: testValues(B * D, 2, 0.5), scale: testValues(B * D, 3, 0.5), dy: testValues(n, 4) };
  const want = { y: layerNormModulateReference(host.x, host.shift, host.scale, SHAPE, EPS), ...layerNormModulateGradReference(host.x, host.scale, host.dy, SHAPE, EPS) };
  for (const backend of backends) {
    try {
      await useBackend({ requested: backend });
    } catch (err) {
      console.error(`layernorm-modulate bench: skipping ${backend} (${(err as Error).message})`);
      continue;
    }
    const [x, shift, scale, dy] = [tf.tensor(host.x, SHAPE), tf.tensor(host.shift, [B, D]), tf.tensor(host.scale, [B, D]), tf.tensor(host.dy, SHAPE)];
    const impls: [string, typeof layerNormModulate][] = [['tfjs-ops', layerNormModulateOps]];
    if (tf.getKernel(LAYERNORM_MODULATE_KERNEL, tf.getBackend())) impls.push(['native-kernel', layerNormModulate]);
    for (const [implementation, impl] of impls) {
      const forward = () => impl(x, shift, scale, EPS);
      const backward = () => tf.grads((a: tf.Tensor, b: tf.Tensor, s: tf.Tensor) => impl(a, b, s, EPS))([x, shift, scale], dy); // dy fed straight in
      const [y, [dx, dshift, dscale]] = [forward(), backward()];
      const errors = { y: worstError(y.dataSync(), want.y), dx: worstError(dx.dataSync(), want.dx), dshift: worstError(dshift.dataSync(), want.dshift), dscale: worstError(dscale.dataSync(), want.dscale) };
      tf.dispose([y, dx, dshift, dscale]);
      const fwd = await timeTfjs(forward, seconds, { warmups: 2 });
      const both = await timeTfjs(backward, seconds, { warmups: 2 });
      const base = { kernel: 'layernorm-modulate', implementation, backend, tf_backend: tf.getBackend(), shape: `[${SHAPE.join(', ')}]` };
      console.log(JSON.stringify({ ...base, case: 'forward', ms: +fwd.best.toFixed(3), median_ms: +fwd.median.toFixed(3), gbps: +((8 * n) / (fwd.best * 1e6)).toFixed(2) }));
      console.log(JSON.stringify({
        ...base, case: 'forward+backward', ms: +both.best.toFixed(3), median_ms: +both.median.toFixed(3), gbps: +((20 * n) / (both.best * 1e6)).toFixed(2),
        max_rel_error: Object.fromEntries(Object.entries(errors).map(([k, e]) => [k, +e.toExponential(2)])),
      }));
    }
    tf.dispose([x, shift, scale, dy]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
