import { describe, expect, it } from 'vitest';
import type { LoadedRun } from './load.js';
import { errorBreakdown, formatValue, keepFramesText, splitTables, splitTablesNote, worstVideos } from './summary.js';

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

  it('says how many true frames the runs were given, and when the ID / OOD table mixes them', () => {
    const run = (name: string, keep_frames?: number) => ({ run: { name, keep_frames } }) as unknown as LoadedRun;
    expect(keepFramesText(4)).toMatch(/^each prompt's first 4 true frames .*--keep-frames 4/);
    expect(keepFramesText(0)).toMatch(/^none: from text alone/);
    expect(keepFramesText(undefined)).toMatch(/^not recorded/);
    expect(splitTablesNote([run('a', 4), run('b', 4)])).toMatch(/^Velocity and position error from conditioned runs: each prompt's first 4 true frames/);
    expect(splitTablesNote([run('a', 0)])).toMatch(/^Text-only runs/);
    expect(splitTablesNote([run('a', 4), run('b')])).toBe('These runs were given different numbers of true frames (a: 4, b: not recorded): their velocity and position errors do not compare.');
  });
});
