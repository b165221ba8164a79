import { afterEach, describe, expect, it, vi } from 'vitest';
import { Progress, formatSeconds } from './progress.js';

describe('Progress', () => {
  afterEach(() => vi.restoreAllMocks());

  it('counts the rate from the items done in this process, not a resumed run’s earlier ones', () => {
    let now = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const fresh = new Progress(3000, 'train', 'steps', true);
    const resumed = new Progress(3000, 'train', 'steps', true).startAt(2000);
    now += 10_000; // 10 s later, 20 steps done by each
    fresh.update(20);
    resumed.update(2020);
    expect(fresh.rate()).toBeCloseTo(2, 9);
    expect(resumed.rate()).toBeCloseTo(2, 9);
  });

  it('formats durations', () => {
    expect(formatSeconds(12.4)).toBe('12s');
    expect(formatSeconds(125)).toBe('2m05s');
    expect(formatSeconds(3 * 3600 + 60)).toBe('3h01m');
    expect(formatSeconds(Infinity)).toBe('?');
  });
});
