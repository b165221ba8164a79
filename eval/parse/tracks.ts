/**
 * A whole video parsed into object tracks: per-frame detections (eval/parse/detect.ts)
 * converted to world units (y up, 10 units of height as in the world), same-colour pieces
 * split by the occluder merged, then linked over frames by colour and position.
 *
 *   const parsed = parseVideo(video);
 *   parsed.tracks[0].points[3].x   // world units
 */
import { WORLD_HEIGHT } from '../../datasets/world/sample.js';
import type { Video } from '../../base/video/video.js';
import { CUT_AREA_DEFICIT, CUT_NOISE_SIGMAS, LINK_SPECK_SHARE, MIN_TRACK_FRAMES, SQUARE_FILL_FROM } from '../thresholds.js';
import { worldColors, type ColorSet } from './colors.js';
import { VideoDetector, type Detection, type NoiseEstimate } from './detect.js';

/** One object in one frame, world units. */
export interface ParsedPoint {
  frame: number;
  x: number;
  y: number;
  /** units² */
  area: number;
  /** √(area/π), units */
  radius: number;
  /** Half-side of a square of that area, units */
  halfSide: number;
  circularity: number;
  fill: number;
  shape: 'ball' | 'square';
  meanRgb: [number, number, number];
  /**
   * Partly hidden by the frame edge or the occluder: size and shape are unreliable. Its
   * position has been completed from the visible part (see `completeCutPoints`).
   */
  cut: boolean;
  /** Next to the occluder, pixel box; or touching these frame edges (left, top, right, bottom). */
  nearOccluder: [number, number, number, number] | null;
  edges: [boolean, boolean, boolean, boolean];
  /** Pixel box [x0, y0, x1, y1] (inclusive). */
  box: [number, number, number, number];
  /** Split from a blob shared with an object of another colour: its outline (shape) is unreliable. */
  touching: boolean;
}

export interface ParsedTrack {
  color: string;
  points: ParsedPoint[];
}

export interface ParsedVideo {
  numFrames: number;
  width: number;
  height: number;
  fps: number;
  /** Pixels per world unit. */
  scale: number;
  worldWidth: number;
  tracks: ParsedTrack[];
  /** Static occluders' extents in world units [xMin, yMin, xMax, yMax]. */
  occluders: [number, number, number, number][];
  /** Number of (non-occluder) objects detected in each frame. */
  counts: number[];
  /** The video's background colour and noise, as the detector measured them. */
  noise: NoiseEstimate;
}

/** Parse every frame and link detections into tracks. */
export function parseVideo(video: Video, colors: ColorSet = worldColors()): ParsedVideo {
  const { width: W, height: H, numFrames: T } = video;
  const scale = H / WORLD_HEIGHT;
  const detector = new VideoDetector(video.frames, T, H, W, colors);
  const perFrame: ParsedPoint[][] = [];
  const colorOf: string[][] = [];
  const counts: number[] = [];
  const occluders: ParsedVideo['occluders'] = detector.occluders.map(({ extent: [x0, y0, x1, y1] }) => [x0 / scale, (H - y1) / scale, x1 / scale, (H - y0) / scale]);
  for (let t = 0; t < T; t++) {
    const objects = mergeSplitPieces(detector.detect(t));
    perFrame.push(objects.map((d) => toWorld(d, H, scale)));
    colorOf.push(objects.map((d) => colors.rays[d.color].name));
    counts.push(objects.length);
  }
  // A blob seen in one frame only is noise (a blend artefact, a codec speck), not an object.
  const tracks = link(perFrame, colorOf).filter((tr) => tr.points.length >= MIN_TRACK_FRAMES);
  for (const tr of tracks) completeCutPoints(tr, W, H, scale);
  counts.fill(0);
  for (const tr of tracks) for (const p of tr.points) counts[p.frame]++;
  return { numFrames: T, width: W, height: H, fps: video.fps, scale, worldWidth: W / scale, tracks, occluders, counts, noise: detector.noise };
}

/** Pieces of one colour in one frame that both touch the occluder are one object split by it. */
function mergeSplitPieces(dets: Detection[]): Detection[] {
  const out: Detection[] = [];
  for (const d of dets) {
    const twin = d.nearOccluder ? out.find((o) => o.color === d.color && o.nearOccluder) : undefined;
    if (!twin) {
      out.push({ ...d });
      continue;
    }
    const area = twin.area + d.area;
    twin.cx = (twin.cx * twin.area + d.cx * d.area) / area;
    twin.cy = (twin.cy * twin.area + d.cy * d.area) / area;
    twin.area = area;
    twin.touching ||= d.touching;
    twin.radius = Math.sqrt(area / Math.PI);
    twin.box = [Math.min(twin.box[0], d.box[0]), Math.min(twin.box[1], d.box[1]), Math.max(twin.box[2], d.box[2]), Math.max(twin.box[3], d.box[3])];
  }
  return out;
}

function toWorld(d: Detection, H: number, scale: number): ParsedPoint {
  const area = d.area / (scale * scale);
  return {
    frame: d.frame,
    x: d.cx / scale,
    y: (H - d.cy) / scale,
    area,
    radius: Math.sqrt(area / Math.PI),
    halfSide: Math.sqrt(area) / 2,
    circularity: d.circularity,
    fill: d.fill,
    shape: d.fill >= SQUARE_FILL_FROM ? 'square' : 'ball',
    meanRgb: d.meanRgb,
    cut: false,
    nearOccluder: d.nearOccluder,
    edges: d.edges,
    box: d.box,
    touching: d.touching,
  };
}

/**
 * Link per-frame points into tracks: per colour, each detection joins the nearest open track
 * of that colour (predicted one step ahead at its last velocity), greedily, closest pair
 * first; a detection left over starts a new track. A lone track and a lone detection of a
 * colour always link (so a teleport stays one track and is measured as a jump). Pairs of a
 * track and a detection of comparable size go first (LINK_SPECK_SHARE, either way round): a
 * codec ghost left where an object was must not take its track from the object itself, seen
 * farther on, nor hand its own one-frame track to the object in the frame after.
 */
function link(perFrame: ParsedPoint[][], colorOf: string[][]): ParsedTrack[] {
  const tracks: ParsedTrack[] = [];
  for (let t = 0; t < perFrame.length; t++) {
    const byColor = new Map<string, ParsedPoint[]>();
    perFrame[t].forEach((p, k) => {
      const c = colorOf[t][k];
      byColor.set(c, [...(byColor.get(c) ?? []), p]);
    });
    for (const [color, points] of byColor) {
      const open = tracks.filter((tr) => tr.color === color && tr.points[tr.points.length - 1].frame < t);
      const pairs: { d: number; tr: ParsedTrack; p: ParsedPoint }[] = [];
      for (const tr of open) {
        const [px, py] = predict(tr, t);
        for (const p of points) pairs.push({ d: Math.hypot(p.x - px, p.y - py), tr, p });
      }
      const unlike = ({ tr, p }: { tr: ParsedTrack; p: ParsedPoint }) => {
        const last = tr.points[tr.points.length - 1].area;
        return Math.min(p.area, last) < LINK_SPECK_SHARE * Math.max(p.area, last);
      };
      pairs.sort((a, b) => Number(unlike(a)) - Number(unlike(b)) || a.d - b.d);
      const usedTracks = new Set<ParsedTrack>();
      const usedPoints = new Set<ParsedPoint>();
      for (const { tr, p } of pairs) {
        if (usedTracks.has(tr) || usedPoints.has(p)) continue;
        tr.points.push(p);
        usedTracks.add(tr);
        usedPoints.add(p);
      }
      for (const p of points) if (!usedPoints.has(p)) tracks.push({ color, points: [p] });
    }
  }
  return tracks;
}

function predict(tr: ParsedTrack, t: number): [number, number] {
  const n = tr.points.length;
  const last = tr.points[n - 1];
  if (n < 2) return [last.x, last.y];
  const prev = tr.points[n - 2];
  const steps = (t - last.frame) / Math.max(1, last.frame - prev.frame);
  return [last.x + (last.x - prev.x) * steps, last.y + (last.y - prev.y) * steps];
}

/**
 * Mark points that are partly hidden (next to the occluder or a frame edge, and smaller than
 * the track's largest area by more than CUT_AREA_DEFICIT) and complete their position: with the
 * object's full size known from the track, the visible share fixes how far the centre lies
 * past the cutting line (a vertical occluder edge or the frame edge), exactly for a disc's
 * circular segment or a square's strip. Motion across the cut stays measurable this way.
 */
function completeCutPoints(track: ParsedTrack, W: number, H: number, scale: number): void {
  // The whole area: the median over points clear of edge and occluder (codec noise biases a
  // maximum upward), with their spread; the largest area when too few are clear.
  const clear = track.points.filter((p) => p.nearOccluder === null && !p.edges.some(Boolean)).map((p) => p.area);
  const full = clear.length >= 3 ? median(clear) : Math.max(...track.points.map((p) => p.area));
  const spread = clear.length >= 3 ? (1.4826 * median(clear.map((a) => Math.abs(a - full)))) / full : 0;
  const deficit = Math.max(CUT_AREA_DEFICIT, CUT_NOISE_SIGMAS * spread);
  const square = track.points.filter((p) => p.shape === 'square').length * 2 > track.points.length;
  const size = square ? Math.sqrt(full) / 2 : Math.sqrt(full / Math.PI);
  const [wx, wy] = [W / scale, H / scale];
  for (const p of track.points) {
    // A frame edge cuts only a blob whose whole shape, centred on what is seen, would reach past
    // it (a cut shifts the centroid inward by less than it hides): ringing can mark an edge that
    // an object ~1 px away never reached (H.264 crf 28 at 32²).
    const left = p.edges[0] && p.x - size < 0, top = p.edges[1] && p.y + size > wy;
    const right = p.edges[2] && p.x + size > wx, bottom = p.edges[3] && p.y - size < 0;
    const hiddenBy = p.nearOccluder !== null || left || top || right || bottom;
    if (!hiddenBy || p.area >= (1 - deficit) * full) continue;
    p.cut = true;
    const share = Math.min(1, p.area / full);
    const d = centreDepth(share, size, square); // centre's distance past the line, on the visible side
    if (p.nearOccluder) {
      const [ox0, , ox1] = p.nearOccluder;
      // Edge pixels blending object and occluder may be left unexplained: the visible part
      // then ends at the blob's own pixel edge, short of the occluder's edge.
      const lineLeft = Math.min(ox0, p.box[2] + 1) / scale;
      const lineRight = Math.max(ox1, p.box[0]) / scale;
      // Visible on the left of the occluder: the centre is d left of its left edge; else right of its right edge.
      p.x = p.x < (lineLeft + lineRight) / 2 ? lineLeft - d : lineRight + d;
    } else if (left) p.x = d;
    else if (right) p.x = W / scale - d;
    else if (bottom) p.y = d;
    else if (top) p.y = H / scale - d;
  }
}

/** Signed distance of the centre from the cutting line (positive: on the visible side) for a visible share. */
function centreDepth(share: number, r: number, square: boolean): number {
  if (square) return r * (2 * share - 1);
  // Visible area of a disc whose centre lies d past the line: πr² − segment(d) (d ≥ 0), segment(−d) (d < 0).
  const segment = (h: number) => r * r * Math.acos(Math.min(1, Math.max(-1, h / r))) - h * Math.sqrt(Math.max(0, r * r - h * h));
  const visible = (d: number) => (d >= 0 ? Math.PI * r * r - segment(d) : segment(-d));
  let lo = -r, hi = r;
  const target = share * Math.PI * r * r;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (visible(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
