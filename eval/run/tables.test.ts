import { describe, expect, it } from 'vitest';
import type { VideoScore } from '../types.js';
import { categoryRows, headline, metricColumns, skippedMetrics, toCsv } from './tables.js';

const score = (metrics: Record<string, number | null>, skipped: Record<string, string> = {}): VideoScore => ({
  metrics,
  skipped,
  attributes: {},
  parsedPrompt: true,
  violations: [],
  abnormal: false,
  jointCorrect: true,
  tracks: [],
  truthTracks: null,
});

describe('run tables', () => {
  const rows = [
    { id: 'a', category: 'bounce', split: 'id', m: 1, abnormal: 1, joint_correct: 0 },
    { id: 'b', category: 'bounce', split: 'id', m: null, abnormal: 0, joint_correct: 1 },
    { id: 'c', category: 'bounce', split: 'id', m: 3, abnormal: 0, joint_correct: 1 },
    { id: 'd', category: 'gravity', split: 'id', m: null, abnormal: 0, joint_correct: 0 },
  ];

  it('category rows: counts, metric means over the videos that have them, rates', () => {
    expect(categoryRows(rows, ['m'])).toEqual([
      { category: 'bounce', split: 'id', videos: 3, m: 2, abnormal_rate: expect.closeTo(1 / 3, 12), joint_accuracy: expect.closeTo(2 / 3, 12) },
      { category: 'gravity', split: 'id', videos: 1, m: null, abnormal_rate: 0, joint_accuracy: 0 },
    ]);
  });

  it('headline: means over all videos, metrics no video has left out', () => {
    expect(headline(rows, ['m', 'never'])).toEqual({ videos: 4, abnormal_rate: 0.25, joint_accuracy: 0.5, m: 2 });
  });

  it('skipped metrics name the most common reason and how many videos', () => {
    const scores = [score({ m: null }, { m: 'no ground truth' }), score({ m: null }, { m: 'no ground truth' }), score({ m: 1 })];
    expect(skippedMetrics(scores, ['m'])).toEqual({ m: 'no ground truth (2 of 3 videos)' });
    expect(metricColumns(['m'], [score({ m: 1, extra: 2 })])).toEqual(['m', 'extra']);
  });

  it('CSV: chosen columns in order, empty cells for null, quoted captions', () => {
    expect(toCsv([{ id: 'a', caption: 'x, y', m: null }], ['id', 'm', 'caption'])).toBe('id,m,caption\na,,"x, y"\n');
  });
});
