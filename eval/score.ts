/**
 * Per-video scoring: parse a video into tracks, measure physics (against ground truth where
 * given, reference-free always), Physics-IQ masks, VBench pixel metrics and prompt adherence,
 * then flag rule violations. Everything the harness reports about one video comes from here.
 *
 *   const { frames, meta } = makeSample({ family: 'bounce', split: 'id', seed: 1, index: 0 });
 *   const video = { frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps };
 *   const score = scoreVideo({ video, caption: meta.caption, truth: toStateFile(meta) });
 *   score.abnormal                  // false
 *   score.metrics.velocity_error    // ~0.02 units/s (the parser's floor)
 *
 * Bad input (a malformed video, a state file that does not describe the video) throws a
 * UserError; a metric that cannot be computed is null with its reason in `skipped`.
 *
 * Comparisons with the one true scene (velocity and position error, restitution error,
 * Physics-IQ) are defined only when the video was made from that scene, i.e. conditioned on
 * its first frames (PhyWorld's protocol): a text-only video scores `reference: false`, which
 * skips them with TEXT_ONLY; a conditioned one says `givenFrames: K`, and they are measured on
 * what the model generated, from frame K on.
 */
import { UserError } from '../base/errors.js';
import { frameBytes, type Video } from '../base/video/video.js';
import type { StateFile } from '../datasets/interchange.js';
import { isColorName } from '../datasets/world/palette.js';
import type { ColorSet } from './parse/colors.js';
import { nameByTruth } from './parse/palette.js';
import { parseVideo, type ParsedTrack, type ParsedVideo } from './parse/tracks.js';
import { checkTruth, checkVideo, truthTracks } from './parse/truth.js';
import { physicsContext, type PhysicsContext } from './physics/context.js';
import { constancyMetrics } from './physics/constancy.js';
import { lawMetrics, type LawMetrics } from './physics/laws.js';
import { permanenceMetrics } from './physics/permanence.js';
import { truthMetrics } from './physics/truth-metrics.js';
import type { PhysiqConventions } from './physiq/masks.js';
import { physiqMetrics, physiqReference, physiqScore, type PhysiqMetrics, type PhysiqReference } from './physiq/metrics.js';
import { renderTruth, secondTake } from './physiq/takes.js';
import { dynamicDegree, motionSmoothness, stepDifferences, temporalFlickering } from './pixel/vbench.js';
import { stutterCount } from './physics/stutter.js';
import { adherence } from './prompt/adherence.js';
import { parsePrompt, type ParsedPrompt } from './prompt/grammar.js';
import { ABNORMAL_LIMITS } from './thresholds.js';
import type { Track, VideoInput, VideoScore } from './types.js';
import { METRIC_NAMES, REFERENCE_METRICS } from './metric-names.js';

export { METRIC_NAMES, ATTRIBUTE_NAMES, REFERENCE_METRICS } from './metric-names.js';

export interface ScoreOptions {
  /**
   * Compute the Physics-IQ metrics (renders the truth and re-simulates a perturbed second
   * take, the costliest part); default true. Only possible with ground truth.
   */
  physicsIq?: boolean;
  /**
   * Physics-IQ's arithmetic: `exact` (default, the definition) or `official` (DeepMind's code's
   * 8-bit resize, OpenCV grey and float32 MSE: eval/physiq/official.ts).
   */
  physiq?: PhysiqConventions;
  /**
   * The colours to parse with; default the world's palette. With a palette estimated from the
   * videos (eval/parse/palette.ts `estimatePalette`), whose colours are named `cluster-k`,
   * the tracks are renamed after the true objects they follow when there is ground truth
   * (`nameByTruth`), and the colour attribute is not judged (null): which colour the prompt
   * meant cannot be known from an unknown palette.
   */
  colors?: ColorSet;
  /**
   * Compare with the ground truth's one scene (velocity_error, position_ade/fde,
   * restitution_error, physiq_*); default true. False for a video made from its text alone:
   * those are skipped with TEXT_ONLY. The truth still sets gravity and floor (fixed per family,
   * so the prompt states them) and is kept for the distribution distances.
   */
  reference?: boolean;
  /**
   * The video's first K frames (1 ≤ K < its length) are the truth's own, given to the model
   * (`--keep-frames K`): the comparisons above measure frames K and later (velocity between
   * frames both ≥ K, positions and Physics-IQ from frame K). Default: not known — velocity error after
   * PhyWorld's 3 condition frames, positions and Physics-IQ over the whole clip.
   * Reference-free metrics always judge the whole video, seam included.
   */
  givenFrames?: number;
}

/** Why a text-only run has no comparisons with the truth (ScoreOptions.reference). */
export const TEXT_ONLY =
  "text-only run: the prompt does not fix the scene, so comparisons with one true scene are not defined (PhyWorld's protocol: --keep-frames K)";

/**
 * What Physics-IQ needs from one ground truth, whatever video is scored against it: the truth
 * render prepared as the reference, and the physical variance (the second take against it).
 */
interface PhysiqTruth {
  reference: PhysiqReference;
  variance: PhysiqMetrics;
}

function physiqTruth(truth: StateFile, options: ScoreOptions): PhysiqTruth {
  const from = options.givenFrames ?? 0;
  const reference = physiqReference(framesFrom(renderTruth(truth), from), options.physiq);
  return { reference, variance: physiqMetrics(framesFrom(secondTake(truth), from), reference, true) };
}

/** The video from frame `t` on (a view), as Physics-IQ compares a continuation after its conditioning frames. */
function framesFrom(video: Video, t: number): Video {
  return t === 0 ? video : { ...video, frames: video.frames.subarray(t * frameBytes(video)), numFrames: video.numFrames - t };
}

/** Ground truths a session keeps (the seeds of one prompt come together, so a few suffice). */
export const SESSION_TRUTHS = 8;

/**
 * A scoring session: `scoreVideo` with the Physics-IQ part of each ground truth (its render,
 * second take and prepared reference) kept for the next videos scored against the same state
 * file object, as the K seeds of one prompt are in eval/run; the last SESSION_TRUTHS truths
 * are kept. Scores are exactly scoreVideo's (a state file must not change while its session
 * lives: it is matched by identity, since comparing contents costs more than it saves).
 *
 *   const score = createScorer({ physicsIq: true });
 *   const rows = inputs.map((input) => score(input));
 */
export function createScorer(options: ScoreOptions = {}): (input: VideoInput) => VideoScore {
  const kept = new Map<StateFile, PhysiqTruth>();
  const cached = (truth: StateFile): PhysiqTruth => {
    let hit = kept.get(truth);
    if (hit) {
      kept.delete(truth); // the most recently used goes last
    } else {
      hit = physiqTruth(truth, options);
      if (kept.size >= SESSION_TRUTHS) kept.delete(kept.keys().next().value!);
    }
    kept.set(truth, hit);
    return hit;
  };
  return (input) => scoreWith(input, options, cached);
}

/** Score one video (see the module comment). For many videos sharing truths, `createScorer` avoids repeated work. */
export function scoreVideo(input: VideoInput, options: ScoreOptions = {}): VideoScore {
  return scoreWith(input, options, (truth) => physiqTruth(truth, options));
}

function scoreWith(input: VideoInput, options: ScoreOptions, truthPart: (truth: StateFile) => PhysiqTruth): VideoScore {
  const { video, caption } = input;
  const truth = input.truth ?? null;
  checkVideo(video);
  if (truth) checkTruth(video, truth);
  const given = options.givenFrames;
  if (given !== undefined && !(Number.isInteger(given) && given >= 1 && given < video.numFrames)) {
    throw new UserError(`given frames must be an integer in [1, ${video.numFrames - 1}] for a ${video.numFrames}-frame video, got ${given}`);
  }
  const reference = options.reference !== false;

  const estimated = options.colors?.rays.some((r) => !r.occluder && !isColorName(r.name)) ?? false;
  let parsed = parseVideo(video, options.colors);
  if (estimated && truth) parsed = { ...parsed, tracks: nameByTruth(parsed.tracks, truth) };
  const prompt = parsePrompt(caption);
  const ctx = physicsContext(video.fps, truth, prompt?.family ?? null);

  const sheet = new Sheet();
  againstTruth(sheet, parsed, reference ? truth : null, given);
  const laws = lawsOf(sheet, parsed, ctx, reference ? truth : null);
  objectsOf(sheet, parsed);
  pixelsOf(sheet, video, parsed);
  physicsIqOf(sheet, framesFrom(video, given ?? 0), reference ? truth : null, options.physicsIq !== false ? truthPart : null);
  if (truth && !reference) sheet.skip(REFERENCE_METRICS, TEXT_ONLY);
  const attributes = adherenceOf(sheet, prompt, parsed, ctx, estimated);

  // The gravity and energy rules judge what the video's own noise does not explain (laws.ts).
  const violations = violationsOf({ ...sheet.metrics, gravity_error: laws.gravityExcess, energy_drift: laws.energyExcess });
  const abnormal = violations.length > 0;
  const jointCorrect = prompt !== null && !abnormal && Object.values(attributes).every((v) => v !== false);
  return {
    metrics: sheet.metrics,
    skipped: sheet.skipped,
    attributes,
    parsedPrompt: prompt !== null,
    violations,
    abnormal,
    jointCorrect,
    tracks: parsed.tracks.map(toTrack),
    truthTracks: truth ? truthTracks(truth) : null,
  };
}

/** The metrics of one video as they are filled in: each a finite value, or absent with the reason. */
class Sheet {
  readonly metrics: Record<string, number | null> = Object.fromEntries(METRIC_NAMES.map((n) => [n, null]));
  readonly skipped: Record<string, string> = {};

  set(name: string, value: number | null | undefined, why: string): void {
    if (value === null || value === undefined || !Number.isFinite(value)) this.skipped[name] = why;
    else this.metrics[name] = value;
  }

  skip(names: readonly string[], why: string): void {
    for (const n of names) this.skipped[n] = why;
  }
}

const NO_TRUTH = 'no ground truth';
const NO_WORLD = 'no ground truth and the prompt did not parse, so gravity and floor are unknown';

/** Tracks against the true trajectories: velocity error, ADE, FDE (from frame `givenFrames` on). */
function againstTruth(sheet: Sheet, parsed: ParsedVideo, truth: StateFile | null, givenFrames: number | undefined): void {
  if (!truth) return sheet.skip(['velocity_error', 'position_ade', 'position_fde'], NO_TRUTH);
  const tm = truthMetrics(parsed.tracks, truth, givenFrames);
  sheet.set('velocity_error', tm.velocityError, tm.reasons.velocity_error ?? '');
  sheet.set('position_ade', tm.positionAde, tm.reasons.position_ade ?? '');
  sheet.set('position_fde', tm.positionFde, tm.reasons.position_fde ?? '');
}

/** Reference-free laws: gravity, energy, momentum, restitution (and its error where the truth says e). */
function lawsOf(sheet: Sheet, parsed: ParsedVideo, ctx: PhysicsContext, truth: StateFile | null): LawMetrics {
  const laws = lawMetrics(parsed, ctx);
  const lawWhy = ctx.gravity === null ? NO_WORLD : '';
  sheet.set('gravity_error', laws.gravityError, lawWhy || `no free-flight segment of ${4}+ whole frames`);
  sheet.set('gravity_residual', laws.gravityResidual, lawWhy || 'no free-flight segment of 4+ whole frames');
  sheet.set('energy_drift', laws.energyDrift, lawWhy || 'no free-flight segment of 3+ whole frames');
  sheet.set('momentum_drift', laws.momentumDrift, lawWhy || 'no collision between two tracked objects with frames before and after');
  const restitution = laws.restitutions.length ? Math.max(...laws.restitutions) : null;
  sheet.set('restitution', restitution, lawWhy || 'no floor bounce with frames on both sides');
  if (truth && truth.constants.floor && truth.constants.gravity > 0 && truth.constants.restitution > 0) {
    const e = truth.constants.restitution;
    const err = laws.restitutions.length ? laws.restitutions.reduce((s, r) => s + Math.abs(r - e), 0) / laws.restitutions.length : null;
    sheet.set('restitution_error', err, 'no floor bounce with frames on both sides');
  } else {
    sheet.skip(['restitution_error'], truth ? 'the ground truth has no bouncing floor' : NO_TRUTH);
  }
  return laws;
}

/** Objects: permanence (vanish, spawn, colour changes, re-emergence) and constancy (jumps, size, shape, overlap). */
function objectsOf(sheet: Sheet, parsed: ParsedVideo): void {
  const perm = permanenceMetrics(parsed);
  sheet.set('vanish_count', perm.vanishCount, '');
  sheet.set('spawn_count', perm.spawnCount, '');
  sheet.set('color_changes', perm.colorChanges, '');
  sheet.set('reemergence_error', perm.reemergenceError, 'no object re-emerged from behind the occluder');
  const con = constancyMetrics(parsed);
  sheet.set('teleport_rate', con.teleportRate, 'no object tracked over two consecutive frames');
  sheet.set('size_drift', con.sizeDrift, 'no object seen whole in two frames');
  sheet.set('shape_changes', con.shapeChanges, '');
  sheet.set('interpenetration', con.interpenetration, 'fewer than two objects seen whole in one frame');
}

/** Pixels and motion: flicker, smoothness, dynamic degree, stutter. */
function pixelsOf(sheet: Sheet, video: Video, parsed: ParsedVideo): void {
  sheet.set('temporal_flickering', temporalFlickering(stepDifferences(video)), '');
  sheet.set('motion_smoothness', motionSmoothness(video), '');
  sheet.set('dynamic_degree', dynamicDegree(parsed), '');
  sheet.set('stutter_count', stutterCount(parsed), '');
}

const PHYSIQ_NAMES = ['physiq_spatial_iou', 'physiq_spatiotemporal_iou', 'physiq_weighted_spatial_iou', 'physiq_mse', 'physiq_score'];

/** Physics-IQ's comparison with the true video (`truthPart` null: switched off), from frame `givenFrames` on. */
function physicsIqOf(sheet: Sheet, video: Video, truth: StateFile | null, truthPart: ((truth: StateFile) => PhysiqTruth) | null): void {
  if (!truth || !truthPart) return sheet.skip(PHYSIQ_NAMES, truth ? 'Physics-IQ switched off' : NO_TRUTH);
  const { reference, variance } = truthPart(truth);
  const m = physiqMetrics(video, reference);
  sheet.set('physiq_spatial_iou', m.spatialIou, '');
  sheet.set('physiq_spatiotemporal_iou', m.spatiotemporalIou, '');
  sheet.set('physiq_weighted_spatial_iou', m.weightedSpatialIou, '');
  sheet.set('physiq_mse', m.mse, '');
  sheet.set('physiq_score', physiqScore(m, variance, reference.conventions), 'an IoU of the physical variance is 0, and the official formula divides by it');
}

/** Prompt adherence; returns each stated attribute's verdict (colour unjudged when the palette was estimated). */
function adherenceOf(sheet: Sheet, prompt: ParsedPrompt | null, parsed: ParsedVideo, ctx: PhysicsContext, estimated: boolean): Record<string, boolean | null> {
  if (!prompt) {
    sheet.skip(['count_score', 'relation_score', 'direction_score', 'attribute_accuracy'], 'prompt not parsed (outside the world grammar)');
    return {};
  }
  const ad = adherence(prompt, parsed, ctx);
  const attributes = estimated ? { ...ad.attributes, color: null } : ad.attributes;
  sheet.set('count_score', ad.countScore, '');
  sheet.set('relation_score', ad.relationScore, 'the prompt states no spatial relation');
  sheet.set('direction_score', ad.directionScore, 'the prompt states no motion direction');
  const known = Object.values(attributes).filter((v): v is boolean => v !== null);
  sheet.set('attribute_accuracy', known.length ? known.filter(Boolean).length / known.length : null, 'the prompt states no attribute');
  return attributes;
}

/** Rule names over their limits (thresholds.ts ABNORMAL_LIMITS). */
function violationsOf(m: Record<string, number | null>): string[] {
  const over = (v: number | null, limit: number) => v !== null && v > limit;
  const L = ABNORMAL_LIMITS;
  const rules: [string, boolean][] = [
    ['gravity', over(m.gravity_error, L.gravity)],
    ['energy', over(m.energy_drift, L.energy)],
    ['momentum', over(m.momentum_drift, L.momentum)],
    ['restitution', over(m.restitution, 1 + L.restitution)],
    ['teleport', over(m.teleport_rate, L.teleport)],
    ['vanish', over(m.vanish_count, L.vanish)],
    ['spawn', over(m.spawn_count, L.spawn)],
    ['color_change', over(m.color_changes, L.color_change)],
    ['shape_change', over(m.shape_changes, L.shape_change)],
    ['size_drift', over(m.size_drift, L.size_drift)],
    ['interpenetration', over(m.interpenetration, L.interpenetration)],
    ['stutter', over(m.stutter_count, L.stutter)],
    ['reemergence', over(m.reemergence_error, L.reemergence)],
  ];
  return rules.filter(([, v]) => v).map(([name]) => name);
}

function toTrack(t: ParsedTrack): Track {
  return { color: t.color, points: t.points.map((p) => ({ frame: p.frame, x: p.x, y: p.y, area: p.area })) };
}

export type { ParsedVideo };
