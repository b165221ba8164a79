import { describe, expect, it } from 'vitest';
import { toStateFile } from '../datasets/interchange.js';
import { makeSample } from '../datasets/world/sample.js';
import { UserError } from '../base/errors.js';
import { createScorer, METRIC_NAMES, REFERENCE_METRICS, SESSION_TRUTHS, scoreVideo, TEXT_ONLY } from './score.js';

function sample(family: 'bounce' | 'layout' = 'bounce', index = 0) {
  const { frames, meta } = makeSample({ family, split: 'id', seed: 2, index });
  const video = { frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps };
  return { video, meta, truth: toStateFile(meta) };
}

describe('scoreVideo', () => {
  it('reports every metric under a name in METRIC_NAMES, each a number or skipped with a reason', () => {
    const { video, meta, truth } = sample();
    const s = scoreVideo({ video, caption: meta.caption, truth });
    expect(Object.keys(s.metrics).sort()).toEqual([...METRIC_NAMES].sort());
    for (const name of METRIC_NAMES) expect(s.metrics[name] !== null || typeof s.skipped[name] === 'string', name).toBe(true);
    expect(s.abnormal).toBe(false);
    expect(s.jointCorrect).toBe(true);
    expect(s.metrics.velocity_error).toBeLessThan(0.1);
    expect(s.tracks).toHaveLength(1);
    expect(s.tracks[0].color).toBe(meta.spec.objects[0].color);
  });

  it('skips ground-truth metrics without a state file and prompt metrics for an unparsed prompt', () => {
    const { video } = sample();
    const s = scoreVideo({ video, caption: 'a ball does something the grammar does not cover' });
    expect(s.parsedPrompt).toBe(false);
    expect(s.jointCorrect).toBe(false);
    expect(s.metrics.velocity_error).toBeNull();
    expect(s.skipped.velocity_error).toBe('no ground truth');
    expect(s.skipped.attribute_accuracy).toMatch(/not parsed/);
    expect(s.skipped.gravity_error).toMatch(/unknown/);
    expect(s.metrics.teleport_rate).toBe(0);
  });

  it('rejects a malformed video or a state file of another video with a UserError', () => {
    const { video, meta, truth } = sample();
    expect(() => scoreVideo({ video: { ...video, frames: video.frames.subarray(3) }, caption: meta.caption })).toThrow(UserError);
    expect(() => scoreVideo({ video: { ...video, numFrames: 2, frames: video.frames.subarray(0, 2 * 32 * 32 * 3) }, caption: meta.caption })).toThrow(/at least/);
    expect(() => scoreVideo({ video, caption: meta.caption, truth: { ...truth, width: 64 } })).toThrow(/64×32/);
    const short = { ...truth, objects: truth.objects.map((o) => ({ ...o, track: o.track.slice(1) })) };
    expect(() => scoreVideo({ video, caption: meta.caption, truth: short })).toThrow(/15 track points/);
  });

  it('a scoring session gives exactly scoreVideo\'s scores, with truths shared, revisited and evicted', () => {
    const samples = Array.from({ length: 3 }, (_, k) => sample(k === 1 ? 'layout' : 'bounce', k));
    // Another sample's video against each truth stands in for a second seed (a different video, same truth).
    const inputs = samples.flatMap((s, k) => [s, samples[(k + 1) % 3]].map(({ video }) => ({ video, caption: s.meta.caption, truth: s.truth })));
    const score = createScorer();
    for (const input of [...inputs, ...inputs.slice(0, 2)]) expect(score(input)).toEqual(scoreVideo(input));
    // More truths than the session keeps: the oldest are dropped and recomputed, same scores.
    const many = Array.from({ length: SESSION_TRUTHS + 2 }, (_, k) => sample('bounce', k + 3));
    for (const s of [...many, many[0]]) {
      const input = { video: s.video, caption: s.meta.caption, truth: s.truth };
      expect(score(input).metrics).toEqual(scoreVideo(input).metrics);
    }
    expect(createScorer({ physicsIq: false })(inputs[0]).skipped.physiq_score).toBe('Physics-IQ switched off');
  });

  it('a text-only video (reference: false): comparisons with the one true scene skipped with the reason, the rest as before', () => {
    const { video, meta, truth } = sample();
    const withTruth = scoreVideo({ video, caption: meta.caption, truth });
    const textOnly = scoreVideo({ video, caption: meta.caption, truth }, { reference: false });
    for (const name of REFERENCE_METRICS) {
      expect(textOnly.metrics[name], name).toBeNull();
      expect(textOnly.skipped[name], name).toBe(TEXT_ONLY);
    }
    expect(REFERENCE_METRICS).toEqual(expect.arrayContaining(['velocity_error', 'position_ade', 'position_fde', 'physiq_score']));
    for (const name of METRIC_NAMES.filter((n) => !REFERENCE_METRICS.includes(n))) expect(textOnly.metrics[name], name).toBe(withTruth.metrics[name]);
    expect(textOnly.metrics.gravity_error).not.toBeNull(); // gravity and floor come with the family, which the prompt states
    expect(textOnly.abnormal).toBe(withTruth.abnormal);
  });

  it('givenFrames K: the comparisons with the truth measure frames K and later', () => {
    // A clip whose first K frames are frozen on frame K (not the truth), then the truth.
    const K = 6;
    const { video, meta, truth } = sample();
    const n = video.height * video.width * 3;
    const frames = video.frames.slice();
    for (let t = 0; t < K; t++) frames.copyWithin(t * n, K * n, (K + 1) * n);
    const input = { video: { ...video, frames }, caption: meta.caption, truth };
    const clean = scoreVideo({ video, caption: meta.caption, truth });
    const whole = scoreVideo(input);
    const after = scoreVideo(input, { givenFrames: K });
    expect(after.metrics.velocity_error).toBeLessThan(0.1);
    expect(whole.metrics.velocity_error!).toBeGreaterThan(5 * after.metrics.velocity_error!); // frames 3..K stand still
    expect(after.metrics.position_ade).toBeLessThan(0.05);
    expect(whole.metrics.position_ade!).toBeGreaterThan(5 * after.metrics.position_ade!);
    expect(after.metrics.position_fde).toBe(clean.metrics.position_fde);
    // Physics-IQ compares the continuation, exactly the truth's here; the frozen frames cost the whole clip.
    expect([after.metrics.physiq_mse, after.metrics.physiq_score]).toEqual([0, 100]);
    expect(whole.metrics.physiq_mse).toBeGreaterThan(0);
    expect(createScorer({ givenFrames: K })(input)).toEqual(after);
    expect(() => scoreVideo(input, { givenFrames: video.numFrames })).toThrow(/given frames must be an integer in \[1, 15\] for a 16-frame video, got 16/);
    expect(() => scoreVideo(input, { givenFrames: 0 })).toThrow(UserError);
  });
});
