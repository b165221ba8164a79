import { describe, expect, it } from 'vitest';
import type { LoadedRun } from './load.js';
import { errorBreakdown, formatValue, splitTables, worstVideos } from './summary.js';

const row = (id: string, o: Record<string, unknown>) => ({ id, category: 'bounce', split: 'id', abnormal: 0, violations: '', joint_correct: 1, ...o }) as never;

describe('report summaries', () => {
  it('the gallery puts abnormal videos first, then more violations, then larger position error', () => {
    const videos = [
      row('a', { position_ade: 3 }),
      row('b', { abnormal: 1, violations: 'gravity', position_ade: 0.1 }),
      row('c', { abnormal: 1, violations: 'gravity;teleport', position_ade: 0.2 }),
      row('d', { position_ade: 5 }),
    ];
    expect(worstVideos(videos, 3).map((v) => v.id)).toEqual(['c', 'b', 'd']);
  });

  it('splitTables lays categories against ID / OOD / combo, the larger run winning a tie', () => {
    const run = (categories: Record<string, unknown>[]) => ({ categories }) as unknown as LoadedRun;
    const runs = [
      run([{ category: 'bounce', split: 'ood', videos: 8, velocity_error: 0.4 }]),
      run([{ category: 'bounce', split: 'id', videos: 8, velocity_error: 0.02 }, { category: 'gravity', split: 'id', videos: 8, velocity_error: 0.03 }]),
      run([{ category: 'bounce', split: 'id', videos: 2, velocity_error: 9 }]),
    ];
    const [t] = splitTables(runs, ['velocity_error']);
    expect(t.splits).toEqual(['id', 'ood']);
    expect(t.rows).toEqual([
      { category: 'bounce', values: [0.02, 0.4] },
      { category: 'gravity', values: [0.03, null] },
    ]);
  });

  it('errorBreakdown separates physics errors from prompt errors per category', () => {
    const videos = [
      row('a', { abnormal: 1, joint_correct: 0, attribute_accuracy: 1 }),
      row('b', { joint_correct: 0, attribute_accuracy: 0.5 }),
      row('c', { attribute_accuracy: 1 }),
      row('d', { attribute_accuracy: 1 }),
    ];
    expect(errorBreakdown(videos)).toEqual([{ category: 'bounce', split: 'id', videos: 4, physics_error_rate: 0.25, prompt_error_rate: 0.25, correct_rate: 0.5 }]);
  });

  it('formats numbers to three significant digits', () => {
    expect([formatValue(0.012345), formatValue(12345), formatValue(null), formatValue(-0)]).toEqual(['0.0123', '1.23e+4', '—', '0']);
  });
});
