import { describe, expect, it } from 'vitest';
import { toStateFile } from '../datasets/interchange.js';
import { makeSample } from '../datasets/world/sample.js';
import { UserError } from '../base/errors.js';
import { createScorer, METRIC_NAMES, SESSION_TRUTHS, scoreVideo } from './score.js';

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
});
