// `spacetime serve` as a process: votes survive a kill -9 of the server; bad flags are one line.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureRuns } from '../app/server/test-fixtures.js';

const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'bin', 'spacetime.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-serve-cli-'));
const runsDir = path.join(tmp, 'evals');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

beforeAll(async () => {
  await writeFixtureRuns(runsDir, { runs: [{ name: 'g1', drift: 1.2 }, { name: 'g3', drift: 0.3 }], families: ['bounce'], perFamily: 2 });
});

/** Start the real CLI on a free port; resolves with its URL once it says it is serving. */
function serve(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'serve', '--runs', runsDir, '--port', '0'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

const json = async (url: string, body?: unknown) => {
  const res = await fetch(url, body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};

describe('spacetime serve', () => {
  it('keeps acknowledged votes through a kill -9 and a restart', async () => {
    const first = await serve();
    expect((await json(`${first.url}api/runs`)).body.runs.map((r: { id: string }) => r.id)).toEqual(['g1', 'g3']);
    const choices = ['left', 'right', 'tie'];
    const cast: { left: string; right: string; choice: string }[] = [];
    for (const choice of choices) {
      const pair = await json(`${first.url}api/blind/pairs`, { runs: ['g1', 'g3'] });
      const vote = await json(`${first.url}api/blind/pairs/${pair.body.token}/vote`, { choice });
      expect(vote.status).toBe(201);
      cast.push({ left: vote.body.left, right: vote.body.right, choice });
    }
    // A pair handed out but not yet voted on when the server dies.
    const pending = await json(`${first.url}api/blind/pairs`, { runs: ['g1', 'g3'] });
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = await serve();
    const csv = await fetch(`${second.url}api/votes.csv`).then((r) => r.text());
    const rows = csv.trim().split('\n').slice(1).map((line) => line.split(','));
    expect(rows.map((r) => ({ left: r[3], right: r[4], choice: r[5] }))).toEqual(cast);
    expect((await json(`${second.url}api/leaderboard`)).body.votes).toBe(3);
    expect((await json(`${second.url}api/blind/pairs/${pending.body.token}/vote`, { choice: 'both_bad' })).status).toBe(201);
    expect((await json(`${second.url}api/leaderboard`)).body.votes).toBe(4);
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  });

  it('refuses a missing --runs, a missing folder and a bad port in one line', () => {
    for (const [args, message] of [
      [[], /missing required flag --runs/],
      [['--runs', path.join(tmp, 'nowhere')], /--runs .*nowhere: no such folder/],
      [['--runs', runsDir, '--port', '70000'], /--port must be in \[0, 65535\]/],
      [['--runs', runsDir, '--checkpoints', path.join(tmp, 'no-ckpt')], /--checkpoints: .*no-ckpt not found/],
    ] as const) {
      const r = spawnSync(process.execPath, [cli, 'serve', ...args], { cwd: tmp, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
