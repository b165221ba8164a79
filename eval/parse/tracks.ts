/**
 * A whole video parsed into object tracks: per-frame detections (eval/parse/detect.ts)
 * converted to world units (y up, 10 units of height as in the world), same-colour pieces
 * split by the occluder merged, then linked over frames by colour and position.
 *
 *   const parsed = parseVideo(video);
 *   parsed.tracks[0].points[3].x   // world units
 */
import { WORLD_HEIGHT } from '../../datasets/world/sample.js';
import type { Video } from '../../src/video/video.js';
import { SQUARE_FILL_FROM } from '../thresholds.js';
import { worldColors, type ColorSet } from './colors.js';
import { FrameDetector, type Detection } from './detect.js';

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
  /** Touches the frame edge or the occluder: position and size may be biased. */
  cut: boolean;
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
  /** Occluder pixel boxes in world units [xMin, yMin, xMax, yMax], from the first frame that shows one. */
  occluders: [number, number, number, number][];
  /** Number of (non-occluder) objects detected in each frame. */
  counts: number[];
}

/** Parse every frame and link detections into tracks. */
export function parseVideo(video: Video, colors: ColorSet = worldColors()): ParsedVideo {
  const { width: W, height: H, numFrames: T } = video;
  const scale = H / WORLD_HEIGHT;
  const detector = new FrameDetector(W, H, colors);
  const perFrame: ParsedPoint[][] = [];
  const colorOf: string[][] = [];
  const counts: number[] = [];
  let occluders: ParsedVideo['occluders'] = [];
  for (let t = 0; t < T; t++) {
    const dets = detector.detect(video.frames, t);
    const objects = mergeSplitPieces(dets.filter((d) => !colors.rays[d.color].occluder));
    if (occluders.length === 0) {
      occluders = dets
        .filter((d) => colors.rays[d.color].occluder)
        .map((d) => [d.box[0] / scale, (H - d.box[3] - 1) / scale, (d.box[2] + 1) / scale, (H - d.box[1]) / scale]);
    }
    perFrame.push(objects.map((d) => toWorld(d, H, scale)));
    colorOf.push(objects.map((d) => colors.rays[d.color].name));
    counts.push(objects.length);
  }
  return { numFrames: T, width: W, height: H, fps: video.fps, scale, worldWidth: W / scale, tracks: link(perFrame, colorOf), occluders, counts };
}

/** Pieces of one colour in one frame that both touch the occluder are one object split by it. */
function mergeSplitPieces(dets: Detection[]): Detection[] {
  const out: Detection[] = [];
  for (const d of dets) {
    const twin = d.cut ? out.find((o) => o.color === d.color && o.cut) : undefined;
    if (!twin) {
      out.push({ ...d });
      continue;
    }
    const area = twin.area + d.area;
    twin.cx = (twin.cx * twin.area + d.cx * d.area) / area;
    twin.cy = (twin.cy * twin.area + d.cy * d.area) / area;
    twin.area = area;
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
    cut: d.cut,
  };
}

/**
 * Link per-frame points into tracks: per colour, each detection joins the nearest open track
 * of that colour (predicted one step ahead at its last velocity), greedily, closest pair
 * first; a detection left over starts a new track. A lone track and a lone detection of a
 * colour always link (so a teleport stays one track and is measured as a jump).
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
      pairs.sort((a, b) => a.d - b.d);
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
