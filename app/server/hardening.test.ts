// Attacks on the comparison server that the adversarial pass of issue 18 found: a file
// swapped for a symlink while it is served, symlinked and FIFO run files, and malformed
// HTTP (two Host headers, an over-long request line, a huge declared body).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JOB_BODY_BYTES, startServer, type RunningServer } from './app.js';
import { openedPathInside } from './files.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-serve-hardening-'));
const runsDir = path.join(tmp, 'evals');
const SECRET = 'SECRET outside the runs folder';
const secretFile = path.join(tmp, 'secret.txt');
let server: RunningServer;
let base: string;
const children: ChildProcess[] = [];
/** When the FIFO test's late writers write (a server blocked on a FIFO answers only then). */
const WRITER_DELAY_MS = 4000;

/** A minimal run folder: run.json, videos.json with the given rows. */
function writeRun(name: string, rows: Record<string, unknown>[] = [{ id: 'bounce-000-s1', category: 'bounce', video: 'videos/bounce-000-s1.mp4', position_ade: 0.5 }]): string {
  const dir = path.join(runsDir, name);
  fs.mkdirSync(path.join(dir, 'videos'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ format: 'spacetime-eval/v1', suite: null }));
  fs.writeFileSync(path.join(dir, 'videos.json'), JSON.stringify({ rows }));
  return dir;
}

beforeAll(async () => {
  fs.mkdirSync(runsDir);
  fs.writeFileSync(secretFile, SECRET);
  writeRun('plain');
  server = await startServer({ runsDir, port: 0, rescanMs: 0, generator: async () => {}, checkpoints: [] });
  base = server.url.replace(/\/$/, '');
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('files raced against a symlink swap', () => {
  // Before the fix (check the real path, then let sendFile open the path again): 23 and 43 of 600 leaked in two runs.
  it('never serves the outside file while videos/x.txt flips between a regular file and a symlink out', async () => {
    const dir = writeRun('race');
    const target = path.join(dir, 'videos', 'x.txt');
    const inside = 'inside the run';
    fs.writeFileSync(target, inside);
    // The swapper runs in its own process, so a flip can land between any two system calls of the server.
    const swapper = spawn(process.execPath, [
      '-e',
      `const fs = require('fs'); const [t, secret, inside] = process.argv.slice(1);
       for (let i = 0; ; i++) {
         const tmp = t + '.' + (i % 2);
         try { fs.rmSync(tmp, { force: true }); if (i % 2) fs.symlinkSync(secret, tmp); else fs.writeFileSync(tmp, inside); fs.renameSync(tmp, t); } catch {}
       }`,
      target,
      secretFile,
      inside,
    ]);
    children.push(swapper);
    const REQUESTS = 600;
    const PARALLEL = 8;
    const counts = { inside: 0, leaked: 0, refused: 0, aborted: 0 };
    let sent = 0;
    try {
      await Promise.all(
        Array.from({ length: PARALLEL }, async () => {
          while (sent < REQUESTS) {
            sent++;
            let res: Response;
            let body: string;
            try {
              res = await fetch(`${base}/files/race/videos/x.txt`);
              body = await res.text();
            } catch {
              counts.aborted++; // the connection was cut mid-answer
              continue;
            }
            if (body.includes('SECRET')) counts.leaked++;
            else if (res.status === 200 && body === inside) counts.inside++;
            else counts.refused++;
          }
        }),
      );
    } finally {
      swapper.kill('SIGKILL');
    }
    expect(counts.leaked, JSON.stringify(counts)).toBe(0);
    // Both states were seen, so the race was really run.
    expect(counts.inside, JSON.stringify(counts)).toBeGreaterThan(0);
    expect(counts.refused, JSON.stringify(counts)).toBeGreaterThan(0);
  }, 60_000);

  // A folder on the path swapped for a symlink between realpath and open: too narrow a window to hit
  // from outside, so the check after the open is given the handle of an outside file directly.
  it('refuses a handle that turns out to lie outside the run, with /proc and without', () => {
    const dir = writeRun('handles');
    const insideFile = path.join(dir, 'videos', 'x.txt');
    fs.writeFileSync(insideFile, 'inside the run');
    const check = (opened: string, claimed: string, procFds?: string) => {
      const fd = fs.openSync(opened, 'r');
      try {
        return openedPathInside(fd, fs.fstatSync(fd), fs.realpathSync(dir), fs.realpathSync(claimed), procFds);
      } finally {
        fs.closeSync(fd);
      }
    };
    for (const procFds of [undefined, path.join(tmp, 'no-proc')]) {
      expect(check(insideFile, insideFile, procFds)).toBe(true);
      expect(check(secretFile, insideFile, procFds)).toBe(false);
    }
    // Without /proc: the inside path must still name the very file opened.
    const other = path.join(dir, 'videos', 'y.txt');
    fs.writeFileSync(other, 'another inside file');
    expect(check(other, insideFile, path.join(tmp, 'no-proc'))).toBe(false);
  });
});

describe('files served from the open handle', () => {
  it('keeps what sendFile gave: type, validators, 304, 412, ranges, 416, HEAD', async () => {
    const dir = writeRun('headers');
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    fs.writeFileSync(path.join(dir, 'videos', 'v.mp4'), bytes);
    const url = `${base}/files/headers/videos/v.mp4`;
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    const etag = whole.headers.get('etag')!;
    const modified = whole.headers.get('last-modified')!;
    expect(etag).toMatch(/^W\/"3e8-[0-9a-f]+"$/);
    expect(Object.fromEntries(['content-type', 'content-length', 'accept-ranges', 'cache-control'].map((h) => [h, whole.headers.get(h)]))).toEqual({
      'content-type': 'video/mp4',
      'content-length': '1000',
      'accept-ranges': 'bytes',
      'cache-control': 'no-cache',
    });
    expect(whole.headers.get('content-security-policy')).toMatch(/^sandbox/);

    // fetch adds `Cache-Control: no-cache` to a conditional request (which forbids a 304) unless told otherwise.
    expect((await fetch(url, { headers: { 'If-None-Match': etag, 'Cache-Control': 'max-age=0' } })).status).toBe(304);
    expect((await fetch(url, { headers: { 'If-Modified-Since': modified, 'Cache-Control': 'max-age=0' } })).status).toBe(304);
    expect((await fetch(url, { headers: { 'If-Match': '"other"' } })).status).toBe(412);
    expect((await fetch(url, { headers: { 'If-Match': etag } })).status).toBe(200);

    const part = await fetch(url, { headers: { Range: 'bytes=-10' } });
    expect([part.status, part.headers.get('content-range')]).toEqual([206, 'bytes 990-999/1000']);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(990))).toBe(true);
    const beyond = await fetch(url, { headers: { Range: 'bytes=5000-' } });
    expect([beyond.status, beyond.headers.get('content-range')]).toEqual([416, 'bytes */1000']);
    expect((await beyond.json()).error).toMatch(/range/i);
    // Several ranges, a stale If-Range, another unit or a malformed range: the whole file, as send did.
    for (const headers of [{ Range: 'bytes=0-1,500-501' } as Record<string, string>, { Range: 'bytes=0-1', 'If-Range': '"stale"' }, { Range: 'items=0-1' }, { Range: 'bytes=zz' }]) {
      const r = await fetch(url, { headers });
      expect(r.status, JSON.stringify(headers)).toBe(200);
      expect((await r.arrayBuffer()).byteLength).toBe(1000);
    }
    const head = await fetch(url, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), (await head.arrayBuffer()).byteLength]).toEqual([200, '1000', 0]);
    expect((await fetch(`${base}/files/headers/videos`)).status).toBe(404);
  });
});

describe('run files the server reads itself', () => {
  it('refuses a categories.json or videos.json symlinked out of the run, and says so', async () => {
    fs.writeFileSync(path.join(tmp, 'secret-categories.json'), JSON.stringify({ rows: [{ category: SECRET }] }));
    fs.writeFileSync(path.join(tmp, 'secret-videos.json'), JSON.stringify({ rows: [{ id: 'bounce-000-s1', caption: SECRET }] }));
    const categories = writeRun('link-categories');
    fs.symlinkSync(path.join(tmp, 'secret-categories.json'), path.join(categories, 'categories.json'));
    const videos = writeRun('link-videos');
    fs.rmSync(path.join(videos, 'videos.json'));
    fs.symlinkSync(path.join(tmp, 'secret-videos.json'), path.join(videos, 'videos.json'));
    for (const [url, file] of [
      ['/api/runs/link-categories', 'categories.json'],
      ['/api/runs/link-videos', 'videos.json'],
      ['/api/compare?runs=plain,link-videos', 'videos.json'],
      ['/api/videos/bounce-000-s1?runs=link-videos', 'videos.json'],
    ]) {
      const res = await fetch(base + url);
      const body = await res.text();
      expect(body, url).not.toContain('SECRET');
      expect(res.status, url).toBe(409);
      expect(JSON.parse(body).error, url).toBe(`run "${url.includes('categories') ? 'link-categories' : 'link-videos'}" is unreadable: refused path ${file}: it leads outside the run folder`);
    }
    // A symlink that stays inside the run is read.
    const inside = writeRun('link-inside');
    fs.writeFileSync(path.join(inside, 'categories-v2.json'), JSON.stringify({ rows: [{ category: 'bounce' }] }));
    fs.symlinkSync('categories-v2.json', path.join(inside, 'categories.json'));
    const ok = await fetch(`${base}/api/runs/link-inside`);
    expect(ok.status).toBe(200);
    expect((await ok.json()).categories).toEqual([{ category: 'bounce' }]);
    // Blind pairs are still drawn among the readable runs.
    const pair = await fetch(`${base}/api/blind/pairs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(pair.status).toBe(201);
  });

  it('answers at once, reporting a FIFO categories.json, videos.json or tracks file as unreadable', async () => {
    const dir = writeRun('fifo');
    const tracksRun = writeRun('fifo-tracks');
    fs.mkdirSync(path.join(tracksRun, 'tracks'));
    const fifos = [path.join(dir, 'categories.json'), path.join(tracksRun, 'tracks', 'bounce-000-s1.json')];
    const videosRun = writeRun('fifo-videos');
    fs.rmSync(path.join(videosRun, 'videos.json'));
    fifos.push(path.join(videosRun, 'videos.json'));
    for (const fifo of fifos) {
      execFileSync('mkfifo', [fifo]);
      // A late writer, so a server that blocks on the FIFO answers after WRITER_DELAY_MS (and the
      // test fails on time) instead of hanging the test process for good.
      children.push(spawn('sh', ['-c', `sleep ${WRITER_DELAY_MS / 1000}; echo '{"rows": []}' > "$1"`, 'sh', fifo], { stdio: 'ignore' }));
    }
    const started = performance.now();
    const [categories, videos, tracks, list] = await Promise.all(
      ['/api/runs/fifo', '/api/compare?runs=fifo-videos', '/api/videos/bounce-000-s1?runs=fifo-tracks', '/api/runs'].map(async (url) => {
        const res = await fetch(base + url);
        return { status: res.status, body: await res.json(), ms: performance.now() - started };
      }),
    );
    for (const answer of [categories, videos, tracks, list]) expect(answer.ms).toBeLessThan(WRITER_DELAY_MS / 2);
    expect([categories.status, categories.body.error]).toEqual([409, 'run "fifo" is unreadable: categories.json is not a regular file']);
    expect([videos.status, videos.body.error]).toEqual([409, 'run "fifo-videos" is unreadable: videos.json is not a regular file']);
    expect(tracks.status).toBe(200);
    expect(tracks.body.cells[0].tracks).toBeNull();
    expect(list.status).toBe(200);
    expect(list.body.runs.map((r: { id: string }) => r.id)).toContain('fifo');
  });
});

/** Send `request` as written on a fresh connection; the bytes that come back, and whether the server closed it within `waitMs`. */
function rawExchange(request: string | Buffer, waitMs = 3000) {
  return new Promise<{ text: string; status: number; closed: boolean; ms: number }>((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const started = performance.now();
    const socket = net.connect(Number(port), hostname);
    let text = '';
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), closed, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('end', () => finish(true));
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? finish(true) : reject(err)));
    socket.write(request);
  });
}
const bodyOf = (text: string) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));

describe('malformed HTTP', () => {
  it('answers two Host headers, or a malformed one, with 400 (RFC 9112 §3.2)', async () => {
    const host = new URL(base).host;
    const two = await rawExchange(`GET /api/runs HTTP/1.1\r\nHost: ${host}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`);
    expect(two.status).toBe(400);
    expect(bodyOf(two.text).error).toMatch(/2 Host headers/);
    const same = await rawExchange(`GET /api/runs HTTP/1.1\r\nHost: ${host}\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(same.status).toBe(400);
    const malformed = await rawExchange(`GET /api/runs HTTP/1.1\r\nHost: localhost, evil.example\r\nConnection: close\r\n\r\n`);
    expect(malformed.status).toBe(400);
    expect(bodyOf(malformed.text).error).toMatch(/malformed Host/);
    const none = await rawExchange('GET /api/runs HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(none.status).toBe(400);
    const one = await rawExchange(`GET /api/runs HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(one.status).toBe(200);
  });

  it('answers a 100 kB request-target with 414 and over-long headers with 431, each with a reason', async () => {
    const host = new URL(base).host;
    const longUrl = await rawExchange(`GET /api/runs/${'a'.repeat(100_000)} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    expect(longUrl.status).toBe(414);
    expect(longUrl.closed).toBe(true);
    expect(bodyOf(longUrl.text).error).toMatch(/request-target longer than 16384 bytes/);
    const longHeader = await rawExchange(`GET /api/runs HTTP/1.1\r\nHost: ${host}\r\nX-Filler: ${'b'.repeat(100_000)}\r\n\r\n`);
    expect(longHeader.status).toBe(431);
    expect(bodyOf(longHeader.text).error).toMatch(/header fields longer than 16384 bytes/);
    const garbage = await rawExchange('NOT HTTP AT ALL\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(bodyOf(garbage.text).error).toMatch(/malformed HTTP request/);
  });

  it('refuses a declared 1e11-byte body with 413 from the headers alone, on every route, and a chunked one once past the limit', async () => {
    const host = new URL(base).host;
    for (const url of ['/api/blind/pairs', `/api/blind/pairs/${'0'.repeat(32)}/vote`, '/api/jobs', '/api/runs']) {
      const headers = `POST ${url} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 100000000000\r\n\r\n`;
      // Only the start of the body is ever sent: the answer must not wait for the rest.
      const answer = await rawExchange(`${headers}{"runs": [`, 5000);
      expect(answer.status, url).toBe(413);
      expect(answer.closed, url).toBe(true);
      expect(answer.ms, url).toBeLessThan(2000);
      expect(bodyOf(answer.text).error, url).toBe(`body too large: 100000000000 bytes declared, at most ${url === '/api/jobs' ? MAX_JOB_BODY_BYTES : 16384}`);
    }
    // A chunked body is refused once it passes the limit, not when (if ever) it ends.
    const chunk = 'x'.repeat(20_000);
    const chunked = await rawExchange(
      `POST /api/blind/pairs HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n`,
      5000,
    );
    expect([chunked.status, chunked.closed]).toEqual([413, true]);
    expect(chunked.ms).toBeLessThan(2000);
    expect(bodyOf(chunked.text).error).toBe('body too large: more than 16384 bytes sent');
    // A body within the limit is read as before (the vote reaches the store, which knows no such pair).
    const vote = '{"choice": "left"}';
    const small = await rawExchange(
      `POST /api/blind/pairs/${'0'.repeat(32)}/vote HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${vote.length}\r\nConnection: close\r\n\r\n${vote}`,
    );
    expect([small.status, bodyOf(small.text).error]).toEqual([404, expect.stringMatching(/no such pair/)]);
  });
});
