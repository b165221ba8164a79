// AdamW benchmark: one update of one parameter tensor on each available tfjs backend —
// the tfjs ops (tfjs.ts's adamwUpdateOps), and where the backend has it (`native`) the
// fused kernel with fresh outputs and in place on variables as AdamW.step runs it —
// checked bit for bit against the float32 reference once, then timed. One JSON line per
// case on stdout; skipped backends and progress on stderr.
//
//   npx tsx kernels/adamw/adamw.bench.ts [--backends cpu,wasm,native,tensorflow] [--seconds S]
//
// Shapes: the bench preset's largest matrix (adaLN [192, 1152]) and all of its 4,270,368
// parameters as one tensor. The update is memory-bound: 4 arrays read and 3 written,
// 28 bytes per value, so the figure is GB/s of that traffic (the ops version moves far
// more: 15 kernels, each reading one or two arrays and writing one). copy_gbps is a plain
// Float32Array copy of the same bytes (8 per value, so 3.5 × fewer values), as a ceiling.
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../base/compute/backend.js';
import { benchFlag as flag, testValues, timeTfjs } from '../../base/compute/spec-backends.js';
import { adamwConstants } from './constants.js';
import { ADAMW_KERNEL } from './native.js';
import { adamwReference } from './reference.js';
import { adamwUpdate, adamwUpdateOps } from './tfjs.js';

const CASES = [
  { name: 'adaLN matrix', shape: [192, 1152] },
  { name: 'every bench-preset parameter', shape: [4270368] },
];
const DEFAULT_BACKENDS = ['cpu', 'wasm', 'native', 'tensorflow'];
const BYTES_PER_VALUE = 7 * 4;

async function main(): Promise<void> {
  const backends = (flag('backends') ?? DEFAULT_BACKENDS.join(',')).split(',');
  const seconds = Number(flag('seconds') ?? 1);
  const constants = adamwConstants({ lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 10 });
  for (const backend of backends) {
    try {
      await useBackend({ requested: backend });
    } catch (err) {
      console.error(`adamw bench: skipping ${backend} (${(err as Error).message})`);
      continue;
    }
    for (const c of CASES) {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const host = { p: testValues(n, 1), m: testValues(n, 2, 0.1), v: testValues(n, 3, 0.01).map(Math.abs) };
      const gHost = testValues(n, 4, 0.1);
      const want = adamwReference(host, gHost, constants, 'float32');
      const [p, m, v] = [host.p, host.m, host.v].map((x) => tf.variable(tf.tensor(x, c.shape), false));
      const g = tf.tensor(gHost, c.shape);
      const copyFrom = new Float32Array((n * BYTES_PER_VALUE) / 8);
      const copyTo = new Float32Array(copyFrom.length);
      const copyMs = (await timeTfjs(() => (copyTo.set(copyFrom), []), 0.3)).best;
      const impls: [string, () => tf.Tensor[]][] = [['tfjs-ops', () => Object.values(adamwUpdateOps({ p, m, v }, g, constants))]];
      if (tf.getKernel(ADAMW_KERNEL, tf.getBackend())) {
        impls.push(['native-kernel', () => Object.values(adamwUpdate({ p, m, v }, g, constants))]);
        // As AdamW.step: the outputs replace the variables, so after the first call each
        // variable alone holds its buffer and the kernel writes into it. The values drift
        // (one more step per call): fine for timing, checked on a fresh copy above.
        impls.push(['native-kernel-in-place', () => {
          tf.tidy(() => {
            const next = adamwUpdate({ p, m, v }, g, constants, { inPlace: true });
            m.assign(next.m);
            v.assign(next.v);
            p.assign(next.p);
          });
          return [];
        }]);
      }
      for (const [implementation, step] of impls) {
        if (implementation !== 'native-kernel-in-place') {
          const outs = step();
          const [gp, gm, gv] = outs.map((t) => t.dataSync());
          tf.dispose(outs);
          let wrong = 0;
          for (let i = 0; i < n; i++) if (gp[i] !== want.p[i] || gm[i] !== want.m[i] || gv[i] !== want.v[i]) wrong++;
          if (wrong) {
            console.error(`adamw bench: parity FAILED on ${backend} (${implementation}, ${c.name}): ${wrong} values differ from the float32 reference`);
            process.exitCode = 1;
            continue;
          }
        }
        // Outputs disposed inside, nothing read back (timeTfjs would copy all three out of
        // the heap): every backend here runs these kernels synchronously.
        const { best, median } = await timeTfjs(() => (tf.dispose(step()), []), seconds, { warmups: 2 });
        const gbps = (n * BYTES_PER_VALUE) / (best * 1e6);
        console.log(JSON.stringify({
          kernel: 'adamw', implementation, backend, tf_backend: tf.getBackend(), case: c.name, shape: `[${c.shape.join(', ')}]`,
          values: n, ms: +best.toFixed(3), median_ms: +median.toFixed(3), gbps: +gbps.toFixed(2),
          median_gbps: +((n * BYTES_PER_VALUE) / (median * 1e6)).toFixed(2), copy_gbps: +((n * BYTES_PER_VALUE) / (copyMs * 1e6)).toFixed(2),
          exact: implementation !== 'native-kernel-in-place' ? true : 'checked on native-kernel',
        }));
      }
      tf.dispose([p, m, v, g]);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
