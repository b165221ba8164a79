/**
 * The side-by-side table: the videos of 2–4 runs joined on the video id (same prompt and
 * seed), filtered by category and sorted by a metric's value in the first run or by the
 * difference between runs. Pure: the routes feed it rows from the RunIndex.
 *
 *   const view = compareRows([{ run: 'a', table: ta }, { run: 'b', table: tb }], { sort: 'position_ade', by: 'diff', order: 'desc' });
 *   view.rows[0].diff   // the largest |b − a| of position_ade
 */
import type { RunVideo } from './runs.js';

export interface CompareQuery {
  category?: string;
  /** `id` (default) or a metric name. */
  sort?: string;
  /** `value`: the first run's value; `diff`: last run minus first; `spread`: max − min over the runs. */
  by?: 'value' | 'diff' | 'spread';
  order?: 'asc' | 'desc';
  /** Only videos where some run breaks this rule. */
  violation?: string;
  offset?: number;
  limit?: number;
}

export interface CompareInput {
  run: string;
  table: { rows: RunVideo[]; byId: Map<string, RunVideo>; metrics: string[] };
}

export interface CompareRow {
  id: string;
  caption: string;
  category: string;
  seed: number;
  /** One entry per run, in the order asked; null where the run lacks the video. */
  cells: (RunVideo | null)[];
  /** The sort key (null when a run lacks the metric). */
  key: number | string | null;
}

export interface CompareView {
  metrics: string[];
  categories: string[];
  violations: string[];
  total: number;
  rows: CompareRow[];
}

/** Join, filter, sort and page. Rows with no sort key go last whatever the order. */
export function compareRows(inputs: CompareInput[], query: CompareQuery = {}): CompareView {
  const metrics: string[] = [];
  const categories = new Set<string>();
  const violations = new Set<string>();
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const { table } of inputs) {
    for (const m of table.metrics) if (!metrics.includes(m)) metrics.push(m);
    for (const r of table.rows) {
      categories.add(r.category);
      r.violations.forEach((v) => violations.add(v));
      if (!seen.has(r.id)) {
        seen.add(r.id);
        ids.push(r.id);
      }
    }
  }
  const sort = query.sort ?? 'id';
  const by = query.by ?? 'value';
  let rows: CompareRow[] = ids.map((id) => {
    const cells = inputs.map(({ table }) => table.byId.get(id) ?? null);
    const first = cells.find((c): c is RunVideo => c !== null)!;
    return { id, caption: first.caption, category: first.category, seed: first.seed, cells, key: sortKey(id, cells, sort, by) };
  });
  if (query.category) rows = rows.filter((r) => r.category === query.category);
  if (query.violation) rows = rows.filter((r) => r.cells.some((c) => c?.violations.includes(query.violation!)));
  const sign = query.order === 'desc' ? -1 : 1;
  rows.sort((a, b) => {
    if (a.key === null || b.key === null) return a.key === b.key ? cmp(a.id, b.id) : a.key === null ? 1 : -1;
    return sign * cmp(a.key, b.key) || cmp(a.id, b.id);
  });
  const offset = query.offset ?? 0;
  const limit = query.limit ?? rows.length;
  return {
    metrics,
    categories: [...categories].sort(),
    violations: [...violations].sort(),
    total: rows.length,
    rows: rows.slice(offset, offset + limit),
  };
}

function sortKey(id: string, cells: (RunVideo | null)[], sort: string, by: 'value' | 'diff' | 'spread'): number | string | null {
  if (sort === 'id') return id;
  const values = cells.map((c) => c?.metrics[sort] ?? null);
  if (by === 'value') return values[0];
  if (values.some((v) => v === null)) return null;
  const v = values as number[];
  if (by === 'diff') return v[v.length - 1] - v[0];
  return Math.max(...v) - Math.min(...v);
}

function cmp(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
