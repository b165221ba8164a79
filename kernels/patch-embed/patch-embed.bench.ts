// Patch-embed benchmark: patchify/unpatchify (tfjs.ts) on each available tfjs backend —
// tfjs ops, or the native kernel (native.ts) where the backend has it (`native`;
// the `implementation` field says which) — checked against the reference once
// (exactly), then timed. One JSON line per
// case on stdout; skipped backends and progress on stderr.
//
//   npx tsx kernels/patch-embed/patch-embed.bench.ts [--backends cpu,wasm,native,tensorflow] [--seconds S]
//
// Shape: the reference model at batch 8, video [8, 3, 8, 32, 32] with tubelet 2×4×4 →
// tokens [8, 256, 96]. Both ops only move data, so the figure is GB/s: bytes read plus
// bytes written (2 · 4 bytes · values) per call, counted once even though the tfjs
// version makes three transposing passes inside (tfjs.ts). copy_gbps is a plain
// Float32Array copy of the same size on this machine (in cache), measured at start-up,
// as the napkin-math ceiling.
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../base/compute/backend.js';
import { patchifyReference, unpatchifyReference } from './reference.js';
import { type Tubelet, patchGrid } from './shape.js';
import { PATCHIFY_KERNEL } from './native.js';
import { patchify, unpatchify } from './tfjs.js';
import { benchFlag as flag, testValues, timeTfjs } from '../../base/compute/spec-backends.js';

const VIDEO = [8, 3, 8, 32, 32] as const;
const PATCH: Tubelet = [2, 4, 4];
const DEFAULT_BACKENDS = ['cpu', 'wasm', 'native', 'tensorflow'];

const values = testValues;

function mismatches(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let n = Math.abs(got.length - want.length);
  for (let i = 0; i < Math.min(got.length, want.length); i++) if (got[i] !== want[i]) n++;
  return n;
}

/** Best and median ms per call of `run`, over `reps` samples of about `seconds / reps` each. */
function timeLoop(run: () => void, seconds: number, reps = 15): { best: number; median: number } {
  for (let i = 0; i < 3; i++) run();
  const start = performance.now();
  run();
  const oneMs = Math.max(performance.now() - start, 1e-3);
  const inner = Math.max(1, Math.round((seconds * 1000) / reps / oneMs));
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) run();
    samples.push((performance.now() - t0) / inner);
  }
  samples.sort((a, b) => a - b);
  return { best: samples[0], median: samples[Math.floor(samples.length / 2)] };
}

async function main(): Promise<void> {
  const backends = (flag('backends') ?? DEFAULT_BACKENDS.join(',')).split(',');
  const seconds = Number(flag('seconds') ?? 1);
  const g = patchGrid(VIDEO, PATCH);
  const tokensShape = [g.batch, g.tokens, g.features];
  const count = VIDEO.reduce((a, n) => a * n, 1);
  const bytes = 2 * 4 * count;
  const video = values(count, 1);
  const tokens = values(count, 2);
  const want = {
    patchify: patchifyReference(video, VIDEO, PATCH),
    unpatchify: unpatchifyReference(tokens, tokensShape, VIDEO.slice(1), PATCH),
  };
  const copyTarget = new Float32Array(count);
  const copy = timeLoop(() => copyTarget.set(video), 0.3);
  const copyGbps = bytes / (copy.best * 1e6);

  for (const backend of backends) {
    try {
      await useBackend({ requested: backend });
    } catch (err) {
      console.error(`patch-embed bench: skipping ${backend} (${(err as Error).message})`);
      continue;
    }
    const videoT = tf.tensor(video, [...VIDEO]);
    const tokensT = tf.tensor(tokens, tokensShape);
    const steps = {
      patchify: () => patchify(videoT, PATCH),
      unpatchify: () => unpatchify(tokensT, VIDEO.slice(1), PATCH),
    };
    for (const name of ['patchify', 'unpatchify'] as const) {
      const out = steps[name]();
      const wrong = mismatches(await out.data(), want[name]);
      out.dispose();
      if (wrong) {
        console.error(`patch-embed bench: parity FAILED on ${backend} for ${name}: ${wrong} values differ from the reference`);
        process.exitCode = 1;
        continue;
      }
      const { best, median } = await timeTfjs(steps[name], seconds, { warmups: 3, reps: 15 });
      const gbps = bytes / (best * 1e6);
      console.log(JSON.stringify({
        kernel: 'patch-embed', implementation: tf.getKernel(PATCHIFY_KERNEL, tf.getBackend()) ? 'native-kernel' : 'tfjs-ops', backend, tf_backend: tf.getBackend(), case: name,
        shape: `video [${VIDEO.join(', ')}] ↔ tokens [${tokensShape.join(', ')}], patch ${PATCH.join('×')}`,
        mbytes: +(bytes / 1e6).toFixed(3), ms: +best.toFixed(3), median_ms: +median.toFixed(3),
        gbps: +gbps.toFixed(2), median_gbps: +(bytes / (median * 1e6)).toFixed(2),
        copy_gbps: +copyGbps.toFixed(2), pct_of_copy: +((100 * gbps) / copyGbps).toFixed(2), exact: true,
      }));
    }
    tf.dispose([videoT, tokensT]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
