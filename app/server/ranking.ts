/**
 * A leaderboard from pairwise votes: Bradley–Terry strengths fitted by Hunter's (2004) MM
 * algorithm, shown on the Elo scale (1000 + 400·log10 strength, so 400 points = 10:1 odds),
 * with 95% intervals from a seeded bootstrap over votes.
 *
 * A tie (and "both bad", which says the pair is equally bad) counts half a win to each side.
 * Every run also plays `prior` virtual wins and `prior` virtual losses against a fixed
 * opponent of strength 1 (score 1000): without it a run that never lost would have infinite
 * strength; with it, few votes keep a score near 1000 and a wide interval.
 *
 *   const board = leaderboard(votes, { resamples: 200, seed: 1 });
 *   board[0] // { run: 'guidance-3', score: 1093.1, low: 1021.4, high: 1170.9, wins: 12, ... }
 */

export type Outcome = 'left' | 'right' | 'tie' | 'both_bad';
export const OUTCOMES: readonly Outcome[] = ['left', 'right', 'tie', 'both_bad'];

export interface Vote {
  left: string;
  right: string;
  choice: Outcome;
}

export interface Standing {
  run: string;
  score: number;
  /** 95% bootstrap interval of the score. */
  low: number;
  high: number;
  votes: number;
  wins: number;
  losses: number;
  ties: number;
  bothBad: number;
}

export interface RankingOptions {
  /** Bootstrap resamples (0: no interval, low = high = score). Default 200. */
  resamples?: number;
  seed?: number;
  /** Virtual wins and losses against a score-1000 anchor. Default 1. */
  prior?: number;
}

export const ELO_BASE = 1000;
export const ELO_SCALE = 400;
const MAX_ITERATIONS = 500;
const TOLERANCE = 1e-10;

/**
 * Bradley–Terry strengths (Elo scale) from aggregated results: `wins[i][j]` is how many
 * times i beat j (ties already split as halves).
 */
export function bradleyTerry(wins: number[][], prior = 1): number[] {
  const n = wins.length;
  const p = new Array<number>(n).fill(1);
  const total = wins.map((row, i) => row.map((w, j) => w + wins[j][i]));
  const won = wins.map((row) => row.reduce((a, b) => a + b, 0) + prior);
  for (let iter = 0; iter < MAX_ITERATIONS; iter++) {
    let change = 0;
    for (let i = 0; i < n; i++) {
      // Against the anchor (strength 1): 2·prior games.
      let denom = (2 * prior) / (p[i] + 1);
      for (let j = 0; j < n; j++) if (j !== i && total[i][j] > 0) denom += total[i][j] / (p[i] + p[j]);
      const next = denom > 0 ? won[i] / denom : 1;
      change = Math.max(change, Math.abs(Math.log(next / p[i])));
      p[i] = next;
    }
    if (change < TOLERANCE) break;
  }
  return p.map((s) => ELO_BASE + ELO_SCALE * Math.log10(s));
}

/** The leaderboard, best first. Deterministic for a seed. */
export function leaderboard(votes: readonly Vote[], options: RankingOptions = {}): Standing[] {
  const resamples = options.resamples ?? 200;
  const prior = options.prior ?? 1;
  const runs = [...new Set(votes.flatMap((v) => [v.left, v.right]))].sort();
  const index = new Map(runs.map((r, i) => [r, i]));
  const fit = (sample: readonly Vote[]) => {
    const wins = runs.map(() => new Array<number>(runs.length).fill(0));
    for (const v of sample) {
      const [l, r] = [index.get(v.left)!, index.get(v.right)!];
      if (v.choice === 'left') wins[l][r] += 1;
      else if (v.choice === 'right') wins[r][l] += 1;
      else {
        wins[l][r] += 0.5;
        wins[r][l] += 0.5;
      }
    }
    return bradleyTerry(wins, prior);
  };
  const scores = fit(votes);
  const draws: number[][] = runs.map(() => []);
  const random = mulberry32(options.seed ?? 1);
  const sample = new Array<Vote>(votes.length);
  for (let b = 0; b < resamples && votes.length > 0; b++) {
    for (let k = 0; k < votes.length; k++) sample[k] = votes[Math.floor(random() * votes.length)];
    fit(sample).forEach((s, i) => draws[i].push(s));
  }
  const standings = runs.map((run, i): Standing => {
    const mine = votes.filter((v) => v.left === run || v.right === run);
    const won = (v: Vote) => (v.choice === 'left' && v.left === run) || (v.choice === 'right' && v.right === run);
    const lost = (v: Vote) => (v.choice === 'left' && v.right === run) || (v.choice === 'right' && v.left === run);
    const sorted = draws[i].sort((a, b) => a - b);
    return {
      run,
      score: scores[i],
      low: sorted.length ? quantile(sorted, 0.025) : scores[i],
      high: sorted.length ? quantile(sorted, 0.975) : scores[i],
      votes: mine.length,
      wins: mine.filter(won).length,
      losses: mine.filter(lost).length,
      ties: mine.filter((v) => v.choice === 'tie').length,
      bothBad: mine.filter((v) => v.choice === 'both_bad').length,
    };
  });
  return standings.sort((a, b) => b.score - a.score || (a.run < b.run ? -1 : 1));
}

/** Linear-interpolated quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** A small seeded generator (uniform in [0, 1)); enough for resampling. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
