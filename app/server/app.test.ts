// The comparison server's JSON API and file serving, over real HTTP on 127.0.0.1, with
// fixture runs made from the world's ground truth and a fake generator.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './app.js';
import type { Generator } from './queue.js';
import { writeFixtureRuns } from './test-fixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-serve-api-'));
const runsDir = path.join(tmp, 'evals');
let server: RunningServer;
let base: string;
/** The fake generator: writes the prompt as the "video", reporting every step; gated so tests can watch a job queue. */
let release: () => void = () => {};
let gate = Promise.resolve();
const fakeGenerator: Generator = async (task, onStep) => {
  await gate;
  for (let s = 1; s <= task.steps; s++) onStep(s, task.steps);
  fs.writeFileSync(task.out, `video of "${task.prompt}" from ${task.checkpoint.id} seed ${task.seed}`);
};

beforeAll(async () => {
  await writeFixtureRuns(runsDir, { runs: [{ name: 'far', drift: 1.5, guidance: 1 }, { name: 'near', drift: 0.2, guidance: 3 }] });
  fs.mkdirSync(path.join(runsDir, 'broken'));
  fs.writeFileSync(path.join(runsDir, 'broken', 'run.json'), '{"format": "something-else"}');
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'outside the runs');
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(runsDir, 'near', 'leak.txt'));
  fs.symlinkSync(path.join(runsDir, 'far'), path.join(runsDir, 'near', 'videos-link'));
  fs.symlinkSync(path.join(runsDir, 'near', 'run.json'), path.join(runsDir, 'near', 'same-run.json'));
  server = await startServer({
    runsDir,
    port: 0,
    rescanMs: 0,
    generator: fakeGenerator,
    checkpoints: [
      { id: 'a', label: 'ckpt-a', path: '/nonexistent/a' },
      { id: 'b', label: 'ckpt-b', path: '/nonexistent/b' },
    ],
  });
  base = server.url.replace(/\/$/, '');
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const get = async (url: string) => {
  const res = await fetch(base + url);
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, body: type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer()) };
};
const post = async (url: string, body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }) => {
  const res = await fetch(base + url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};
/** A request with the path sent exactly as written (fetch would normalise `..`). */
const raw = (rawPath: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const req = http.request({ hostname, port, path: rawPath, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c)).on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject).end();
  });
const rows = (run: string) => JSON.parse(fs.readFileSync(path.join(runsDir, run, 'videos.json'), 'utf8')).rows as Record<string, number | string | null>[];

describe('runs', () => {
  it('lists every run folder with its suite, settings and headline, and marks an unreadable one', async () => {
    const { status, body } = await get('/api/runs');
    expect(status).toBe(200);
    expect(body.runs.map((r: { id: string }) => r.id)).toEqual(['broken', 'far', 'near']);
    const near = body.runs[2];
    expect(near.suite).toBe('fixture-id');
    expect(near.source.generate.guidance).toBe(3);
    expect(near.headline.videos).toBe(6);
    expect(near.headline.position_ade).toBeCloseTo(JSON.parse(fs.readFileSync(path.join(runsDir, 'near', 'run.json'), 'utf8')).headline.position_ade, 10);
    expect(body.runs[0].error).toMatch(/^run\.json: format: /);
    expect((await get('/api/runs/broken')).status).toBe(409);
  });

  it('notices a run written after start, and one removed', async () => {
    fs.cpSync(path.join(runsDir, 'near'), path.join(runsDir, 'sweep', 'late'), { recursive: true, verbatimSymlinks: true });
    let ids = (await get('/api/runs')).body.runs.map((r: { id: string }) => r.id);
    expect(ids).toContain('sweep/late');
    const one = await get(`/api/runs/${encodeURIComponent('sweep/late')}`);
    expect(one.status).toBe(200);
    expect(one.body.videos).toBe(6);
    expect(one.body.metrics).toContain('position_ade');
    fs.rmSync(path.join(runsDir, 'sweep'), { recursive: true });
    ids = (await get('/api/runs')).body.runs.map((r: { id: string }) => r.id);
    expect(ids).not.toContain('sweep/late');
    expect((await get(`/api/runs/${encodeURIComponent('sweep/late')}`)).status).toBe(404);
  });

  it('answers a bad or unknown run id with a 4xx and a message', async () => {
    for (const [url, status, message] of [
      ['/api/runs/nope', 404, /no run "nope"/],
      ['/api/runs/%2E%2E', 400, /bad run id/],
      ['/api/runs/a%20b', 400, /bad run id/],
      [`/api/runs/${'x'.repeat(300)}`, 400, /bad run id/],
    ] as const) {
      const r = await raw(url);
      expect(r.status, url).toBe(status);
      expect(JSON.parse(r.body).error).toMatch(message);
    }
  });
});

describe('side by side', () => {
  it('joins runs on the video id and sorts by the difference between them', async () => {
    const { status, body } = await get('/api/compare?runs=far,near&sort=position_ade&by=diff&order=desc');
    expect(status).toBe(200);
    expect(body.total).toBe(6);
    expect(body.metrics).toContain('gravity_error');
    const far = new Map(rows('far').map((r) => [r.id, r.position_ade as number]));
    const near = new Map(rows('near').map((r) => [r.id, r.position_ade as number]));
    const expected = [...far.keys()].sort((a, b) => near.get(b)! - far.get(b)! - (near.get(a)! - far.get(a)!));
    expect(body.rows.map((r: { id: string }) => r.id)).toEqual(expected);
    expect(body.rows[0].key).toBeCloseTo(near.get(expected[0])! - far.get(expected[0])!, 10);
    expect(body.rows[0].cells[0].metrics.position_ade).toBe(far.get(expected[0]));
  });

  it('filters by category and by violated rule', async () => {
    const byCategory = (await get('/api/compare?runs=far,near&category=collision')).body;
    expect(byCategory.rows.map((r: { id: string }) => r.id)).toEqual(['collision-000-s1', 'collision-001-s1']);
    const gravity = (await get('/api/compare?runs=far,near&violation=gravity')).body;
    const expected = rows('far').filter((r) => String(r.violations).includes('gravity')).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(gravity.rows.map((r: { id: string }) => r.id)).toEqual(expected.sort());
  });

  it('rejects a bad query with a 400 naming the problem', async () => {
    for (const [query, message] of [
      ['runs=far,near&sort=nope', /unknown metric "nope"/],
      ['runs=far,far', /listed twice/],
      ['runs=a,b,c,d,e', /at most 4 runs/],
      ['runs=far&by=sideways', /by/],
      ['runs=far&limit=-1', /limit/],
      ['runs=far&extra=1', /extra/],
      ['runs=far&runs=near', /runs/],
      ['', /runs/],
    ] as const) {
      const r = await get(`/api/compare?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.error, query).toMatch(message);
    }
    expect((await get('/api/compare?runs=far,ghost')).status).toBe(404);
  });

  it('gives one video in every run with its truth, metrics, violations and tracks', async () => {
    const id = rows('far')[0].id as string;
    const { status, body } = await get(`/api/videos/${id}?runs=far,near`);
    expect(status).toBe(200);
    expect(body.cells.map((c: { run: string }) => c.run)).toEqual(['far', 'near']);
    expect(body.truth.video).toBe(`/files/far/truth/${id}.mp4`);
    const tracks = JSON.parse(fs.readFileSync(path.join(runsDir, 'far', 'tracks', `${id}.json`), 'utf8'));
    expect(body.truth.tracks).toEqual(tracks.truth);
    expect(body.cells[0].tracks).toEqual(tracks.generated);
    expect(body.cells[0].row.violations).toEqual(String(rows('far')[0].violations).split(';').filter(Boolean));
    expect((await get(`/api/videos/${id}-nope?runs=far`)).status).toBe(404);
    expect((await raw('/api/videos/..?runs=far')).status).toBe(400);
    expect((await raw('/api/videos/%2e%2e?runs=far')).status).toBe(400);
  });
});

describe('files', () => {
  it('serves a run file with ranges, and the same bytes', async () => {
    const file = path.join(runsDir, 'near', 'videos', 'bounce-000-s1.mp4');
    const whole = await get('/files/near/videos/bounce-000-s1.mp4');
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.compare(whole.body as Buffer, fs.readFileSync(file))).toBe(0);
    const res = await fetch(`${base}/files/near/videos/bounce-000-s1.mp4`, { headers: { Range: 'bytes=10-19' } });
    expect(res.status).toBe(206);
    expect(Buffer.from(await res.arrayBuffer()).equals(fs.readFileSync(file).subarray(10, 20))).toBe(true);
  });

  it('refuses traversal, encoded traversal, absolute paths, dotfiles and symlinks that lead out', async () => {
    const attempts = [
      '/files/near/../far/run.json',
      '/files/near/../../secret.txt',
      '/files/near/%2e%2e/%2e%2e/secret.txt',
      '/files/near/..%2f..%2fsecret.txt',
      '/files/near/%252e%252e/%252e%252e/secret.txt',
      '/files/near/videos/..%5c..%5csecret.txt',
      '/files/near//etc/passwd',
      '/files/near/%2fetc%2fpasswd',
      '/files/near/videos/bounce-000-s1.mp4%00.txt',
      '/files/near/.hidden',
      '/files/near/leak.txt',
      '/files/near/videos-link/run.json',
      '/files/..%2f..%2f/secret.txt',
      `/files/${encodeURIComponent(tmp)}/secret.txt`,
    ];
    for (const attempt of attempts) {
      const r = await raw(attempt);
      expect([400, 403, 404], attempt).toContain(r.status);
      expect(r.body, attempt).not.toContain('outside the runs');
      expect(JSON.parse(r.body).error, attempt).toMatch(/\w/);
    }
    expect((await raw('/files/near/leak.txt')).status).toBe(403);
    expect((await raw('/files/near/videos-link/run.json')).status).toBe(403);
    // A symlink that stays inside the run folder is fine.
    expect((await raw('/files/near/same-run.json')).status).toBe(200);
  });

  it('serves the pages and plotly, with security headers', async () => {
    for (const page of ['/', '/compare', '/blind', '/leaderboard', '/generate', '/static/compare.js', '/vendor/plotly.min.js']) {
      const r = await fetch(base + page);
      expect(r.status, page).toBe(200);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(r.headers.get('x-powered-by')).toBeNull();
    }
    expect([403, 404]).toContain((await raw('/static/../app.ts')).status);
    expect([403, 404]).toContain((await raw('/static/%2e%2e/app.ts')).status);
  });

  it('refuses a foreign Host header (DNS rebinding) with 421', async () => {
    const r = await raw('/api/runs', { Host: 'evil.example:80' });
    expect(r.status).toBe(421);
    expect(JSON.parse(r.body).error).toMatch(/unexpected Host/);
    expect((await raw('/api/runs', { Host: 'localhost' })).status).toBe(200);
  });
});

describe('blind A/B', () => {
  it('hands out an unnamed pair, takes one vote, reveals the names and moves the leaderboard', async () => {
    const before = (await get('/api/leaderboard')).body;
    const pair = await post('/api/blind/pairs', { runs: ['far', 'near'] });
    expect(pair.status).toBe(201);
    expect(JSON.stringify(pair.body)).not.toMatch(/far|near/);
    const left = await get(pair.body.videos.left);
    const right = await get(pair.body.videos.right);
    const id = rows('far').find((r) => r.caption === pair.body.caption)!.id;
    const files = ['far', 'near'].map((run) => fs.readFileSync(path.join(runsDir, run, 'videos', `${id}.mp4`)));
    expect([left.body, right.body].map((b) => files.findIndex((f) => f.equals(b as Buffer))).sort()).toEqual([0, 1]);

    const vote = await post(`/api/blind/pairs/${pair.body.token}/vote`, { choice: 'left' });
    expect(vote.status).toBe(201);
    expect([vote.body.left, vote.body.right].sort()).toEqual(['far', 'near']);
    expect(files[['far', 'near'].indexOf(vote.body.left)].equals(left.body as Buffer)).toBe(true);
    const again = await post(`/api/blind/pairs/${pair.body.token}/vote`, { choice: 'right' });
    expect(again.status).toBe(409);

    const after = (await get('/api/leaderboard')).body;
    expect(after.votes).toBe(before.votes + 1);
    const winner = after.standings.find((s: { run: string }) => s.run === vote.body.left);
    expect(winner.wins).toBe(1);
    expect(winner.score).toBeGreaterThan(1000);
    expect(winner.low).toBeLessThanOrEqual(winner.score);
    expect(winner.high).toBeGreaterThanOrEqual(winner.score);

    const csv = await fetch(`${base}/api/votes.csv`).then((r) => r.text());
    expect(csv.split('\n')[0]).toBe('id,created,video_id,left_run,right_run,choice,winner');
    expect(csv).toContain(`,${id},${vote.body.left},${vote.body.right},left,${vote.body.left}`);
  });

  it('picks a pair on its own among runs of the same suite', async () => {
    const pair = await post('/api/blind/pairs', {});
    expect(pair.status).toBe(201);
    expect(pair.body.token).toMatch(/^[0-9a-f]{32}$/);
  });

  it('answers bad bodies, tokens and choices with a 4xx and a message', async () => {
    const pair = (await post('/api/blind/pairs', { runs: ['far', 'near'] })).body;
    const cases: [string, unknown, number, RegExp, Record<string, string>?][] = [
      [`/api/blind/pairs/${pair.token}/vote`, { choice: 'middle' }, 400, /choice/],
      [`/api/blind/pairs/${pair.token}/vote`, { choice: 'left', extra: 1 }, 400, /extra/],
      [`/api/blind/pairs/${pair.token}/vote`, '{"choice": "left"', 400, /malformed JSON/],
      [`/api/blind/pairs/${pair.token}/vote`, [1, 2], 400, /bad body/],
      [`/api/blind/pairs/${pair.token}/vote`, { choice: 'x'.repeat(20_000) }, 413, /too large/],
      [`/api/blind/pairs/${pair.token}/vote`, 'choice=left', 415, /application\/json/, { 'Content-Type': 'application/x-www-form-urlencoded' }],
      ['/api/blind/pairs/zz/vote', { choice: 'left' }, 400, /bad pair token/],
      [`/api/blind/pairs/${'0'.repeat(32)}/vote`, { choice: 'left' }, 404, /no such pair/],
      ['/api/blind/pairs', { runs: ['far'] }, 400, /runs/],
      ['/api/blind/pairs', { runs: ['far', 'far'] }, 400, /two different runs/],
      ['/api/blind/pairs', { runs: ['far', '../x'] }, 400, /bad run id/],
      ['/api/blind/pairs', { runs: ['far', 'ghost'] }, 404, /no run "ghost"/],
      ['/api/blind/pairs', { runs: ['far', 'broken'] }, 409, /unreadable/],
    ];
    for (const [url, body, status, message, headers] of cases) {
      const r = await post(url, body, headers);
      expect(r.status, `${url} ${JSON.stringify(body).slice(0, 40)}`).toBe(status);
      expect(r.body.error).toMatch(message);
    }
    expect((await get(`/api/blind/pairs/${pair.token}/middle.mp4`)).status).toBe(404);
    expect((await get('/api/leaderboard?resamples=99999')).status).toBe(400);
  });
});

describe('generate on demand', () => {
  it('runs jobs one at a time in order, with progress, and serves the videos', async () => {
    gate = new Promise((resolve) => (release = resolve));
    const first = await post('/api/jobs', { prompt: 'a red ball bounces on the floor', checkpoints: ['a', 'b'], seed: 7, steps: 5 });
    const second = await post('/api/jobs', { prompt: 'a blue ball moves to the left', checkpoints: ['b'] });
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(first.body.progress).toEqual({ done: 0, total: 10 });
    const waiting = (await get(`/api/jobs/${second.body.id}`)).body;
    expect(waiting.status).toBe('queued');
    expect(waiting.position).toBe(1);
    expect((await get(`/api/jobs/${first.body.id}`)).body.status).toBe('running');
    release();
    await server.queue.idle();
    const done = (await get(`/api/jobs/${first.body.id}`)).body;
    expect(done.status).toBe('done');
    expect(done.progress).toEqual({ done: 10, total: 10 });
    expect(done.videos).toEqual([`/api/jobs/${first.body.id}/0.mp4`, `/api/jobs/${first.body.id}/1.mp4`]);
    expect(String((await get(done.videos[1])).body)).toBe('video of "a red ball bounces on the floor" from b seed 7');
    const later = (await get(`/api/jobs/${second.body.id}`)).body;
    expect([later.status, later.steps, later.guidance, later.seed]).toEqual(['done', 25, 3, 0]);
    expect((await get('/api/checkpoints')).body.checkpoints).toEqual([{ id: 'a', label: 'ckpt-a' }, { id: 'b', label: 'ckpt-b' }]);
  });

  it('rejects bad jobs with a 4xx and a message', async () => {
    for (const [body, message] of [
      [{ prompt: '  ', checkpoints: ['a'] }, /prompt is empty/],
      [{ prompt: 'x'.repeat(301), checkpoints: ['a'] }, /300 characters/],
      [{ prompt: 'a ball', checkpoints: ['a', 'b', 'a'] }, /one or two/],
      [{ prompt: 'a ball', checkpoints: ['zzz'] }, /unknown checkpoint "zzz"/],
      [{ prompt: 'a ball', checkpoints: ['a'], steps: 0 }, /steps/],
      [{ prompt: 'a ball', checkpoints: ['a'], seed: 1.5 }, /seed/],
      [{ prompt: 'a ball', checkpoints: ['a'], path: '/etc' }, /path/],
    ] as const) {
      const r = await post('/api/jobs', body);
      expect(r.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(r.body.error).toMatch(message);
    }
    expect((await get('/api/jobs/xyz')).status).toBe(400);
    expect((await get(`/api/jobs/${'a'.repeat(16)}`)).status).toBe(404);
    expect((await get(`/api/jobs/${'a'.repeat(16)}/0.mp4`)).status).toBe(404);
  });

  it('unknown routes are a JSON 404', async () => {
    const r = await get('/api/nothing');
    expect(r.status).toBe(404);
    expect(r.body.error).toMatch(/no route GET \/api\/nothing/);
  });
});
