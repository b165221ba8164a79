import { describe, expect, it } from 'vitest';
import type { Pipeline } from '../../src/infer/pipeline.js';
import { resolveGenerateSettings } from './generate.js';
import { firstIssue, RUN_FORMAT, runJsonSchema, runListingSchema, type RunJson } from './run-schema.js';

const run: RunJson = {
  format: RUN_FORMAT,
  name: 'smoke',
  suite: { name: 'smoke', version: 1, split: 'id', categories: ['gravity'], prompts: 2, limit: null },
  source: { kind: 'checkpoint', path: 'models/default', config: { model: {} }, generate: { steps: 25, guidance: 3, sampler: 'heun', shift: 1 } },
  seeds: [1],
  code: { version: '0.1.0', commit: null },
  scoring: { physics_iq: true, physiq: 'exact', palette: 'world' },
  created: '2026-01-01T00:00:00.000Z',
  timings: { generate_s: 1, read_s: 0, score_s: 2, total_s: 3 },
  headline: { videos: 2, abnormal_rate: 0.5, fd_pixel: NaN },
  frechet: { fd_pixel: { features: 'pixel', fd: NaN, n: [2, 2], dim: 39, ci95: [NaN, 0.3], bootstrap: 'paired', resamples: 200, seed: 'smoke/pixel' } },
  skipped_metrics: {},
  bad_inputs: [{ file: 'x.mp4', row: 3, reason: 'missing' }],
};

describe('run.json schema', () => {
  it('reads back what the harness writes, a NaN (written as null) as NaN', () => {
    const parsed = runJsonSchema.parse(JSON.parse(JSON.stringify(run)));
    expect(parsed).toEqual(run);
  });

  it('keep_frames: optional (older runs load), a whole number of frames', () => {
    const asWritten = (r: object) => JSON.parse(JSON.stringify(r));
    expect(runJsonSchema.parse(asWritten({ ...run, keep_frames: 4 })).keep_frames).toBe(4);
    expect(runJsonSchema.parse(asWritten(run)).keep_frames).toBeUndefined();
    const bad = runJsonSchema.safeParse(asWritten({ ...run, keep_frames: 1.5 }));
    expect(bad.success || firstIssue(bad.error)).toMatch(/^keep_frames: /);
  });

  it('counterfactual: optional, its per-cause shares read back (none testable: NaN, written as null)', () => {
    const tally = (testable: number, correct: number) => ({ pairs: 2, testable, correct, share: testable ? correct / testable : NaN });
    const counterfactual = {
      tolerance: { low: 0.5, high: 2, sign_only: true },
      overall: tally(2, 1),
      per_cause: { speed: tally(2, 1), gravity: tally(0, 0) },
      pairs: [{ pair: 'speed-000', cause: 'speed', seed: 1, carried_by: ['caption' as const], testable: true, truth_change: -1.2, measured_change: null, correct: false }],
    };
    expect(runJsonSchema.parse(JSON.parse(JSON.stringify({ ...run, counterfactual })))).toEqual({ ...run, counterfactual });
    expect(runJsonSchema.parse(JSON.parse(JSON.stringify(run))).counterfactual).toBeUndefined();
    const bad = runJsonSchema.safeParse(JSON.parse(JSON.stringify({ ...run, counterfactual: { ...counterfactual, per_cause: { speed: { pairs: 2 } } } })));
    expect(bad.success || firstIssue(bad.error)).toMatch(/^counterfactual\.per_cause\.speed\.testable: /);
  });

  it('reads back a guidance method and interval in the generate settings, and resolves them as a run records them', () => {
    const guided = { ...run, source: { ...run.source, generate: { steps: 25, guidance: 3, sampler: 'heun', shift: 1, guidanceMethod: 'interval', guidanceInterval: [0.2, 0.8] as [number, number] } } };
    expect(runJsonSchema.parse(JSON.parse(JSON.stringify(guided)))).toEqual(guided);
    const pipe = { generation: undefined } as Pipeline;
    expect(resolveGenerateSettings(pipe, { guidanceMethod: 'cfg' })).toEqual(resolveGenerateSettings(pipe)); // CFG's run.json is what it always was
    expect(resolveGenerateSettings(pipe, { guidanceMethod: 'interval' })).toMatchObject({ guidanceMethod: 'interval', guidanceInterval: [0.22, 0.84] });
    expect(resolveGenerateSettings(pipe, { guidanceMethod: 'apg' })).toEqual({ steps: 25, guidance: 3, sampler: 'heun', shift: 1, guidanceMethod: 'apg' });
  });

  it("a model folder's recommended guidance is the run's unless the flags name another, and run.json says which", () => {
    const pipe = { generation: { steps: 25, guidance: 3, sampler: 'heun', fps: 10, shift: 1, guidanceMethod: 'interval', guidanceInterval: [0.3, 0.9] } } as Pipeline;
    expect(resolveGenerateSettings(pipe)).toEqual({ steps: 25, guidance: 3, sampler: 'heun', shift: 1, guidanceMethod: 'interval', guidanceInterval: [0.3, 0.9] });
    expect(resolveGenerateSettings(pipe, { guidanceInterval: [0.5, 1] })).toMatchObject({ guidanceMethod: 'interval', guidanceInterval: [0.5, 1] });
    expect(resolveGenerateSettings(pipe, { guidanceMethod: 'cfg' })).toEqual({ steps: 25, guidance: 3, sampler: 'heun', shift: 1 });
    // a frame scale combines with CFG only: the model's method gives way to it
    expect(resolveGenerateSettings(pipe, { frameGuidance: 2 })).toEqual({ steps: 25, guidance: 3, sampler: 'heun', shift: 1, frameGuidance: 2 });
  });

  it('names the first thing wrong', () => {
    const parsed = runJsonSchema.safeParse({ ...run, source: { ...run.source, kind: 'folder' } });
    expect(parsed.success || firstIssue(parsed.error)).toMatch(/^source\.kind: Invalid option/);
  });

  it('lists a run of the format with only its suite, and keeps fields it does not know', () => {
    expect(runListingSchema.parse({ format: RUN_FORMAT, suite: null })).toEqual({ format: RUN_FORMAT, suite: null, headline: {} });
    const extra = runListingSchema.parse({ format: RUN_FORMAT, suite: { name: 's', extra: 1 }, source: { kind: 'videos', generate: { steps: 4, guidance: 1, sampler: 'euler', fps: 8 } }, notes: 'x' });
    expect(extra).toMatchObject({ suite: { name: 's', extra: 1 }, source: { generate: { fps: 8 } }, notes: 'x' });
    const wrong = runListingSchema.safeParse({ format: 'something-else' });
    expect(wrong.success || firstIssue(wrong.error)).toMatch(/^format: /);
  });
});
