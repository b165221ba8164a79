/**
 * Ground truth for a video: checks a state file against its video (a mismatch is the
 * user's mistake, not a metric), and turns its tracks into the harness's Track shape.
 */
import type { StateFile } from '../../datasets/interchange.js';
import { UserError } from '../../base/errors.js';
import type { Video } from '../../base/video/video.js';
import type { Track } from '../types.js';

/** The smallest video the parser can measure anything in. */
export const MIN_VIDEO = { frames: 4, height: 8, width: 8 } as const;

/** Throw a UserError when the video is malformed or too small to parse. */
export function checkVideo(video: Video): void {
  const { numFrames: T, height: H, width: W, frames } = video;
  if (!frames || frames.length !== T * H * W * 3) {
    throw new UserError(`video buffer holds ${frames?.length ?? 0} bytes, but ${T}×${H}×${W}×3 = ${T * H * W * 3} were declared`);
  }
  if (T < MIN_VIDEO.frames || H < MIN_VIDEO.height || W < MIN_VIDEO.width) {
    throw new UserError(`video is ${T}×${H}×${W} (frames×height×width); scoring needs at least ${MIN_VIDEO.frames}×${MIN_VIDEO.height}×${MIN_VIDEO.width}`);
  }
  if (!(video.fps > 0)) throw new UserError(`video fps must be positive, got ${video.fps}`);
}

/** Throw a UserError when the state file does not describe this video (size, length, fps, objects). */
export function checkTruth(video: Video, truth: StateFile): void {
  if (!truth || !Array.isArray(truth.objects) || !truth.spec || !truth.constants) {
    throw new UserError('state file is missing objects, spec or constants');
  }
  if (truth.width !== video.width || truth.height !== video.height) {
    throw new UserError(`state file is for a ${truth.width}×${truth.height} video, but the video is ${video.width}×${video.height}`);
  }
  const bad = truth.objects.find((o) => !Array.isArray(o.track) || o.track.length !== video.numFrames);
  if (bad) {
    throw new UserError(`state file object ${bad.id} has ${bad.track?.length ?? 0} track points, but the video has ${video.numFrames} frames`);
  }
  if (Math.abs(truth.fps - video.fps) > 1e-3 * truth.fps) {
    throw new UserError(`state file is at ${truth.fps} fps, but the video is at ${video.fps} fps`);
  }
}

/** Moving objects of the state file as Tracks (world units); the static occluder is left out. */
export function truthTracks(truth: StateFile): Track[] {
  return truth.objects
    .filter((o) => o.shape !== 'bar')
    .map((o) => {
      const area = o.shape === 'ball' ? Math.PI * (o.size.radius ?? o.size.halfWidth) ** 2 : 4 * o.size.halfWidth * o.size.halfHeight;
      return { color: o.color, points: o.track.map((p) => ({ frame: p.t, x: p.x, y: p.y, area: area * Math.min(1, p.visible) })) };
    });
}
