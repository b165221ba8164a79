/**
 * Throughput of `scoreVideo` on the world's standard clips (32×32, 16 frames), single-threaded,
 * with and without the Physics-IQ part (which renders the truth and re-simulates a second take),
 * each video with its own ground truth; and a scoring session (`createScorer`) where every truth
 * is shared by 4 videos, as the seeds of one prompt share it with `--seeds 4`.
 * Prints one JSON line per case. Videos/s is per CPU second of this process (process.cpuUsage),
 * so a busy machine does not understate it; wall-clock videos/s is printed beside it.
 *
 *   npx tsx eval/score.bench.ts        (also run by `npm run bench`)
 */
import os from 'node:os';
import { toStateFile } from '../datasets/interchange.js';
import { makeSample } from '../datasets/world/sample.js';
import { FAMILIES } from '../datasets/world/spec.js';
import { createScorer, scoreVideo } from './score.js';
import type { VideoInput } from './types.js';

const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const N = quick ? 35 : 210;
const REPEATS = quick ? 1 : 3;

const inputs: VideoInput[] = [];
for (let i = 0; i < N; i++) {
  const { frames, meta } = makeSample({ family: FAMILIES[i % FAMILIES.length], split: 'id', seed: 5, index: i });
  inputs.push({ video: { frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps }, caption: meta.caption, truth: toStateFile(meta) });
}

/** Every truth shared by SEEDS consecutive videos (another clip's video stands in for each further seed). */
const SEEDS = 4;
const shared: VideoInput[] = inputs.map((input, i) => ({ ...input, truth: inputs[i - (i % SEEDS)].truth }));

function run(score: (input: VideoInput) => unknown, set: VideoInput[]): { cpu: number; wall: number } {
  let best = { cpu: 0, wall: 0 };
  for (let r = 0; r < REPEATS; r++) {
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    for (const input of set) score(input);
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const wallSeconds = (performance.now() - wall0) / 1000;
    if (N / cpuSeconds > best.cpu) best = { cpu: N / cpuSeconds, wall: N / wallSeconds };
  }
  return best;
}

// Warm up the JIT so the first case is not penalised.
for (const input of inputs.slice(0, 20)) scoreVideo(input);
let session = createScorer();
const cases: [string, () => { cpu: number; wall: number }][] = [
  ['scoreVideo without Physics-IQ 32x32x16', () => run((input) => scoreVideo(input, { physicsIq: false }), inputs)],
  ['scoreVideo all metrics 32x32x16', () => run((input) => scoreVideo(input), inputs)],
  // A fresh session per repeat, so the first video of each truth pays for it every time.
  [`session all metrics, ${SEEDS} videos per truth 32x32x16`, () => run((input) => (input === shared[0] ? (session = createScorer()) : session)(input), shared)],
];
for (const [name, measure] of cases) {
  const { cpu, wall } = measure();
  console.log(
    JSON.stringify({
      bench: 'score',
      case: name,
      videos: N,
      threads: 1,
      videos_per_cpu_s: Number(cpu.toFixed(1)),
      videos_per_wall_s: Number(wall.toFixed(1)),
      target_per_core: 200,
      cpu: os.cpus()[0]?.model ?? 'unknown',
    }),
  );
}
