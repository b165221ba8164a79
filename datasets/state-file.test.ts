// State files: stored at the MP4's pixel scale and mapped back exactly; every field checked,
// the first bad one named.
import { describe, expect, it } from 'vitest';
import { UserError } from '../base/errors.js';
import { toStateFile } from './interchange.js';
import { parseState, stateForVideo, storedState, type StateFile } from './state-file.js';
import { makeSample } from './world/sample.js';

const { meta } = makeSample({ family: 'collision', split: 'id', seed: 2, index: 1 });
const clip = toStateFile(meta); // 32×32, clip pixels
const clipShape = { width: 32, height: 32, numFrames: 16 };

describe('storedState / stateForVideo', () => {
  it('stores in 2× pixels and maps back to the clip bit for bit', () => {
    const stored = storedState(clip, 2);
    expect(stored).toMatchObject({ width: 64, height: 64, pixel_scale: 2, constants: { scale: 2 * clip.constants.scale } });
    expect(stored.objects[1].track[7]).toEqual({ ...clip.objects[1].track[7], px: 2 * clip.objects[1].track[7].px, py: 2 * clip.objects[1].track[7].py });
    const back = stateForVideo(parseState(JSON.stringify(stored)), clipShape);
    expect(back).toEqual({ state: clip });
  });

  it('uses a state in the video\'s own pixels as is (an untagged 64×64 video)', () => {
    const stored = storedState(clip, 2);
    const fitted = stateForVideo(stored, { width: 64, height: 64, numFrames: 16 });
    expect('state' in fitted && fitted.state.constants.scale).toBe(stored.constants.scale);
  });

  it('gives the reason for another size or length', () => {
    expect(stateForVideo(storedState(clip, 2), { width: 16, height: 16, numFrames: 16 })).toEqual({ reason: 'is for 64×64 (a 32×32 clip at 2×) but the video is 16×16' });
    expect(stateForVideo(clip, { ...clipShape, numFrames: 8 })).toEqual({ reason: 'has tracks of 16 frames but the video has 8' });
  });
});

describe('parseState', () => {
  const broken = (edit: (s: Record<string, unknown> & StateFile) => void) => {
    const s = JSON.parse(JSON.stringify(clip));
    edit(s);
    try {
      parseState(JSON.stringify(s));
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      return (err as Error).message;
    }
    return 'accepted';
  };

  it('accepts what the world writes', () => {
    expect(parseState(JSON.stringify(clip))).toEqual(clip);
  });

  it('names the first bad field', () => {
    expect(() => parseState('{')).toThrow('is not valid JSON');
    expect(broken((s) => delete (s as Partial<StateFile>).objects)).toBe('objects: Invalid input: expected array, received undefined');
    expect(broken((s) => (s.objects[0].track = undefined as never))).toBe('objects.0.track: Invalid input: expected array, received undefined');
    expect(broken((s) => ((s.objects[0].track[3] as unknown as Record<string, unknown>).vx = '1.5'))).toBe('objects.0.track.3.vx: Invalid input: expected number, received string');
    expect(broken((s) => (s.objects[1].track[0].px = 1e308))).toBe('objects.1.track.0.px: Too big: expected number to be <=10000');
    expect(broken((s) => (s.constants.fps = -10))).toBe('constants.fps: Too small: expected number to be >0');
    expect(broken((s) => (s.spec = {} as never))).toMatch(/^spec\.family: Invalid option/);
    expect(broken((s) => s.objects.pop())).toBe('objects: has 1 objects but spec.objects has 2');
    expect(broken((s) => s.objects[0].track.pop())).toBe('objects: tracks differ in length (15/16 frames)');
    expect(broken((s) => (s.pixel_scale = 3))).toBe('pixel_scale: 3 does not divide the 32×32 frame size');
  });
});
