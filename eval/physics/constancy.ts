/**
 * Per-object constancy and exclusion, reference-free: teleport rate (one-frame steps longer
 * than any object in the world can move), size drift (max − min radius, PhyWorld's size
 * drift), shape changes (frames whose shape class differs from the object's majority),
 * and interpenetration depth between two objects in the same frame.
 */
import type { ParsedPoint, ParsedTrack, ParsedVideo } from '../parse/tracks.js';
import { MERGED_STEP_NOISE_SIGMAS, MERGED_STEP_SHARE, SHAPE_MIN_SIZE, SHAPE_NOISE_SIGMAS, TELEPORT_STEP } from '../thresholds.js';
import { massOf, median, pointAt, shapeOf, shapePoints, sizeOf, whole } from './kinematics.js';

export interface ConstancyMetrics {
  teleportRate: number | null;
  sizeDrift: number | null;
  shapeChanges: number;
  interpenetration: number | null;
}

export function constancyMetrics(parsed: ParsedVideo): ConstancyMetrics {
  let steps = 0, jumps = 0, shapeChanges = 0;
  let sizeDrift: number | null = null;
  for (const track of parsed.tracks) {
    const pts = track.points;
    for (let i = 1; i < pts.length; i++) {
      if (pts[i].frame !== pts[i - 1].frame + 1) continue;
      steps++;
      if (Math.hypot(pts[i].x - pts[i - 1].x, pts[i].y - pts[i - 1].y) > TELEPORT_STEP) jumps++;
    }
    for (const step of mergedSteps(parsed, track)) {
      steps++;
      if (step > TELEPORT_STEP) jumps++;
    }
    const shape = shapeOf(track);
    const whole = pts.filter((p) => !p.cut);
    if (whole.length >= 2) {
      const sizes = whole.map((p) => (shape === 'square' ? p.halfSide : p.radius));
      sizeDrift = Math.max(sizeDrift ?? 0, Math.max(...sizes) - Math.min(...sizes));
    }
    if (sizeOf(track) >= SHAPE_MIN_SIZE) shapeChanges += shapeChangeFrames(track, shape);
  }
  let depth: number | null = null;
  const shapes = parsed.tracks.map(shapeOf);
  for (let a = 0; a < parsed.tracks.length; a++) {
    for (let b = a + 1; b < parsed.tracks.length; b++) {
      for (const p of parsed.tracks[a].points) {
        const q = pointAt(parsed.tracks[b], p.frame);
        if (!q || p.cut || q.cut) continue;
        depth = Math.max(depth ?? 0, overlapDepth(p, shapes[a], q, shapes[b]));
      }
    }
  }
  return { teleportRate: steps > 0 ? jumps / steps : null, sizeDrift, shapeChanges, interpenetration: depth };
}

/**
 * The one-frame steps a track's object takes into and out of another object's blob: where a
 * track is missing the frame after (or before) a point of it in the open, and in that frame a
 * track of another colour has a blob swollen past its own area (median over whole points) by
 * MERGED_STEP_SHARE of this object's area and by MERGED_STEP_NOISE_SIGMAS of its own area
 * spread, the object is inside that blob (touching objects the detector could not split: 4:2:0
 * chroma blends them at 32×32), so its position there is the blob's. The nearest such blob
 * counts (the shortest step the pixels allow). A teleport landing on another ball this way is
 * still one long step; a clean merge moves the centroid by at most the pair's touching distance
 * weighted by the other's area share.
 */
function mergedSteps(parsed: ParsedVideo, track: ParsedTrack): number[] {
  const area = massOf(track);
  const others = parsed.tracks
    .filter((o) => o !== track && o.color !== track.color)
    .map((o) => {
      const areas = (whole(o).length > 0 ? whole(o) : o.points).map((p) => p.area);
      const own = median(areas);
      const spread = 1.4826 * median(areas.map((a) => Math.abs(a - own)));
      return { o, own, grown: Math.max(MERGED_STEP_SHARE * area, MERGED_STEP_NOISE_SIGMAS * spread) };
    });
  const inOpen = (p: ParsedPoint) => !p.cut && p.nearOccluder === null && !p.edges.some(Boolean);
  const steps: number[] = [];
  for (const p of track.points) {
    if (!inOpen(p)) continue;
    for (const f of [p.frame - 1, p.frame + 1]) {
      if (f < 0 || f >= parsed.numFrames || pointAt(track, f)) continue;
      let nearest = Infinity;
      for (const { o, own, grown } of others) {
        const q = pointAt(o, f);
        if (q && !q.cut && q.area - own >= grown) nearest = Math.min(nearest, Math.hypot(q.x - p.x, q.y - p.y));
      }
      if (nearest < Infinity) steps.push(nearest);
    }
  }
  return steps;
}

/**
 * Frames whose shape class differs from the track's majority by more than noise explains:
 * among its clear whole points (`shapePoints`), those on the other side of SQUARE_FILL_FROM
 * whose box fill also lies more than SHAPE_NOISE_SIGMAS robust spreads (1.4826 × MAD) from the
 * track's median fill. After a codec a small disc's fill wanders by ±0.05 (0.80–0.96 at 2 px
 * radius); on a lossless render the spread is ~0.01, so a disc turned square (fill 0.8 → 1) stands out.
 */
function shapeChangeFrames(track: ParsedTrack, shape: 'ball' | 'square'): number {
  const pts = shapePoints(track).filter((p) => !p.cut);
  if (pts.length === 0) return 0;
  const fills = pts.map((p) => p.fill);
  const mid = median(fills);
  const spread = 1.4826 * median(fills.map((f) => Math.abs(f - mid)));
  return pts.filter((p) => p.shape !== shape && Math.abs(p.fill - mid) > SHAPE_NOISE_SIGMAS * spread).length;
}

/** How deep two shapes overlap (0 when apart): discs by centre distance, boxes by the smaller axis overlap. */
function overlapDepth(p: ParsedPoint, sp: 'ball' | 'square', q: ParsedPoint, sq: 'ball' | 'square'): number {
  const rp = sp === 'ball' ? p.radius : p.halfSide;
  const rq = sq === 'ball' ? q.radius : q.halfSide;
  if (sp === 'ball' && sq === 'ball') return Math.max(0, rp + rq - Math.hypot(p.x - q.x, p.y - q.y));
  if (sp === 'square' && sq === 'square') {
    return Math.max(0, Math.min(rp + rq - Math.abs(p.x - q.x), rp + rq - Math.abs(p.y - q.y)));
  }
  // Disc against box: how far the disc reaches past the box's nearest point.
  const [ball, rb, box, rs] = sp === 'ball' ? [p, rp, q, rq] : [q, rq, p, rp];
  const dx = Math.max(Math.abs(ball.x - box.x) - rs, 0);
  const dy = Math.max(Math.abs(ball.y - box.y) - rs, 0);
  return Math.max(0, rb - Math.hypot(dx, dy));
}
