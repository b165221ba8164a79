/**
 * The two measurements of the model quality check, on one video against the world
 * sample its prompt came from (spec + true tracks). Pure functions of pixels and ground
 * truth; nothing here knows about the model.
 *
 *   colour present — the prompted object's palette colour covers at least
 *     PRESENCE_MIN_RATIO of the area the object truly covers over the clip
 *     (Σ_t area · visible_t), counting a pixel as that colour when the colour is its
 *     nearest reference (palette, background, occluder grey) within COLOR_TOLERANCE;
 *   moves as prompted — over the frames where the true object keeps moving in its
 *     prompted direction (from frame 0 until it first turns back: a bounce, a collision),
 *     the centroid of the colour's pixels moves that way by at least MOTION_MIN_FRACTION
 *     of the true displacement.
 *
 *   const score = measureQuality(video, sample.meta);
 *   score.colorOk   // every object's colour present
 *   score.motionOk  // every measurable motion in the prompted direction (null: none measurable)
 *
 * Thresholds are pinned so ground-truth renders score 100% with room to spare. Measured on
 * 700 held-out id samples (100 per family): every colour present, smallest ratio 0.62
 * (anti-aliased edges of a small ball fall outside the tolerance), against 0.35; every one
 * of 647 measurable motions right, smallest fraction 0.50 (a ball partly behind the
 * occluder), against 0.30. The same clips played backwards pass the motion test in 7.7%.
 */
import { BACKGROUND, COLOR_NAMES, OCCLUDER_COLOR, PALETTE, type ColorName, type Rgb } from '../../datasets/world/palette.js';
import type { Direction, ObjectSpec, WorldSampleMeta } from '../../datasets/world/spec.js';
import type { Video } from '../../base/video/index.js';

/** A pixel is a reference colour's when that colour is its nearest within this RGB distance. */
export const COLOR_TOLERANCE = 60;
/** Colour present: its pixels over the clip ≥ this share of the object's true visible area. */
export const PRESENCE_MIN_RATIO = 0.35;
/** A frame's centroid counts when the colour covers ≥ this share of the object's area there. */
export const CENTROID_MIN_FRACTION = 0.25;
/** Motions that truly move less than this many pixels in their window are not measured. */
export const MIN_MEASURABLE_PX = 1;
/** Moves as prompted: centroid displacement ≥ this share of the true displacement over the same frames ... */
export const MOTION_MIN_FRACTION = 0.3;
/** ... and at least this many pixels (an object seen in two neighbouring frames only proves little). */
export const MIN_MOVED_PX = 0.5;
/** Frames where the true object is less visible than this are not used for its centroid. */
const MOSTLY_VISIBLE = 0.5;

export interface ColorScore {
  object: number;
  color: ColorName;
  /** Colour pixels over the clip / the object's true visible area over the clip. */
  ratio: number;
  present: boolean;
}

export interface MotionScore {
  object: number;
  color: ColorName;
  direction: Direction;
  /** The window: frames 0..lastFrame, while the true object keeps moving that way. */
  lastFrame: number;
  /** True displacement along the direction over the window, in pixels. */
  truePx: number;
  /** The colour centroid's displacement along the direction from the first to the last tracked frame (null: fewer than two). */
  movedPx: number | null;
  /** The true displacement over those same frames. */
  spanPx: number | null;
  ok: boolean;
}

export interface QualityMeasures {
  colors: ColorScore[];
  /** Motions too small to measure are left out. */
  motions: MotionScore[];
  colorOk: boolean;
  /** null when the video has no measurable motion. */
  motionOk: boolean | null;
}

// ---------------------------------------------------------------- colour labels

const REFERENCES: readonly Rgb[] = [...COLOR_NAMES.map((c) => PALETTE[c]), BACKGROUND, OCCLUDER_COLOR];
/** Label of a pixel that is no reference colour within the tolerance. */
const NO_LABEL = 255;

/**
 * Per pixel [T·H·W], the index into COLOR_NAMES of its colour, or a larger value for
 * background, occluder and unmatched pixels.
 */
export function colorLabels(video: Video): Uint8Array {
  const n = video.numFrames * video.height * video.width;
  const labels = new Uint8Array(n);
  const limit = COLOR_TOLERANCE * COLOR_TOLERANCE;
  for (let p = 0; p < n; p++) {
    const [r, g, b] = [video.frames[3 * p], video.frames[3 * p + 1], video.frames[3 * p + 2]];
    let best = NO_LABEL;
    let bestDistance = limit + 1;
    for (let k = 0; k < REFERENCES.length; k++) {
      const [dr, dg, db] = [r - REFERENCES[k][0], g - REFERENCES[k][1], b - REFERENCES[k][2]];
      const d = dr * dr + dg * dg + db * db;
      if (d < bestDistance) [best, bestDistance] = [k, d];
    }
    labels[p] = bestDistance <= limit ? best : NO_LABEL;
  }
  return labels;
}

/** Per frame: the count and pixel centroid (x right, y down, pixel centres at +0.5) of a label. */
function framesOfLabel(labels: Uint8Array, video: Video, label: number): { count: number; x: number; y: number }[] {
  const { numFrames: T, height: H, width: W } = video;
  const out = [];
  for (let t = 0; t < T; t++) {
    let [count, sx, sy] = [0, 0, 0];
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        if (labels[(t * H + y) * W + x] !== label) continue;
        count++;
        sx += x + 0.5;
        sy += y + 0.5;
      }
    out.push({ count, x: count ? sx / count : NaN, y: count ? sy / count : NaN });
  }
  return out;
}

// ---------------------------------------------------------------- scoring

/** The object's area in pixels when fully drawn. */
export function objectAreaPx(object: ObjectSpec, scale: number): number {
  const r = object.size * scale;
  return object.shape === 'ball' ? Math.PI * r * r : 4 * r * r;
}

/** Signed displacement along a direction in pixel coordinates (y down). */
function along(direction: Direction, from: { x: number; y: number }, to: { x: number; y: number }): number {
  switch (direction) {
    case 'right':
      return to.x - from.x;
    case 'left':
      return from.x - to.x;
    case 'down':
      return to.y - from.y;
    case 'up':
      return from.y - to.y;
  }
}

/** Score one video against the world sample its prompt was written from. */
export function measureQuality(video: Video, truth: WorldSampleMeta): QualityMeasures {
  if (video.numFrames !== truth.numFrames || video.height !== truth.height || video.width !== truth.width) {
    throw new Error(`video is ${video.numFrames}×${video.height}×${video.width} but its truth ${truth.name} is ${truth.numFrames}×${truth.height}×${truth.width}`);
  }
  const labels = colorLabels(video);
  const scale = truth.constants.scale;
  const perObject = new Map<number, { color: ColorName; area: number; frames: ReturnType<typeof framesOfLabel> }>();
  const colors: ColorScore[] = [];
  truth.spec.objects.forEach((object, k) => {
    if (object.static || object.color === 'gray') return;
    const color = object.color;
    const area = objectAreaPx(object, scale);
    const frames = framesOfLabel(labels, video, COLOR_NAMES.indexOf(color));
    perObject.set(object.id, { color, area, frames });
    const expected = truth.tracks[k].reduce((sum, p) => sum + area * p.visible, 0);
    if (expected <= 0) return; // never in view: nothing to look for
    const ratio = frames.reduce((sum, f) => sum + f.count, 0) / expected;
    colors.push({ object: object.id, color, ratio, present: ratio >= PRESENCE_MIN_RATIO });
  });

  const motions: MotionScore[] = [];
  for (const motion of truth.spec.motions) {
    const k = truth.spec.objects.findIndex((o) => o.id === motion.object);
    const seen = perObject.get(motion.object);
    if (k < 0 || !seen) continue;
    const track = truth.tracks[k].map((p) => ({ x: p.px, y: p.py }));
    let last = 0;
    while (last + 1 < track.length && along(motion.direction, track[last], track[last + 1]) >= -1e-6) last++;
    const truePx = along(motion.direction, track[0], track[last]);
    if (truePx < MIN_MEASURABLE_PX) continue;
    // Frames where the colour is seen and the true object is mostly in view (a ball half
    // behind the occluder has its centroid pulled off its centre).
    const tracked = seen.frames
      .map((f, t) => ({ ...f, t }))
      .filter((f) => f.t <= last && f.count > 0 && f.count >= CENTROID_MIN_FRACTION * seen.area && truth.tracks[k][f.t].visible >= MOSTLY_VISIBLE);
    let movedPx: number | null = null;
    let spanPx: number | null = null;
    let ok = false;
    if (tracked.length >= 2) {
      const [first, final] = [tracked[0], tracked[tracked.length - 1]];
      movedPx = along(motion.direction, first, final);
      spanPx = along(motion.direction, track[first.t], track[final.t]); // true displacement over the same frames
      ok = movedPx >= MIN_MOVED_PX && movedPx >= MOTION_MIN_FRACTION * spanPx;
    }
    motions.push({ object: motion.object, color: seen.color, direction: motion.direction, lastFrame: last, truePx, movedPx, spanPx, ok });
  }
  return {
    colors,
    motions,
    colorOk: colors.length > 0 && colors.every((c) => c.present),
    motionOk: motions.length ? motions.every((m) => m.ok) : null,
  };
}
