/**
 * `spacetime report`: report.html (self-contained) and report.md for a run, with its
 * sibling runs (or the runs given) in the ID / OOD / combo table.
 *
 *   const { html, markdown } = writeReport(['evals/all-id']);   // also finds evals/all-ood, evals/all-combo
 */
import path from 'node:path';
import { writeFileAtomic } from '../../base/io/atomic.js';
import { reportHtml } from './html.js';
import { loadRun, siblingRuns, type LoadedRun } from './load.js';
import { reportMarkdown } from './markdown.js';

/** The runs a report on `dirs[0]` covers: the given ones, or else it and its siblings. */
export function reportRuns(dirs: readonly string[]): LoadedRun[] {
  if (dirs.length === 1) return siblingRuns(dirs[0]);
  return dirs.map(loadRun); // the user's choice: compared as given, whatever their sources
}

/** Write DIR/report.html and DIR/report.md for `dirs[0]`; returns their paths. */
export function writeReport(dirs: readonly string[]): { html: string; markdown: string; runs: number } {
  const runs = reportRuns(dirs);
  const dir = runs[0].dir;
  const html = path.join(dir, 'report.html');
  const markdown = path.join(dir, 'report.md');
  writeFileAtomic(html, reportHtml(runs));
  writeFileAtomic(markdown, reportMarkdown(runs));
  return { html, markdown, runs: runs.length };
}
