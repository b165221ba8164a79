import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../base/errors.js';
import { lossFigure, movingAverage, readMetrics } from './loss-curve.js';

const step = (n: number, loss: number) => ({ step: n, loss, lr: 1e-3, grad_norm: 1, samples_per_s: 8, seconds: 0.1 });

describe('movingAverage', () => {
  it('averages each value with the window − 1 before it, over what there is at the start', () => {
    expect(movingAverage([1, 2, 3, 4], 2)).toEqual([1, 1.5, 2.5, 3.5]);
    expect(movingAverage([4, 0, 2, 6, 1], 3)).toEqual([4, 2, 2, 8 / 3, 3]);
    expect(movingAverage([5, 7], 1)).toEqual([5, 7]);
    expect(movingAverage([], 5)).toEqual([]);
  });

  it('rejects a window that is not a positive integer', () => {
    expect(() => movingAverage([1], 0)).toThrow(RangeError);
    expect(() => movingAverage([1], 2.5)).toThrow(RangeError);
  });
});

describe('readMetrics and lossFigure', () => {
  it('reads metrics.jsonl in step order and plots the raw loss and its moving average', () => {
    const run = fs.mkdtempSync(path.join(os.tmpdir(), 'loss-curve-'));
    try {
      const lines = [step(1, 1.0), step(2, 0.5), step(3, 0.3)];
      fs.writeFileSync(path.join(run, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join(''));
      const metrics = readMetrics(run);
      expect(metrics).toEqual(lines);
      const { data, layout } = lossFigure(metrics, { window: 2, title: 'tiny' });
      expect(data.map((t) => t.name)).toEqual(['loss', 'mean of 2 steps']);
      expect(data[0]).toMatchObject({ x: [1, 2, 3], y: [1.0, 0.5, 0.3] });
      expect(data[1]).toMatchObject({ x: [1, 2, 3], y: [1.0, 0.75, 0.4] });
      expect(layout.title).toEqual({ text: 'tiny' });
    } finally {
      fs.rmSync(run, { recursive: true, force: true });
    }
  });

  it('refuses a folder without metrics and an empty list', () => {
    expect(() => readMetrics(os.tmpdir())).toThrow(UserError);
    expect(() => lossFigure([])).toThrow(RangeError);
  });
});
