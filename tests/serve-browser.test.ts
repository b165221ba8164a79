/**
 * The comparison server in a real browser (playwright-core driving Debian's chromium, which
 * scripts/setup.sh installs): the side-by-side page plays its videos in step and steps frames,
 * the URL holds the view, the runs page notices a new run, and blind votes move the leaderboard.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../app/server/app.js';
import { writeFixtureRuns } from '../app/server/test-fixtures.js';

const CHROMIUM = process.env.SPACETIME_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-serve-browser-'));
const runsDir = path.join(tmp, 'evals');
let server: RunningServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  if (!haveChromium) return;
  await writeFixtureRuns(runsDir, { runs: [{ name: 'far', drift: 1.5 }, { name: 'near', drift: 0.2 }], families: ['bounce', 'collision'], perFamily: 2 });
  // Two runs of another size (issue 19): a 32×32 and a 48×32 clip side by side.
  await writeFixtureRuns(path.join(tmp, 'sized'), { runs: [{ name: 'square', drift: 0.2 }, { name: 'wide', drift: 0.2, size: { width: 48, height: 32 } }], families: ['uniform'], perFamily: 1 });
  for (const name of ['square', 'wide']) fs.cpSync(path.join(tmp, 'sized', name), path.join(runsDir, name), { recursive: true });
  server = await startServer({ runsDir, port: 0 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 120_000,
  });
  page = await browser.newPage();
  // Generous: on a busy 2-core machine chromium alone can take many seconds to parse plotly.js.
  page.setDefaultTimeout(120_000);
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** currentTime, paused and readiness of every video in the detail grid. */
const videoStates = () =>
  page.$$eval('#detail video', (vs) => vs.map((v) => ({ t: (v as HTMLVideoElement).currentTime, paused: (v as HTMLVideoElement).paused, ready: (v as HTMLVideoElement).readyState, run: v.getAttribute('data-run') })));

describe.skipIf(!haveChromium)(`in chromium (${CHROMIUM})`, () => {
  it('side by side: truth and two runs play in step, pause, step a frame, and the URL holds the view', async () => {
    await page.goto(`${server.url}compare?runs=far,near&truth=1&sort=position_ade&by=diff&order=desc`);
    await page.waitForFunction(() => document.querySelectorAll('#detail video').length === 3 && [...document.querySelectorAll('video')].every((v) => v.readyState >= 3));
    expect((await videoStates()).map((v) => v.run)).toEqual(['truth', 'far', 'near']);
    const first = await page.$eval('#videos tbody tr', (tr) => (tr as HTMLElement).dataset.id!);
    expect(page.url()).toContain(`video=${first}`);
    expect(page.url()).toContain('sort=position_ade');

    await page.click('#play');
    await page.waitForFunction(() => [...document.querySelectorAll('#detail video')].every((v) => (v as HTMLVideoElement).currentTime > 0.3));
    const playing = await videoStates();
    expect(playing.every((v) => !v.paused)).toBe(true);
    const spread = Math.max(...playing.map((v) => v.t)) - Math.min(...playing.map((v) => v.t));
    expect(spread).toBeLessThan(0.2); // two frames at 10 fps

    await page.click('#play'); // pause
    await page.click('#forward');
    const label = await page.$eval('.bar .muted', (s) => s.textContent!);
    const frame = Number(/frame (\d+) \/ 16/.exec(label)![1]) - 1;
    await page.waitForFunction(() => [...document.querySelectorAll('#detail video')].every((v) => !(v as HTMLVideoElement).seeking));
    const stepped = await videoStates();
    expect(stepped.every((v) => v.paused)).toBe(true);
    for (const v of stepped) expect(v.t).toBeCloseTo((frame + 0.5) / 10, 5);

    // Trajectories: the truth's objects and each run's, in one plot.
    await page.waitForSelector('#plot .main-svg');
    const traces = await page.$eval('#plot', (div) => (div as unknown as { data: unknown[] }).data.length);
    const tracks = JSON.parse(fs.readFileSync(path.join(runsDir, 'far', 'tracks', `${first}.json`), 'utf8'));
    expect(traces).toBe(tracks.truth.length * 3);

    // The URL is the view: reloading it selects the same video under the same filter.
    await page.selectOption('#category', 'collision');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('category') === 'collision' && document.querySelectorAll('#videos tbody tr').length === 2);
    const shared = page.url();
    await page.goto(shared);
    await page.waitForFunction(() => document.querySelectorAll('#detail video').length === 3);
    expect(await page.$eval('#videos tr.selected', (tr) => (tr as HTMLElement).dataset.id)).toMatch(/^collision-/);
    expect(await page.$eval('#category', (s) => (s as HTMLSelectElement).value)).toBe('collision');
  }, 300_000);

  it('side by side, clips of two sizes are letterboxed to one box at one scale: the 48×32 clip is wider, not squashed', async () => {
    await page.goto(`${server.url}compare?runs=square,wide&truth=1`);
    await page.waitForFunction(() => document.querySelectorAll('#detail video').length === 3 && [...document.querySelectorAll('#detail video')].every((v) => (v as HTMLVideoElement).readyState >= 1));
    await page.waitForFunction(() => (document.querySelector('#detail .grid') as HTMLElement).style.getPropertyValue('--clip-aspect') === '1.5');
    const shown = await page.$$eval('#detail .clipbox', (boxes) =>
      boxes.map((b) => {
        const v = b.querySelector('video') as HTMLVideoElement;
        const [box, clip] = [b.getBoundingClientRect(), v.getBoundingClientRect()];
        return { run: v.getAttribute('data-run'), box: [box.width, box.height], clip: [clip.width, clip.height], intrinsic: v.videoWidth / v.videoHeight };
      }),
    );
    expect(shown.map((s) => s.run)).toEqual(['truth', 'square', 'wide']);
    const [truth, square, wide] = shown;
    for (const s of shown) {
      expect(s.box[0]).toBeCloseTo(shown[0].box[0], 0); // one common box
      expect(s.box[1]).toBeCloseTo(shown[0].box[1], 0);
      expect(s.clip[1]).toBeCloseTo(s.box[1], 0); // every clip as high as the box: the same pixels per world unit
      expect(s.clip[0] / s.clip[1]).toBeCloseTo(s.intrinsic, 1); // never squashed
    }
    expect(wide.intrinsic).toBeCloseTo(1.5, 5);
    expect(wide.clip[0]).toBeCloseTo(wide.box[0], 0);
    expect(wide.clip[0] / square.clip[0]).toBeCloseTo(1.5, 1);
    expect(truth.clip[0]).toBeCloseTo(square.clip[0], 0);
  }, 300_000);

  it('the runs page lists the runs and notices one written while it is open', async () => {
    await page.goto(server.url);
    await page.waitForSelector('#run-table tr[data-run="near"]');
    fs.cpSync(path.join(runsDir, 'near'), path.join(runsDir, 'later'), { recursive: true });
    await page.waitForSelector('#run-table tr[data-run="later"]', { timeout: 15_000 });
    fs.rmSync(path.join(runsDir, 'later'), { recursive: true });
  }, 300_000);

  it('blind A/B: votes move the leaderboard and reveal the names', async () => {
    await page.goto(`${server.url}blind?runs=far,near`);
    await page.waitForFunction(() => ['left', 'right'].every((id) => (document.getElementById(id) as HTMLVideoElement).currentTime > 0.2));
    expect(await page.textContent('#board')).toContain('No votes yet');
    const before = await page.$eval('#left', (v) => (v as HTMLVideoElement).src);
    await page.click('button[data-choice="left"]');
    await page.waitForSelector('#leaderboard');
    expect(await page.textContent('#result')).toMatch(/left was (far|near), right was (far|near)/);
    const winner = /left was (\w+)/.exec((await page.textContent('#result'))!)![1];
    const scores = async () => Object.fromEntries(await page.$$eval('#leaderboard tbody tr', (trs) => trs.map((tr) => [(tr as HTMLElement).dataset.run, Number(tr.querySelector('.score')!.textContent)])));
    const once = await scores();
    expect(once[winner]).toBeGreaterThan(1000);
    await page.waitForFunction((src) => (document.getElementById('left') as HTMLVideoElement).src !== src, before);

    await page.keyboard.press('1'); // left again, by key
    await page.waitForFunction(() => /2 votes/.test(document.getElementById('board')!.textContent!));
    const twice = await scores();
    expect(twice).not.toEqual(once);
    const server_ = (await (await fetch(`${server.url}api/leaderboard`)).json()) as { votes: number };
    expect(server_.votes).toBe(2);
    expect(problems).toEqual([]);
  }, 300_000);
});
