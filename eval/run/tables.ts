/**
 * The tables of a run (eval/FORMAT.md): one VideoRow per scored video, one CategoryRow per
 * category × split (metric means with arquero), and the headline numbers of run.json.
 */
import * as aq from 'arquero';
import type { VideoScore } from '../types.js';
import type { EvalInput } from './inputs.js';
import type { Cell, CategoryRow, VideoRow } from './run-schema.js';

/** Metric columns: the scorer's stable names first, then any others its scores carry. */
export function metricColumns(names: readonly string[], scores: readonly VideoScore[]): string[] {
  const columns = [...names];
  for (const s of scores) for (const k of Object.keys(s.metrics)) if (!columns.includes(k)) columns.push(k);
  return columns;
}

const finite = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** What a table row needs of an input (not its frames or ground truth). */
export type RowInput = Pick<EvalInput, 'id' | 'promptId' | 'seed' | 'category' | 'split' | 'family' | 'caption'> & { hasTruth: boolean };

export function videoRow(input: RowInput, score: VideoScore, metrics: readonly string[]): VideoRow {
  const row: VideoRow = {
    id: input.id,
    prompt_id: input.promptId,
    seed: input.seed,
    category: input.category,
    split: input.split,
    family: input.family,
    caption: input.caption,
    video: `videos/${input.id}.mp4`,
    truth: input.hasTruth ? `truth/${input.id}.mp4` : '',
  };
  for (const m of metrics) row[m] = finite(score.metrics[m]);
  row.abnormal = score.abnormal ? 1 : 0;
  row.violations = score.violations.join(';');
  row.joint_correct = score.jointCorrect ? 1 : 0;
  return row;
}

/** Mean of each metric per category and split (nulls ignored), videos, abnormal rate, joint accuracy. */
export function categoryRows(rows: readonly VideoRow[], metrics: readonly string[]): CategoryRow[] {
  if (rows.length === 0) return [];
  const means = Object.fromEntries(metrics.map((m) => [m, aq.op.mean(m)]));
  const table = aq
    .from(rows as Record<string, unknown>[])
    .groupby('category', 'split')
    .rollup({ videos: aq.op.count(), ...means, abnormal_rate: aq.op.mean('abnormal'), joint_accuracy: aq.op.mean('joint_correct') })
    .orderby('category', 'split');
  return (table.objects() as Record<string, unknown>[]).map((r) => {
    const out: CategoryRow = {};
    for (const [k, v] of Object.entries(r)) out[k] = typeof v === 'number' ? finite(v) : v === undefined ? null : (v as Cell);
    return out;
  });
}

/** run.json `headline`: counts and rates, then the mean of every metric computed on some video. */
export function headline(rows: readonly VideoRow[], metrics: readonly string[]): Record<string, number> {
  const out: Record<string, number> = { videos: rows.length };
  const mean = (col: string) => {
    const vals = rows.map((r) => r[col]).filter((v): v is number => typeof v === 'number');
    return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
  };
  out.abnormal_rate = mean('abnormal') ?? 0;
  out.joint_accuracy = mean('joint_correct') ?? 0;
  for (const m of metrics) {
    const v = mean(m);
    if (v !== null) out[m] = v;
  }
  return out;
}

/**
 * run.json `skipped_metrics`: every metric some video could not compute, with the most
 * common reason and how many videos it was skipped on.
 */
export function skippedMetrics(scores: readonly VideoScore[], metrics: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of metrics) {
    const reasons = new Map<string, number>();
    for (const s of scores) {
      if (finite(s.metrics[m]) !== null) continue;
      const why = s.skipped[m] ?? 'not computed';
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
    }
    const total = [...reasons.values()].reduce((a, b) => a + b, 0);
    if (total === 0) continue;
    const [why] = [...reasons.entries()].sort((a, b) => b[1] - a[1])[0];
    out[m] = `${why} (${total} of ${scores.length} videos)`;
  }
  return out;
}

/** CSV of rows with the given columns (arquero's writer: RFC 4180 quoting, empty for null). */
export function toCsv(rows: readonly Record<string, Cell>[], columns: readonly string[]): string {
  if (rows.length === 0) return columns.join(',') + '\n';
  return aq.from(rows as Record<string, unknown>[]).select(...columns).toCSV().replace(/\n*$/, '\n');
}
