/**
 * Load on the comparison server: requests/s and latency percentiles at 50 concurrent
 * connections (autocannon, against 127.0.0.1 only, a few seconds per case) for the run list,
 * a side-by-side data request, one video's detail, and video bytes. The server is the real
 * CLI in its own process, serving fixture runs made from the world's ground truth.
 * Target: p99 < 50 ms for the JSON endpoints. Prints one JSON line per case.
 *
 *   npx tsx app/server/serve.bench.ts [--quick]      (or: npm run bench -- --only serve)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { writeFixtureRuns } from './test-fixtures.js';

const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const CONNECTIONS = 50;
const SECONDS = QUICK ? 2 : 8;
const TARGET_P99_MS = 50;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-bench-serve-'));
const runsDir = path.join(tmp, 'evals');
await writeFixtureRuns(runsDir, {
  runs: [{ name: 'guidance-1', drift: 1.2, guidance: 1 }, { name: 'guidance-3', drift: 0.3, guidance: 3 }, { name: 'guidance-6', drift: 0.6, guidance: 6 }],
  families: ['bounce', 'parabola', 'collision', 'slide'],
  perFamily: 4,
});
const videos = JSON.parse(fs.readFileSync(path.join(runsDir, 'guidance-1', 'videos.json'), 'utf8')).rows as { id: string }[];

const cli = path.resolve('bin', 'spacetime.js');
const server = spawn(process.execPath, [cli, 'serve', '--runs', runsDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    const m = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
});

const id = videos[0].id;
const cases: { name: string; path: string; json: boolean }[] = [
  { name: 'run list', path: '/api/runs', json: true },
  { name: 'side by side (3 runs, sorted by difference)', path: '/api/compare?runs=guidance-1,guidance-3,guidance-6&sort=position_ade&by=diff&order=desc', json: true },
  { name: 'one video in 3 runs (rows + tracks)', path: `/api/videos/${id}?runs=guidance-1,guidance-3,guidance-6`, json: true },
  { name: 'video bytes (mp4)', path: `/files/guidance-3/videos/${id}.mp4`, json: false },
];

try {
  for (const c of cases) {
    const url = base + c.path;
    const check = await fetch(url);
    if (check.status !== 200) throw new Error(`${c.path}: HTTP ${check.status}`);
    const bytes = (await check.arrayBuffer()).byteLength;
    await autocannon({ url, connections: CONNECTIONS, duration: 1 }); // warm-up: JIT, caches
    const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
    console.log(
      JSON.stringify({
        bench: 'serve',
        case: c.name,
        path: c.path.replace(/\?.*/, ''),
        response_bytes: bytes,
        connections: CONNECTIONS,
        seconds: SECONDS,
        requests_per_s: Math.round(r.requests.average),
        latency_p50_ms: r.latency.p50,
        latency_p99_ms: r.latency.p99,
        latency_max_ms: r.latency.max,
        mb_per_s: Number((r.throughput.average / 1e6).toFixed(2)),
        errors: r.errors + r.timeouts,
        non_2xx: r.non2xx,
        ...(c.json ? { target_p99_ms: TARGET_P99_MS, meets_target: r.latency.p99 < TARGET_P99_MS } : {}),
        cores: os.availableParallelism(),
        load_average_1m: Number(os.loadavg()[0].toFixed(2)),
        ...(QUICK ? { quick: true } : {}),
      }),
    );
  }
} finally {
  server.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
}
