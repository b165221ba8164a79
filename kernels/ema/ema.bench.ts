// EMA update benchmark: one update of one parameter tensor on each available tfjs backend —
// the tfjs ops (tfjs.ts's emaUpdateOps), and where the backend has it (`native`) the fused
// kernel with a fresh output and in place on a variable as Ema.update runs it — checked bit
// for bit against the float32 reference once, then timed. One JSON line per case on
// stdout; skipped backends on stderr.
//
//   npx tsx kernels/ema/ema.bench.ts [--backends cpu,wasm,native,tensorflow] [--seconds S]
//
// Shapes: the bench preset's largest matrix (adaLN [192, 1152]) and all of its 4,270,368
// parameters as one tensor. The update is memory-bound: 2 arrays read and 1 written, 12
// bytes per value, so the figure is GB/s of that traffic.
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../base/compute/backend.js';
import { benchFlag as flag, testValues, timeTfjs } from '../../base/compute/spec-backends.js';
import { EMA_KERNEL } from './native.js';
import { emaReference } from './reference.js';
import { emaUpdate, emaUpdateOps } from './tfjs.js';

const CASES = [
  { name: 'adaLN matrix', shape: [192, 1152] },
  { name: 'every bench-preset parameter', shape: [4270368] },
];
const DEFAULT_BACKENDS = ['cpu', 'wasm', 'native', 'tensorflow'];
const BYTES_PER_VALUE = 3 * 4;
const DECAY = 0.999;

async function main(): Promise<void> {
  const backends = (flag('backends') ?? DEFAULT_BACKENDS.join(',')).split(',');
  const seconds = Number(flag('seconds') ?? 1);
  for (const backend of backends) {
    try {
      await useBackend({ requested: backend });
    } catch (err) {
      console.error(`ema bench: skipping ${backend} (${(err as Error).message})`);
      continue;
    }
    for (const c of CASES) {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const [sHost, pHost] = [testValues(n, 1), testValues(n, 2)];
      const want = emaReference(sHost, pHost, DECAY, 'float32');
      const average = tf.variable(tf.tensor(sHost, c.shape), false);
      const p = tf.tensor(pHost, c.shape);
      const impls: [string, () => tf.Tensor[]][] = [['tfjs-ops', () => [emaUpdateOps(average, p, DECAY)]]];
      if (tf.getKernel(EMA_KERNEL, tf.getBackend())) {
        impls.push(['native-kernel', () => [emaUpdate(average, p, DECAY)]]);
        // As Ema.update: the output replaces the variable, so the kernel writes into its
        // buffer. The values drift (one more update per call): fine for timing.
        impls.push(['native-kernel-in-place', () => (tf.tidy(() => average.assign(emaUpdate(average, p, DECAY, { inPlace: true }))), [])]);
      }
      for (const [implementation, step] of impls) {
        if (implementation !== 'native-kernel-in-place') {
          const [out] = step();
          const got = out.dataSync();
          out.dispose();
          let wrong = 0;
          for (let i = 0; i < n; i++) if (got[i] !== want[i]) wrong++;
          if (wrong) {
            console.error(`ema bench: parity FAILED on ${backend} (${implementation}, ${c.name}): ${wrong} values differ from the float32 reference`);
            process.exitCode = 1;
            continue;
          }
        }
        const { best, median } = await timeTfjs(() => (tf.dispose(step()), []), seconds, { warmups: 2 });
        console.log(JSON.stringify({
          kernel: 'ema', implementation, backend, tf_backend: tf.getBackend(), case: c.name, shape: `[${c.shape.join(', ')}]`, values: n,
          ms: +best.toFixed(3), median_ms: +median.toFixed(3), gbps: +((n * BYTES_PER_VALUE) / (best * 1e6)).toFixed(2),
          exact: implementation !== 'native-kernel-in-place' ? true : 'checked on native-kernel',
        }));
      }
      tf.dispose([average, p]);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
