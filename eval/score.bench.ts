/**
 * Throughput of `scoreVideo` on the world's standard clips (32×32, 16 frames), single-threaded,
 * with and without the Physics-IQ part (which renders the truth and re-simulates a second take).
 * Prints one JSON line per case. Videos/s is per CPU second of this process (process.cpuUsage),
 * so a busy machine does not understate it; wall-clock videos/s is printed beside it.
 *
 *   npx tsx eval/score.bench.ts        (also run by `npm run bench`)
 */
import os from 'node:os';
import { toStateFile } from '../datasets/interchange.js';
import { makeSample } from '../datasets/world/sample.js';
import { FAMILIES } from '../datasets/world/spec.js';
import { scoreVideo } from './score.js';
import type { VideoInput } from './types.js';

const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const N = quick ? 35 : 210;
const REPEATS = quick ? 1 : 3;

const inputs: VideoInput[] = [];
for (let i = 0; i < N; i++) {
  const { frames, meta } = makeSample({ family: FAMILIES[i % FAMILIES.length], split: 'id', seed: 5, index: i });
  inputs.push({ video: { frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps }, caption: meta.caption, truth: toStateFile(meta) });
}

function run(physicsIq: boolean): { cpu: number; wall: number } {
  let best = { cpu: 0, wall: 0 };
  for (let r = 0; r < REPEATS; r++) {
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    for (const input of inputs) scoreVideo(input, { physicsIq });
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const wallSeconds = (performance.now() - wall0) / 1000;
    if (N / cpuSeconds > best.cpu) best = { cpu: N / cpuSeconds, wall: N / wallSeconds };
  }
  return best;
}

// Warm up the JIT so the first case is not penalised.
for (const input of inputs.slice(0, 20)) scoreVideo(input);
for (const physicsIq of [false, true]) {
  const { cpu, wall } = run(physicsIq);
  console.log(
    JSON.stringify({
      bench: 'score',
      case: `scoreVideo ${physicsIq ? 'all metrics' : 'without Physics-IQ'} 32x32x16`,
      videos: N,
      threads: 1,
      videos_per_cpu_s: Number(cpu.toFixed(1)),
      videos_per_wall_s: Number(wall.toFixed(1)),
      target_per_core: 200,
      cpu: os.cpus()[0]?.model ?? 'unknown',
    }),
  );
}
