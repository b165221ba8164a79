/**
 * The leaderboard of a sweep's finished eval jobs: each job's run.json headline (eval/FORMAT.md),
 * best joint accuracy first (then attribute accuracy), as a Markdown table (prints in a terminal, pastes into a README).
 *
 *   console.log(formatLeaderboard(readLeaderboard('sweeps/guidance')));
 */
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { runListingSchema } from '../../eval/run/run-schema.js';
import { jobOutputDir } from './commands.js';
import { isDone, readJson, type SweepRecord } from './layout.js';

/** Headline scores shown, in order: [run.json key, column title, as a percentage]. */
const COLUMNS: [string, string, boolean][] = [
  ['joint_accuracy', 'joint accuracy', true],
  ['attribute_accuracy', 'attribute accuracy', true],
  ['direction_score', 'direction score', false],
  ['position_ade', 'position ADE', false],
  ['velocity_error', 'velocity error', false],
  ['abnormal_rate', 'abnormal', true],
  ['vanish_count', 'vanishings', false],
  ['fd_pixel', 'FD pixel', false],
  ['fvmd', 'FVMD', false],
];

export interface LeaderboardRow {
  name: string;
  suite: string;
  guidance: number | null;
  /** True frames given per prompt (run.json keep_frames; 0: text only; null: not known, a folder scored as given). */
  keepFrames: number | null;
  videos: number;
  headline: Record<string, number | null>;
}

/** Rows for the sweep's eval jobs that finished (done record and run.json), best first. */
export function readLeaderboard(dir: string, record: SweepRecord): LeaderboardRow[] {
  const rows: LeaderboardRow[] = [];
  for (const job of record.jobs) {
    if (job.command[0] !== 'eval' || !isDone(dir, job.name)) continue;
    const file = path.join(jobOutputDir(dir, job.name), 'run.json');
    if (!fs.existsSync(file)) continue;
    const run = readJson<z.input<typeof runListingSchema>>(file); // as written: a null where a number was not finite
    if (!run) continue;
    const headline = run.headline ?? {};
    rows.push({ name: job.name, suite: run.suite?.name ?? '-', guidance: run.source?.generate?.guidance ?? null, keepFrames: typeof run.keep_frames === 'number' ? run.keep_frames : null, videos: headline.videos ?? 0, headline });
  }
  const score = (r: LeaderboardRow, k: string) => r.headline[k] ?? -Infinity;
  return rows.sort((a, b) => score(b, 'joint_accuracy') - score(a, 'joint_accuracy') || score(b, 'attribute_accuracy') - score(a, 'attribute_accuracy') || (a.name < b.name ? -1 : 1));
}

/** A Markdown table; columns no row has are left out. */
export function formatLeaderboard(rows: LeaderboardRow[]): string {
  const shown = COLUMNS.filter(([k]) => rows.some((r) => typeof r.headline[k] === 'number'));
  const head = ['job', 'suite', 'guidance', 'frames given', 'videos', ...shown.map(([, title]) => title)];
  const cell = (v: number | null | undefined, percent: boolean) => (typeof v !== 'number' ? '-' : percent ? `${(100 * v).toFixed(1)}%` : v.toFixed(3));
  const body = rows.map((r) => [r.name, r.suite, r.guidance === null ? '-' : String(r.guidance), r.keepFrames === null ? '-' : String(r.keepFrames), String(r.videos), ...shown.map(([k, , pct]) => cell(r.headline[k], pct))]);
  return [head, head.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
