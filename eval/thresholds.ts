/**
 * Every threshold the per-video scorer uses, in one place, each with why it has its value.
 * World units (the world is 10 units high: 1 unit = height / 10 px, 3.2 px at 32×32, 6.4 at
 * 64×64), seconds, 8-bit colour levels: every law and prompt is judged in world units, so at
 * every clip size and length. Pixels (names ending in _PX, areas in px²) only where the
 * measure is the parser's or a codec's, which work per pixel whatever the size (validity at
 * other sizes: eval/perturb/size-suite.ts). Changing one changes what counts as abnormal:
 * re-run eval/validity.test.ts and regenerate eval/VALIDITY.md.
 */

// ---------------------------------------------------------------- parser

/** A pixel within this RGB distance of the background is background (mp4 noise is a few levels). */
export const BACKGROUND_NOISE = 6;
/**
 * A pixel is explained by a colour when its distance to the background→colour segment is at
 * most this plus RESIDUAL_RELATIVE of its distance from the background (anti-aliased edges are
 * exact blends, so clean renders sit at ~1 level; the slack absorbs codec and model noise).
 */
export const RESIDUAL_ABSOLUTE = 10;
export const RESIDUAL_RELATIVE = 0.06;
/**
 * Foreground is farther from the background than max(BACKGROUND_NOISE, this × the video's
 * background spread) (the RMS distance of near-background pixels, measured in each video: 0 on
 * lossless renders, ~1–3 levels after H.264/VP9). The same multiple of the spread widens the
 * colour residual: a clean codec's error scales with its noise.
 */
export const BACKGROUND_NOISE_SIGMAS = 3;
/**
 * Coverage comes from brightness when the colour's luma differs from the background's by at
 * least this many levels (every world colour: 52–215), else from the projection on its ray.
 */
export const LUMA_COVERAGE_MIN = 20;
/**
 * A pixel is core (detect.ts splitByCores) at this share of the nearest object colour's RGB
 * distance from the background (~100 levels for the world's colours) or farther. Faint pixels
 * bridging two objects (4:2:0 chroma bleeding and ringing after H.264 at 32²: 50–82 levels
 * measured) are not, so objects apart come apart; an object's interior (≥ 120 levels measured
 * for a 1.6 px ball after crf 18) and a seam between touching objects are.
 */
export const CORE_DISTANCE_SHARE = 0.5;
/**
 * Faint pixels join a core at most this many steps (8-connected) away: an anti-aliased edge is
 * 1 step from the core, codec blur adds one; ringing farther out (along the occluder's edge
 * after H.264 crf 28 at 32², it added 20% to a ball's area) is no part of the object.
 */
export const FAINT_REACH_PX = 2;
/** A pixel labels its colour confidently (a seed for splitting touching objects) at this coverage or more. */
export const SEED_COVERAGE = 0.5;
/** A colour needs this many seed pixels in a component to split it off (one odd pixel is codec noise). */
export const SPLIT_MIN_AREA = 2;
/** The occluder's core (pixels at its full colour in the median frame) has at least this many pixels (the world's bar: ≥ 10 at 32×32). */
export const MIN_OCCLUDER_PIXELS = 4;
/** ... and fills this share of its box (a rectangle; a disc's core fills π/4 at most). */
export const OCCLUDER_FILL = 0.9;
/**
 * No pixel in or beside an occluder lies farther than this many times the occluder's own
 * distance along its grey ray (codec overshoot at its edge: ~1.1); a white object at rest lies
 * at 2.4, and its anti-aliased grey rim must not be read as a bar.
 */
export const OCCLUDER_RIM_MAX = 1.5;
/**
 * The background model takes the median frame this many px around the occluder's core: its
 * blended edge (1 px) and a codec's ringing beside it (a 2nd px after H.264/VP9 at 64², which
 * read as a faint 'white' blob flickering there), the latter only where the pixel holds still
 * in the sampled frames (an object passing by does not).
 */
export const OCCLUDER_RING_PX = 2;
/** Components smaller than this many px² of coverage are noise (the smallest ball is ~2.9 px²). */
export const MIN_COMPONENT_AREA = 0.6;
/**
 * ... and so are components whose most covered pixel is below this: a codec's ringing beside
 * the occluder summed to 0.65 px² at a peak of 0.09 (H.264 crf 23, 64²); the smallest ball in
 * full view has a pixel at ≥ 0.9, and a sliver thinner than this is too thin to measure anyway.
 */
export const MIN_PEAK_COVERAGE = 0.25;
/** Coverage at or above which a pixel counts as interior (for mean colour and the box). */
export const INTERIOR_COVERAGE = 0.9;
/** Blobs under this many px² next to a bigger blob of another colour are blended edge pixels, not objects. */
export const BLEND_BLOB_AREA = 2.5;
/** Tracks seen in fewer frames are noise (blend artefacts, codec specks), not objects. */
export const MIN_TRACK_FRAMES = 2;
/**
 * Linking: a track and a detection whose areas differ by more than this share (the smaller under
 * it of the larger) are unlike (a codec ghost, ~1 px² where a 3.6-unit² ball was, H.264 crf 28 at
 * 32²) and link only when no pair of comparable size takes either (an object shrinking behind
 * the occluder or the frame edge still links: it has no rival of its colour).
 */
export const LINK_SPECK_SHARE = 0.25;
/**
 * A blob at the frame edge or the occluder is cut off when its area is this far below the
 * whole area of its track (clean renders measure area to ~0.1%) ...
 */
export const CUT_AREA_DEFICIT = 0.03;
/**
 * ... or farther below it than this many times the track's own area spread (1.4826 × the median
 * absolute deviation of the areas of its points clear of the edge and the occluder, relative to
 * their median): after a codec, whole areas wander by 2–6%.
 */
export const CUT_NOISE_SIGMAS = 3;
/**
 * A blob touches a frame edge when a pixel on it has at least this coverage (fainter ones are
 * codec ringing), and more than BACKGROUND_NOISE_SIGMAS × the video's background spread in
 * that colour's coverage units (~0.14 for red after H.264 crf 23 at 32²).
 */
export const EDGE_COVERAGE = 0.1;
/** A detection within this many px of the occluder or the frame edge may be cut off. */
export const CUT_MARGIN_PX = 1.0;
/**
 * Fill of the coverage box (area ÷ (widest row × tallest column)): discs fill ~0.79–0.87
 * (π/4 plus sampling), axis-aligned squares ~1. Halfway-ish between.
 */
export const SQUARE_FILL_FROM = 0.93;
/**
 * Below this radius / half-side (units; 1.44 px) discs and squares are too few pixels to tell
 * apart (small discs reach fill 1.1), so shape is not judged.
 */
export const SHAPE_MIN_SIZE = 0.45;
/**
 * A frame's shape differs from its track's only when its box fill lies this many robust
 * spreads of the track's own fills from their median (constancy.ts): codec noise moves a small
 * disc's fill across SQUARE_FILL_FROM, a real change moves it by ~0.2 against a spread of ~0.01.
 */
export const SHAPE_NOISE_SIGMAS = 3;

// ---------------------------------------------------------------- physics

/** PhyWorld: the first 3 frames are the condition frames, excluded from velocity error. */
export const CONDITION_FRAMES = 3;
/** PhyWorld: a collision is the first frame where the true |Δv| exceeds this (units/s). */
export const COLLISION_DV = 0.1;
/** A free-flight segment needs this many frames for a quadratic fit with one spare degree. */
export const MIN_SEGMENT_FRAMES = 4;
/** Standard gravity (units/s²); normalises gravity errors, also for zero-gravity families. */
export const STANDARD_GRAVITY = 9.8;
/** A ball within this many units of the floor (plus one frame of travel) may be in contact. */
export const FLOOR_CONTACT_GAP = 0.25;
/** Two objects within this many units (plus one frame of travel) may be in contact. */
export const OBJECT_CONTACT_GAP = 0.25;
/**
 * Energy velocities are slopes of line fits over ±this many frames (5 frames): exact on a
 * parabola, 2.2× less noisy than central differences; short segments use ±1.
 */
export const ENERGY_WINDOW = 2;
/**
 * The gravity and energy rules judge what exceeds this many standard errors of the video's own
 * noise (each track's pooled free-flight fit residual, propagated to the fitted acceleration and
 * to the windowed energies): a codec's position noise (~0.02–0.06 units) must not read as a
 * broken law, while a real violation (reversed gravity: 2g) stands far above it.
 */
export const NOISE_SIGMAS = 3;
/** Energy and momentum are divided by at least this (units²/s², units/s) so near-rest objects do not blow up. */
export const ENERGY_FLOOR = 1.0;
export const MOMENTUM_FLOOR = 0.5;
/**
 * One step farther than this is a teleport (units per frame = 30 units/s): the fastest thing
 * in the world is a ball dropped 8.5 units (≈13 units/s) or an ood ball at 6 units/s.
 */
export const TELEPORT_STEP = 3.0;
/**
 * A frame pair is still when no object tracked whole in both frames moves more than this many
 * px (a repeated frame: 0 exactly, ~0.01 px after a codec re-encodes it).
 */
export const STILL_STEP_PX = 0.05;
/**
 * ... and moving when some object moves at least this many px (a codec may hold a slower object
 * still for a few frames, skipping its blocks; the slowest in-distribution motion is 0.32 px/frame at 32×32).
 */
export const STUTTER_STEP_PX = 0.25;
/**
 * ... or, next to moving pairs, still when at most this many px (a repeated frame re-coded by
 * VP9 moves its blobs by up to 0.14 px measured at 32² and 64²) ...
 */
export const STILL_NOISE_PX = 0.15;
/**
 * ... and at most this share of the smaller step on either side (a frozen object lags 0.6–9 px
 * behind and catches up; a codec skipping a slow object's block leaves steps ~half its motion).
 */
export const STILL_RATIO = 0.25;
/** A stutter has this many still pairs (one can be an apex; see stutter.ts). */
export const STUTTER_MIN_PAIRS = 2;
/** A frame pair is dynamic when some object moves at least this many px (a quarter pixel is well above parser noise). */
export const DYNAMIC_STEP_PX = 0.25;
/** A vanish and a spawn of another colour within this distance (units) and 1 frame are a colour change. */
export const COLOR_CHANGE_DISTANCE = 1.0;
/**
 * A missing object is inside another object's blob (touching, not split) when that blob's area
 * exceeds its own by at least this share of the missing object's area (permanence.ts): the
 * merged blob carries both areas (~0.9 of the sum after 4:2:0 at 32×32); codec area noise is ~5%.
 */
export const MERGED_AREA_SHARE = 0.5;
/**
 * For measuring a step into or out of another object's blob (constancy.ts), the blob must have
 * grown past its own area by this share of the missing object's area (a teleport can land an
 * object mostly under another: the union then carries ~0.4 of it), and by this many robust
 * spreads of its own area (codec area noise ~2–6%; a big square's noise can exceed a quarter of a
 * small ball).
 */
export const MERGED_STEP_SHARE = 0.25;
export const MERGED_STEP_NOISE_SIGMAS = 3;
/** Re-emergence after occlusion is expected within this many frames of the prediction. */
export const REEMERGE_FRAMES = 3;

// ---------------------------------------------------------------- prompt adherence

/**
 * Size and speed classes are judged with this relative slack at their bounds: the parser's
 * size error is ~0.1% and speed error ~1%, so a true value a hair from a bound must not flip.
 */
export const CLASS_TOLERANCE = 0.03;
/** A stated direction is contradicted only by motion against it faster than this (units/s). */
export const DIRECTION_SLACK = 0.05;
/** An object has stopped when its last step is shorter than this (units). */
export const STOP_STEP = 0.02;

// ---------------------------------------------------------------- abnormal flag (rule → limit)

/**
 * A video is abnormal when any of these is exceeded. Each limit sits well above the parser's
 * error floor on ground-truth renders (eval/VALIDITY.md) and well below what a visible
 * violation of the law produces.
 */
export const ABNORMAL_LIMITS = {
  /** |â − g| / 9.8 on any free-flight segment: 25% of g. */
  gravity: 0.25,
  /** Relative energy change within a free-flight segment or across an elastic collision. */
  energy: 0.2,
  /** Relative momentum change across a collision. */
  momentum: 0.2,
  /** Restitution estimate above 1 + this (a bounce that gains energy). */
  restitution: 0.1,
  /** Any teleport step. */
  teleport: 0,
  /** Any object vanishing in the open. */
  vanish: 0,
  /** Any object appearing in the open. */
  spawn: 0,
  /** Any colour change of an object. */
  color_change: 0,
  /** Frames whose shape class differs from the object's majority. */
  shape_change: 1,
  /** Radius range over the clip, in units (0.3 units ≈ 1 px). */
  size_drift: 0.3,
  /** Overlap depth of two objects, in units. */
  interpenetration: 0.3,
  /** A still run between moving frames. */
  stutter: 0,
  /** Re-emergence position error after occlusion, in units. */
  reemergence: 1.5,
} as const;
