/**
 * The numbers a report shows, computed from loaded runs and shared by the HTML and the
 * Markdown writers: the key metrics, the category × split table in PhyWorld's form, and
 * the failure gallery's ordering.
 */
import type { CategoryRow, RunJson, VideoRow } from '../run/run-schema.js';
import type { LoadedRun } from './load.js';

/**
 * Metrics a report puts in its tables, in this order, when a run has them: ground-truth
 * physics first (PhyWorld), then reference-free physics, Physics-IQ, prompt adherence.
 */
export const KEY_METRICS = [
  'velocity_error',
  'position_ade',
  'restitution_error',
  'gravity_error',
  'momentum_drift',
  'energy_drift',
  'teleport_rate',
  'vanish_count',
  'physiq_score',
  'attribute_accuracy',
  'relation_score',
  'count_score',
  'direction_score',
] as const;

/** Split columns in PhyWorld's order. */
export const SPLIT_ORDER = ['id', 'ood', 'combo', 'unknown'];

export function presentMetrics(rows: readonly Record<string, unknown>[], candidates: readonly string[] = KEY_METRICS): string[] {
  return candidates.filter((m) => rows.some((r) => typeof r[m] === 'number'));
}

export interface SplitTable {
  metric: string;
  splits: string[];
  /** One row per category: the value per split (null where there is no run or no value). */
  rows: { category: string; values: (number | null)[] }[];
}

/**
 * Category × split tables of `metrics` over a run and its siblings (PhyWorld's ID vs OOD
 * table, plus combo). When two runs cover the same category and split, the one with more
 * videos counts.
 */
export function splitTables(runs: readonly LoadedRun[], metrics: readonly string[]): SplitTable[] {
  const best = new Map<string, CategoryRow>();
  for (const r of runs)
    for (const row of r.categories) {
      const key = `${row.category}|${row.split}`;
      const prev = best.get(key);
      if (!prev || Number(row.videos) > Number(prev.videos)) best.set(key, row);
    }
  const rows = [...best.values()];
  const splits = SPLIT_ORDER.filter((s) => rows.some((r) => r.split === s)).concat(
    [...new Set(rows.map((r) => String(r.split)))].filter((s) => !SPLIT_ORDER.includes(s)),
  );
  const categories = [...new Set(rows.map((r) => String(r.category)))].sort();
  return metrics.map((metric) => ({
    metric,
    splits,
    rows: categories.map((category) => ({
      category,
      values: splits.map((split) => {
        const v = best.get(`${category}|${split}`)?.[metric];
        return typeof v === 'number' ? v : null;
      }),
    })),
  }));
}

/**
 * The videos a failure gallery shows: abnormal ones first, then by the number of violated
 * rules, then by position error (largest first).
 */
export function worstVideos(videos: readonly VideoRow[], count: number): VideoRow[] {
  const num = (v: unknown) => (typeof v === 'number' ? v : -Infinity);
  const violations = (r: VideoRow) => (r.violations ? String(r.violations).split(';').filter(Boolean).length : 0);
  return [...videos]
    .sort(
      (a, b) =>
        num(b.abnormal) - num(a.abnormal) ||
        violations(b) - violations(a) ||
        num(b.position_ade) - num(a.position_ade) ||
        num(b.velocity_error) - num(a.velocity_error) ||
        String(a.id).localeCompare(String(b.id)),
    )
    .slice(0, count);
}

/** A number for a table: 3 significant digits, `—` for none. */
export function formatValue(v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.001) return v.toExponential(2);
  return Number(v.toPrecision(3)).toString();
}

/** Share of a category's videos with each kind of error (notebooks/05-limitations). */
export interface ErrorBreakdownRow {
  category: string;
  split: string;
  videos: number;
  /** Broke a physical rule: the scorer judged the video abnormal (rules in `violations`). */
  physics_error_rate: number;
  /** Got a stated attribute, relation or count wrong (attribute_accuracy below 1). */
  prompt_error_rate: number;
  /** Neither: every stated attribute right and no rule broken (joint_correct). */
  correct_rate: number;
}

/**
 * Physics errors (abnormal) against spatial and attribute errors (a stated colour, shape,
 * size, direction, count or relation wrong) per category and split. A video can have both.
 */
export function errorBreakdown(videos: readonly VideoRow[]): ErrorBreakdownRow[] {
  const groups = new Map<string, VideoRow[]>();
  for (const v of videos) {
    const key = `${v.category}|${v.split}`;
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, rows]) => {
      const [category, split] = key.split('|');
      const share = (test: (r: VideoRow) => boolean) => rows.filter(test).length / rows.length;
      return {
        category,
        split,
        videos: rows.length,
        physics_error_rate: share((r) => r.abnormal === 1),
        prompt_error_rate: share((r) => typeof r.attribute_accuracy === 'number' && r.attribute_accuracy < 1),
        correct_rate: share((r) => r.joint_correct === 1),
      };
    });
}

/** run.json `keep_frames` in words: how the videos were made, and so which comparisons with the truth a run has. */
export function keepFramesText(keepFrames: number | undefined): string {
  if (keepFrames === undefined) return "not recorded: compared with the truth as PhyWorld's, after its 3 condition frames";
  if (keepFrames === 0) return 'none: from text alone, so velocity and position error, restitution error and Physics-IQ are not defined (skipped)';
  return `each prompt's first ${keepFrames} true frame${keepFrames === 1 ? '' : 's'} (PhyWorld's protocol, --keep-frames ${keepFrames}); compared with the truth from frame ${keepFrames} on`;
}

/** Where the ID / OOD / combo table's comparisons with the truth come from (siblings share keep_frames; runs given by hand may not). */
export function splitTablesNote(runs: readonly LoadedRun[]): string {
  const k = runs[0].run.keep_frames;
  if (runs.some((r) => r.run.keep_frames !== k)) {
    const given = runs.map((r) => `${r.run.name}: ${r.run.keep_frames ?? 'not recorded'}`).join(', ');
    return `These runs were given different numbers of true frames (${given}): their velocity and position errors do not compare.`;
  }
  if (k === undefined) return "Velocity and position error as PhyWorld's (after its 3 condition frames); these runs do not record whether the videos were conditioned on true frames.";
  if (k === 0) return 'Text-only runs: velocity and position error need a scene fixed by true frames, so they are not in this table; run with --keep-frames K (a model trained with --frame-conditioning) for them.';
  return `Velocity and position error from conditioned runs: each prompt's first ${k} true frames given (PhyWorld's protocol, --keep-frames ${k}), the frames generated after them compared with the truth.`;
}

/** run.json `scoring` in words, e.g. "Physics-IQ official conventions; world palette" (runs before --physiq were exact). */
export function scoringText(scoring: RunJson['scoring'] | undefined): string {
  if (!scoring) return '—';
  const physiq = scoring.physics_iq ? `Physics-IQ ${scoring.physiq ?? 'exact'} conventions` : 'Physics-IQ off';
  const palette = scoring.palette === 'world' ? 'world palette' : `palette estimated from the videos (${scoring.palette.colors.length} colours)`;
  return `${physiq}; ${palette}`;
}

/** run.json `counterfactual` as a table (cause, pairs, testable, correct, share) with the overall row last; null when absent. */
export function counterfactualTable(run: RunJson): { header: string[]; rows: string[][]; note: string } | null {
  const cf = run.counterfactual;
  if (!cf) return null;
  const row = (name: string, t: typeof cf.overall) => [name, String(t.pairs), String(t.testable), String(t.correct), formatValue(t.share)];
  const judged = cf.tolerance.sign_only
    ? 'the sign of the change matches the truth\'s (a text-only run: the prompt names classes, not values)'
    : `the sign matches the truth's and the size is ${cf.tolerance.low}–${cf.tolerance.high}× the truth's change`;
  const note =
    `Pairs of scenes that differ in one cause: a pair is correct when its two videos' outcomes differ the right way — ${judged}. ` +
    (run.keep_frames === undefined
      ? 'How the videos were made is not recorded, so every pair is judged.'
      : 'Testable: the run told the model the two scenes apart (their captions differ, or the true frames given do); the share is of those.');
  return { header: ['cause', 'pairs', 'testable', 'correct', 'share'], rows: [...Object.entries(cf.per_cause).map(([c, t]) => row(c, t)), row('all', cf.overall)], note };
}
