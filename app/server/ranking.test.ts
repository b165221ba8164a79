import { describe, expect, it } from 'vitest';
import { bradleyTerry, ELO_SCALE, leaderboard, quantile, type Vote } from './ranking.js';

const votes = (left: string, right: string, choice: Vote['choice'], n: number): Vote[] => Array.from({ length: n }, () => ({ left, right, choice }));

describe('bradleyTerry', () => {
  it('without a prior, 3 wins to 1 is odds of 3: 400·log10(3) = 190.85 Elo points apart', () => {
    const [a, b] = bradleyTerry([[0, 3], [1, 0]], 0);
    expect(a - b).toBeCloseTo(ELO_SCALE * Math.log10(3), 6);
  });

  it('recovers the strengths of a three-player round robin with consistent odds', () => {
    // True strengths 4 : 2 : 1; every pair plays 600 games split exactly by p_i/(p_i+p_j).
    const p = [4, 2, 1];
    const wins = p.map((pi) => p.map((pj) => (pi === pj ? 0 : (600 * pi) / (pi + pj))));
    const s = bradleyTerry(wins, 0);
    expect(s[0] - s[1]).toBeCloseTo(ELO_SCALE * Math.log10(2), 6);
    expect(s[1] - s[2]).toBeCloseTo(ELO_SCALE * Math.log10(2), 6);
  });

  it('keeps an undefeated run finite with the prior: 5 wins, 0 losses', () => {
    const [a, b] = bradleyTerry([[0, 5], [0, 0]], 1);
    expect(Number.isFinite(a) && Number.isFinite(b)).toBe(true);
    expect(a).toBeGreaterThan(1000);
    expect(b).toBeLessThan(1000);
  });
});

describe('leaderboard', () => {
  it('ranks the run that wins more first, counts outcomes, and its interval holds the score', () => {
    const all = [...votes('g3', 'g1', 'left', 8), ...votes('g1', 'g3', 'left', 2), ...votes('g1', 'g3', 'tie', 2), ...votes('g1', 'g3', 'both_bad', 1)];
    const board = leaderboard(all, { resamples: 300, seed: 7 });
    expect(board.map((s) => s.run)).toEqual(['g3', 'g1']);
    expect(board[0]).toMatchObject({ votes: 13, wins: 8, losses: 2, ties: 2, bothBad: 1 });
    expect(board[1]).toMatchObject({ votes: 13, wins: 2, losses: 8, ties: 2, bothBad: 1 });
    for (const s of board) expect(s.low <= s.score && s.score <= s.high).toBe(true);
    expect(board[0].score).toBeGreaterThan(1000);
    expect(board[1].score).toBeLessThan(1000);
    // Four times the votes: the interval narrows (by about half) and no longer reaches 1000.
    const more = leaderboard([...all, ...all, ...all, ...all], { resamples: 300, seed: 7 });
    expect(more[0].high - more[0].low).toBeLessThan(0.7 * (board[0].high - board[0].low));
    expect(more[0].low).toBeGreaterThan(1000);
  });

  it('is the same for the same seed, and ties alone give equal scores', () => {
    const all = [...votes('a', 'b', 'left', 3), ...votes('b', 'a', 'left', 2)];
    expect(leaderboard(all, { seed: 3 })).toEqual(leaderboard(all, { seed: 3 }));
    const tied = leaderboard(votes('a', 'b', 'tie', 4), { resamples: 0 });
    expect(tied[0].score).toBeCloseTo(1000, 9);
    expect(tied[1].score).toBeCloseTo(1000, 9);
    expect(leaderboard([])).toEqual([]);
  });

  it('quantile interpolates', () => {
    expect(quantile([0, 10, 20], 0.25)).toBe(5);
    expect(quantile([1, 2, 3, 4], 0.975)).toBeCloseTo(3.925, 12);
  });
});
