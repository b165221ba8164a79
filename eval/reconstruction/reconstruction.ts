/**
 * How well a video codec (a latent VAE) gives back what it was given, per family and split:
 * fresh world clips (a seed the training data did not use) go through encode → decode, and
 * the round trip is compared with the truth clip on
 *
 *   - PSNR (dB, 8-bit pixels), per clip, then the mean and the worst over the group;
 *   - object centroids, as the eval parser (eval/parse) finds them in both clips: each
 *     truth track is matched to the round trip's track of its colour, and the distance
 *     between the two centroids in every frame both see is a displacement (px). Points the
 *     parser marks `cut` (partly behind the occluder or the frame edge) are left out: their
 *     centroid is a completion, not a measurement;
 *   - what is lost: truth tracks with no track of their colour in the round trip (objects),
 *     truth colours absent from it (colours), and truth points of a matched track missing
 *     from it (points: an object that vanishes for a frame); and tracks the round trip adds.
 *
 * Targets of issue 13: ≥ 35 dB on id, ≥ 32 dB on ood, centroid p95 ≤ 0.3 px, nothing lost.
 *
 *   const report = evaluateReconstruction(loadVaeCodec('models/vae'), [16, 32, 32]);
 *   report.splits.id.psnr; report.meets.all;
 */
import { psnr, type Video } from '../../base/video/video.js';
import { makeSample } from '../../datasets/world/sample.js';
import { FAMILIES, type Family, type Split } from '../../datasets/world/spec.js';
import type { ClipShape, VideoCodec } from '../../src/model/video-codec.js';
import { parseVideo, type ParsedTrack } from '../parse/tracks.js';

export interface ReconstructionSettings {
  families: Family[];
  splits: Split[];
  /** Clips per family and split. */
  perFamily: number;
  /** World seed of the clips (training data uses 0: any other is held out). */
  seed: number;
}

export const RECONSTRUCTION_DEFAULTS: ReconstructionSettings = { families: [...FAMILIES], splits: ['id', 'ood'], perFamily: 16, seed: 7 };

export const RECONSTRUCTION_TARGETS = { psnrId: 35, psnrOod: 32, centroidP95Px: 0.3 } as const;

/** The figures of one group of clips (a family in a split, or a whole split). */
export interface ReconstructionFigures {
  clips: number;
  /** Mean over clips of each clip's PSNR, dB. */
  psnr: number;
  /** The worst clip's PSNR, dB. */
  psnr_min: number;
  /** Centroid displacement between truth and round trip, px: 95th percentile and largest. */
  centroid_p95_px: number;
  centroid_max_px: number;
  /** Truth objects (tracks), and those with no track of their colour after the round trip. */
  objects: number;
  objects_lost: number;
  /** Tracks the round trip has that the truth does not. */
  objects_added: number;
  /** Truth points of matched objects missing from the round trip (vanished for a frame). */
  points_lost: number;
  /** Truth colours of a clip absent from its round trip, counted over clips. */
  colours_lost: number;
}

export interface ReconstructionReport {
  codec: string;
  clip: ClipShape;
  settings: ReconstructionSettings;
  groups: ({ split: Split; family: Family } & ReconstructionFigures)[];
  splits: Partial<Record<Split, ReconstructionFigures>>;
  targets: typeof RECONSTRUCTION_TARGETS;
  meets: { psnr_id: boolean | null; psnr_ood: boolean | null; centroids: boolean; nothing_lost: boolean; all: boolean };
  seconds: number;
}

/** One clip's comparison, before pooling. */
interface ClipResult {
  psnr: number;
  displacements: number[];
  objects: number;
  objectsLost: number;
  objectsAdded: number;
  pointsLost: number;
  coloursLost: number;
}

export function evaluateReconstruction(codec: VideoCodec, clip: ClipShape, options: Partial<ReconstructionSettings> = {}, onProgress?: (done: number, total: number) => void): ReconstructionReport {
  const settings = { ...RECONSTRUCTION_DEFAULTS, ...options };
  const t0 = performance.now();
  const [T, H, W] = clip;
  const groups: ReconstructionReport['groups'] = [];
  const bySplit: Partial<Record<Split, ClipResult[]>> = {};
  const total = settings.splits.length * settings.families.length * settings.perFamily;
  let done = 0;
  for (const split of settings.splits) {
    for (const family of settings.families) {
      const samples = Array.from({ length: settings.perFamily }, (_, index) => makeSample({ family, split, seed: settings.seed, index, numFrames: T, height: H, width: W }));
      const truth = samples.map((s) => s.frames);
      const latents = codec.encode(truth, clip);
      const back = codec.decode(latents);
      latents.dispose();
      const fps = samples[0].meta.fps ?? 10;
      const results = truth.map((frames, i) => compareClips({ frames, numFrames: T, height: H, width: W, fps }, { frames: back[i], numFrames: T, height: H, width: W, fps }));
      groups.push({ split, family, ...pool(results) });
      (bySplit[split] ??= []).push(...results);
      done += samples.length;
      onProgress?.(done, total);
    }
  }
  const splits = Object.fromEntries(Object.entries(bySplit).map(([split, results]) => [split, pool(results!)])) as ReconstructionReport['splits'];
  const all = pool(Object.values(bySplit).flat() as ClipResult[]);
  const meets = {
    psnr_id: splits.id ? splits.id.psnr >= RECONSTRUCTION_TARGETS.psnrId : null,
    psnr_ood: splits.ood ? splits.ood.psnr >= RECONSTRUCTION_TARGETS.psnrOod : null,
    centroids: all.centroid_p95_px <= RECONSTRUCTION_TARGETS.centroidP95Px,
    nothing_lost: all.objects_lost === 0 && all.colours_lost === 0 && all.points_lost === 0,
    all: false,
  };
  meets.all = meets.psnr_id !== false && meets.psnr_ood !== false && meets.centroids && meets.nothing_lost;
  return { codec: codec.name, clip, settings, groups, splits, targets: RECONSTRUCTION_TARGETS, meets, seconds: (performance.now() - t0) / 1000 };
}

/** A truth clip against its round trip: PSNR, and the parser's objects matched by colour. */
export function compareClips(truth: Video, back: Video): ClipResult {
  const [a, b] = [parseVideo(truth), parseVideo(back)];
  const used = new Set<ParsedTrack>();
  const displacements: number[] = [];
  let [objectsLost, pointsLost] = [0, 0];
  for (const track of a.tracks) {
    const match = bestMatch(track, b.tracks.filter((t) => t.color === track.color && !used.has(t)));
    if (!match) {
      objectsLost++;
      continue;
    }
    used.add(match);
    const at = new Map(match.points.map((p) => [p.frame, p]));
    for (const p of track.points) {
      if (p.cut) continue;
      const q = at.get(p.frame);
      if (!q) pointsLost++;
      else if (!q.cut) displacements.push(Math.hypot(p.x - q.x, p.y - q.y) * a.scale);
    }
  }
  const backColours = new Set(b.tracks.map((t) => t.color));
  const coloursLost = new Set(a.tracks.map((t) => t.color).filter((c) => !backColours.has(c))).size;
  return { psnr: psnr(truth, back), displacements, objects: a.tracks.length, objectsLost, objectsAdded: b.tracks.length - used.size, pointsLost, coloursLost };
}

/** The candidate sharing the most frames with `track`, then the nearest on average. */
function bestMatch(track: ParsedTrack, candidates: ParsedTrack[]): ParsedTrack | undefined {
  let best: { t: ParsedTrack; shared: number; distance: number } | undefined;
  for (const t of candidates) {
    const at = new Map(t.points.map((p) => [p.frame, p]));
    const pairs = track.points.filter((p) => at.has(p.frame)).map((p) => Math.hypot(p.x - at.get(p.frame)!.x, p.y - at.get(p.frame)!.y));
    const distance = pairs.length ? pairs.reduce((s, d) => s + d, 0) / pairs.length : Infinity;
    if (!best || pairs.length > best.shared || (pairs.length === best.shared && distance < best.distance)) best = { t, shared: pairs.length, distance };
  }
  return best?.t;
}

function pool(results: ClipResult[]): ReconstructionFigures {
  const displacements = results.flatMap((r) => r.displacements).sort((x, y) => x - y);
  const sum = (f: (r: ClipResult) => number) => results.reduce((s, r) => s + f(r), 0);
  // A clip reproduced exactly has infinite PSNR; count it at 99 dB so the mean stays finite.
  const psnrs = results.map((r) => Math.min(r.psnr, 99));
  return {
    clips: results.length,
    psnr: round(sum((r) => Math.min(r.psnr, 99)) / results.length),
    psnr_min: round(Math.min(...psnrs)),
    centroid_p95_px: round(quantile(displacements, 0.95), 3),
    centroid_max_px: round(displacements.length ? displacements[displacements.length - 1] : 0, 3),
    objects: sum((r) => r.objects),
    objects_lost: sum((r) => r.objectsLost),
    objects_added: sum((r) => r.objectsAdded),
    points_lost: sum((r) => r.pointsLost),
    colours_lost: sum((r) => r.coloursLost),
  };
}

/** The q-quantile of sorted values (linear between ranks); 0 for none. */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (at - lo);
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
