/**
 * State files (`states/NAME.json` in the interchange layout): one clip's ground truth, and
 * the checks that make a file from anywhere safe to score.
 *
 * Pixel quantities (`width`, `height`, `constants.scale` in px per unit, `px`, `py`) are in
 * the pixels of the stored video. Our MP4s store each clip pixel as a `pixel_scale`² block
 * (base/video/pixel-scale.ts), so an exported state for a 32×32 clip says 64×64, scale 6.4
 * and `"pixel_scale": 2`: a reader that knows nothing of our tags finds the video, the
 * captions row and the state in the same pixels; `stateForVideo` maps it back to the clip.
 *
 *   const state = parseState(fs.readFileSync('exports/ood/states/ood-bounce-000000.json', 'utf8'));
 *   const truth = stateForVideo(state, { width: 32, height: 32, numFrames: 16 }); // clip pixels, or a reason
 */
import { z } from 'zod';
import { UserError } from '../base/errors.js';
import { COLOR_NAMES, OCCLUDER_COLOR_NAME } from './world/palette.js';
import { FAMILIES, SIZE_CLASSES, SPEED_CLASSES, SPLITS, type ObjectSpec, type SceneSpec, type WorldConstants } from './world/spec.js';

/** One object's ground truth in a state file. */
export interface StateObject {
  id: number;
  shape: ObjectSpec['shape'];
  color: ObjectSpec['color'];
  rgb: readonly [number, number, number];
  /** Sizes in world units: radius for balls, half-side for squares, half-extents for bars. */
  size: { radius?: number; halfWidth: number; halfHeight: number };
  track: { t: number; x: number; y: number; vx: number; vy: number; px: number; py: number; visible: number }[];
}

export interface StateFile {
  fps: number;
  /** Size of the stored frames, in pixels. */
  width: number;
  height: number;
  constants: WorldConstants;
  caption: string;
  spec: SceneSpec;
  objects: StateObject[];
  /**
   * Stored pixels per clip pixel along each side (absent: 1). The clip is
   * `width / pixel_scale` × `height / pixel_scale`.
   */
  pixel_scale?: number;
}

/**
 * Largest magnitude accepted for a position or velocity (world units, units/s) and for pixel
 * coordinates. The world is 10 units high; this is a thousand times more, so any clip the
 * world could draw passes, while values like 1e308 (which overflow to Infinity when the rules
 * square them) are refused instead of scored.
 */
export const MAX_STATE_MAGNITUDE = 1e4;
/** Largest stored-to-clip pixel ratio accepted (we write 1, 2 or 4). */
export const MAX_PIXEL_SCALE = 16;

const bounded = z.number().min(-MAX_STATE_MAGNITUDE).max(MAX_STATE_MAGNITUDE);
const positive = z.number().positive().max(MAX_STATE_MAGNITUDE);
const count = z.number().int().nonnegative();
const colorName = z.enum([...COLOR_NAMES, OCCLUDER_COLOR_NAME]);
const rgb = z.tuple([z.number().int().min(0).max(255), z.number().int().min(0).max(255), z.number().int().min(0).max(255)]);

const constantsSchema = z.object({
  gravity: bounded,
  restitution: z.number().min(0).max(MAX_STATE_MAGNITUDE),
  friction: z.number().min(0).max(MAX_STATE_MAGNITUDE),
  fps: positive,
  scale: positive,
  worldWidth: positive,
  worldHeight: positive,
  floor: z.boolean(),
  substeps: z.number().int().positive().max(MAX_STATE_MAGNITUDE),
});

const objectSpecSchema = z.object({
  id: count,
  shape: z.enum(['ball', 'square', 'bar']),
  color: colorName,
  rgb,
  size: positive,
  sizeClass: z.enum(SIZE_CLASSES),
  halfWidth: positive,
  halfHeight: positive,
  static: z.boolean(),
  initial: z.object({ x: bounded, y: bounded, vx: bounded, vy: bounded }),
});

const specSchema = z.object({
  family: z.enum(FAMILIES),
  split: z.enum(SPLITS),
  objects: z.array(objectSpecSchema).min(1),
  motions: z.array(z.object({ object: count, direction: z.enum(['left', 'right', 'up', 'down']), speed: z.number().min(0).max(MAX_STATE_MAGNITUDE), speedClass: z.enum(SPEED_CLASSES) })),
  events: z.array(z.object({ type: z.enum(['bounce', 'collision', 'occluded', 'reappeared', 'stopped']), time: z.number().min(0).max(MAX_STATE_MAGNITUDE), frame: count, objects: z.array(count) })),
  relations: z.array(z.object({ subject: count, relation: z.enum(['left of', 'right of', 'above', 'below']), object: count })),
  variant: z.string(),
});

const trackPointSchema = z.object({ t: z.number().min(0).max(MAX_STATE_MAGNITUDE), x: bounded, y: bounded, vx: bounded, vy: bounded, px: bounded, py: bounded, visible: z.number().min(0).max(1) });

const stateSchema = z
  .object({
    fps: positive,
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    constants: constantsSchema,
    caption: z.string(),
    spec: specSchema,
    objects: z
      .array(
        z.object({
          id: count,
          shape: z.enum(['ball', 'square', 'bar']),
          color: colorName,
          rgb,
          size: z.object({ radius: positive.optional(), halfWidth: positive, halfHeight: positive }),
          track: z.array(trackPointSchema).min(1),
        }),
      )
      .min(1),
    pixel_scale: z.number().int().min(1).max(MAX_PIXEL_SCALE).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.objects.length !== s.spec.objects.length) {
      ctx.addIssue({ code: 'custom', path: ['objects'], message: `has ${s.objects.length} objects but spec.objects has ${s.spec.objects.length}` });
    }
    const lengths = new Set(s.objects.map((o) => o.track.length));
    if (lengths.size > 1) ctx.addIssue({ code: 'custom', path: ['objects'], message: `tracks differ in length (${[...lengths].join('/')} frames)` });
    const ps = s.pixel_scale ?? 1;
    if (s.width % ps !== 0 || s.height % ps !== 0) ctx.addIssue({ code: 'custom', path: ['pixel_scale'], message: `${ps} does not divide the ${s.width}×${s.height} frame size` });
  });

/**
 * Parse and check a state file's text. Throws a one-line UserError naming the first bad
 * field (`objects.0.track.3.x: …`); the caller adds the file name.
 *
 *   parseState('{"fps":10}') // throws 'width: Invalid input: expected number, received undefined'
 */
export function parseState(text: string): StateFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError('is not valid JSON');
  }
  const result = stateSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.length > 0 ? issue.path.join('.') : 'the file';
    throw new UserError(`${field}: ${issue.message.replace(/\s+/g, ' ')}`);
  }
  // The schema checks every field the scorer reads; the spec's other fields pass through as the world wrote them.
  return result.data as unknown as StateFile;
}

/** `state` with every pixel quantity multiplied by `factor` (pixel_scale scaled with it). */
function scalePixels(state: StateFile, factor: number, pixelScale: number | undefined): StateFile {
  const { pixel_scale: _, ...rest } = state;
  return {
    ...rest,
    width: state.width * factor,
    height: state.height * factor,
    constants: { ...state.constants, scale: state.constants.scale * factor },
    objects: state.objects.map((o) => ({ ...o, track: o.track.map((p) => ({ ...p, px: p.px * factor, py: p.py * factor })) })),
    ...(pixelScale !== undefined && pixelScale !== 1 ? { pixel_scale: pixelScale } : {}),
  };
}

/**
 * A clip's state (in clip pixels) as stored beside a video written at `pixelScale` times
 * its size: sizes, scale and pixel coordinates in the stored pixels, the factor recorded.
 * Pixel coordinates have their origin at the image corner, so a nearest-neighbour upscale
 * by s maps each to s times itself (exact for s = 2, 4).
 *
 *   storedState(toStateFile(meta), 2) // { width: 64, height: 64, pixel_scale: 2, constants: { scale: 6.4, … }, … }
 */
export function storedState(state: StateFile, pixelScale: number): StateFile {
  return scalePixels(state, pixelScale, pixelScale);
}

/**
 * The state in the pixels of `video` (a decoded clip), or the reason it does not describe
 * it. A state whose own size is the video's is used as is; one stored at `pixel_scale`
 * times a tagged clip's size is scaled back to the clip.
 */
export function stateForVideo(state: StateFile, video: { width: number; height: number; numFrames: number }): { state: StateFile } | { reason: string } {
  let fitted: StateFile | undefined;
  if (state.width === video.width && state.height === video.height) fitted = scalePixels(state, 1, undefined);
  else {
    const s = state.pixel_scale ?? 1;
    if (s > 1 && state.width === video.width * s && state.height === video.height * s) fitted = scalePixels(state, 1 / s, undefined);
  }
  if (!fitted) {
    const clip = state.pixel_scale && state.pixel_scale > 1 ? ` (a ${state.width / state.pixel_scale}×${state.height / state.pixel_scale} clip at ${state.pixel_scale}×)` : '';
    return { reason: `is for ${state.width}×${state.height}${clip} but the video is ${video.width}×${video.height}` };
  }
  const frames = state.objects[0].track.length;
  if (frames !== video.numFrames) return { reason: `has tracks of ${frames} frames but the video has ${video.numFrames}` };
  return { state: fitted };
}
