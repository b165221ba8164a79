/**
 * `npm run bench:data`: throughput of simulate + render + write for the default sample
 * (32×32, 16 frames at 10 fps), on one core (one thread), through makeDataset exactly as
 * `spacetime data make` runs it. Prints one JSON line per case.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeDataset } from './make.js';
import { parseSelection } from './selection.js';
import { FAMILIES } from './world/spec.js';

const N = Number(process.env.BENCH_DATA_N ?? 2100);
const REPEATS = 3;

function run(families: string): number {
  let best = 0;
  for (let r = 0; r < REPEATS; r++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-bench-data-'));
    const sel = parseSelection({ families, split: 'id', n: N, seed: r });
    const t0 = performance.now();
    makeDataset(sel, { out: dir });
    const seconds = (performance.now() - t0) / 1000;
    fs.rmSync(dir, { recursive: true, force: true });
    best = Math.max(best, N / seconds);
  }
  return best;
}

// Warm up the JIT once so the first case is not penalised.
run('uniform');
for (const families of ['all', ...FAMILIES]) {
  const rate = run(families);
  console.log(
    JSON.stringify({
      bench: 'data',
      case: `make ${families} 32x32x16`,
      samples: N,
      threads: 1,
      samples_per_s_per_core: Number(rate.toFixed(1)),
      target_per_core: 500,
      cpu: os.cpus()[0]?.model ?? 'unknown',
    }),
  );
}
