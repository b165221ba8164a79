/**
 * The perturbation set of the validity suite: each takes a clean ground-truth sample and
 * returns a video showing one specific violation (or null when the sample cannot show it,
 * e.g. frozen frames of a scene where nothing moves), made by re-rendering modified ground
 * truth or editing pixels. Each names the metric meant to catch it and which way it moves.
 */
import { COLOR_NAMES, PALETTE } from '../../datasets/world/palette.js';
import type { Rng } from '../../base/rng.js';
import type { ObjectSpec, WorldSampleMeta } from '../../datasets/world/spec.js';
import type { Video } from '../../base/video/video.js';
import { parsePrompt } from '../prompt/grammar.js';
import { flip, renderFrames, reorder, resimulate, truePositions } from './render.js';

export interface Perturbation {
  name: string;
  /** The metric meant to catch it. */
  metric: string;
  /** 'higher' when the violation raises the metric, 'lower' when it lowers it. */
  direction: 'higher' | 'lower';
  apply(meta: WorldSampleMeta, clean: Video, rng: Rng): Video | null;
}

const moving = (meta: WorldSampleMeta) => meta.spec.objects.map((o, k) => ({ o, k })).filter(({ o }) => !o.static);
const mid = (meta: WorldSampleMeta) => Math.floor(meta.numFrames / 2);

/** Frames at which object k is fully in view (not behind the occluder, not cut by the edge). */
function fullyVisible(meta: WorldSampleMeta, k: number, t: number): boolean {
  return meta.tracks[k][t].visible >= 0.999;
}

/** A frame near the middle where object k is fully visible now and on the frame before. */
function visibleFrameNearMiddle(meta: WorldSampleMeta, k: number): number | null {
  const T = meta.numFrames;
  for (const d of [0, 1, -1, 2, -2, 3, -3, 4, -4]) {
    const t = mid(meta) + d;
    if (t >= 2 && t < T - 2 && fullyVisible(meta, k, t) && fullyVisible(meta, k, t - 1)) return t;
  }
  return null;
}

/** Whether the sample's objects move visibly (at least this far over the clip, units). */
function travels(meta: WorldSampleMeta, atLeast: number): boolean {
  return moving(meta).some(({ k }) => {
    const tr = meta.tracks[k];
    let path = 0;
    for (let t = 1; t < tr.length; t++) path += Math.hypot(tr[t].x - tr[t - 1].x, tr[t].y - tr[t - 1].y);
    return path >= atLeast;
  });
}

/** The box half-size of an object (radius or half-extent). */
const half = (o: ObjectSpec) => Math.max(o.halfWidth, o.halfHeight);

/** A palette colour the scene does not use. */
function unusedColor(meta: WorldSampleMeta, rng: Rng): ObjectSpec['color'] {
  const used = new Set(meta.spec.objects.map((o) => o.color));
  return rng.pick(COLOR_NAMES.filter((c) => !used.has(c)));
}

export const PERTURBATIONS: readonly Perturbation[] = [
  {
    name: 'teleport',
    metric: 'teleport_rate',
    direction: 'higher',
    apply(meta) {
      // From the middle frame on, object 0 is drawn 4 units away (wherever that keeps it in frame).
      const k = moving(meta)[0].k;
      const o = meta.spec.objects[k];
      const T = meta.numFrames;
      const from = visibleFrameNearMiddle(meta, k);
      if (from === null) return null;
      const W = meta.constants.worldWidth, H = meta.constants.worldHeight;
      const fits = (dx: number, dy: number) =>
        meta.tracks[k].slice(from).every((p) => p.x + dx - half(o) >= 0 && p.x + dx + half(o) <= W && p.y + dy - half(o) >= 0 && p.y + dy + half(o) <= H);
      const shift = [[4, 0], [-4, 0], [0, 4], [0, -4], [3, 3], [-3, 3], [3, -3], [-3, -3]].find(([dx, dy]) => fits(dx, dy));
      if (!shift) return null;
      return renderFrames(meta, (t) => ({
        objects: meta.spec.objects,
        positions: truePositions(meta, t).map((p, j) => (j === k && t >= from && t < T ? { x: p.x + shift[0], y: p.y + shift[1] } : p)),
      }));
    },
  },
  {
    name: 'reversed gravity',
    metric: 'gravity_error',
    direction: 'higher',
    apply(meta, clean) {
      // Upside down, a falling ball accelerates upwards at g.
      return meta.constants.gravity > 0 && meta.spec.family !== 'slide' ? flip(clean, 'vertical') : null;
    },
  },
  {
    name: 'wrong restitution',
    metric: 'restitution_error',
    direction: 'higher',
    apply(meta) {
      if (meta.spec.family !== 'bounce') return null;
      const e = meta.constants.restitution;
      const { video, events } = resimulate(meta, { restitution: e < 0.7 ? e + 0.3 : e - 0.35 });
      // The changed bounce must be on screen, with frames before and after it.
      return events.some((ev) => ev.type === 'bounce' && ev.frame >= 3 && ev.frame <= meta.numFrames - 3) ? video : null;
    },
  },
  {
    name: 'colour change',
    metric: 'color_changes',
    direction: 'higher',
    apply(meta, _clean, rng) {
      const k = moving(meta)[0].k;
      const at = visibleFrameNearMiddle(meta, k);
      if (at === null) return null;
      const color = unusedColor(meta, rng) as (typeof COLOR_NAMES)[number];
      const changed = meta.spec.objects.map((o, j) => (j === k ? { ...o, color, rgb: PALETTE[color] } : o));
      return renderFrames(meta, (t) => ({ objects: t >= at ? changed : meta.spec.objects, positions: truePositions(meta, t) }));
    },
  },
  {
    name: 'vanish in the open',
    metric: 'vanish_count',
    direction: 'higher',
    apply(meta) {
      const k = moving(meta)[0].k;
      const at = visibleFrameNearMiddle(meta, k);
      if (at === null) return null;
      return renderFrames(meta, (t) => {
        const keep = meta.spec.objects.map((_, j) => j).filter((j) => t < at || j !== k);
        return { objects: keep.map((j) => meta.spec.objects[j]), positions: keep.map((j) => truePositions(meta, t)[j]) };
      });
    },
  },
  {
    name: 'object appears',
    metric: 'spawn_count',
    direction: 'higher',
    apply(meta, _clean, rng) {
      // A new ball pops into view mid-clip, in the open, clear of every object's path.
      const r = 0.8;
      const W = meta.constants.worldWidth, H = meta.constants.worldHeight;
      const clear = (x: number, y: number) =>
        meta.spec.objects.every((o, j) => meta.tracks[j].every((p) => Math.hypot(p.x - x, p.y - y) > r + half(o) * Math.SQRT2 + 0.5));
      for (let tries = 0; tries < 50; tries++) {
        const x = rng.uniform(r + 0.3, W - r - 0.3);
        const y = rng.uniform(r + 0.3, H - r - 0.3);
        if (!clear(x, y)) continue;
        const color = unusedColor(meta, rng) as (typeof COLOR_NAMES)[number];
        const extra: ObjectSpec = { ...meta.spec.objects[0], id: 99, shape: 'ball', color, rgb: PALETTE[color], size: r, halfWidth: r, halfHeight: r, static: false, initial: { x, y, vx: 0, vy: 0 } };
        const from = mid(meta);
        return renderFrames(meta, (t) => ({
          objects: t >= from ? [...meta.spec.objects, extra] : meta.spec.objects,
          positions: t >= from ? [...truePositions(meta, t), { x, y }] : truePositions(meta, t),
        }));
      }
      return null;
    },
  },
  {
    name: 'reversed direction',
    metric: 'direction_score',
    direction: 'lower',
    apply(meta, clean) {
      // Mirror the axis of the stated motion: the object moves against what the prompt says.
      const m = meta.spec.motions[0];
      if (!m || m.speed < 1 || !parsePrompt(meta.caption)?.motions.length) return null;
      return flip(clean, m.direction === 'left' || m.direction === 'right' ? 'horizontal' : 'vertical');
    },
  },
  {
    name: 'mirrored left/right relation',
    metric: 'relation_score',
    direction: 'lower',
    apply(meta, clean) {
      const lr = meta.spec.relations.some((r) => r.relation === 'left of' || r.relation === 'right of');
      return meta.spec.family === 'layout' && lr ? flip(clean, 'horizontal') : null;
    },
  },
  {
    name: 'frozen frames',
    metric: 'stutter_count',
    direction: 'higher',
    apply(meta, clean) {
      // Frames 5–8 repeat frame 5, then the clip resumes at frame 9: the scene must move around there.
      const [from, to] = [5, 9];
      const stepAt = (t: number) => moving(meta).some(({ k }) => Math.hypot(meta.tracks[k][t + 1].x - meta.tracks[k][t].x, meta.tracks[k][t + 1].y - meta.tracks[k][t].y) > 0.05 && fullyVisible(meta, k, t));
      if (!stepAt(from - 1) || !stepAt(to)) return null;
      return reorder(clean, Array.from({ length: meta.numFrames }, (_, t) => (t > from && t < to ? from : t)));
    },
  },
  {
    name: 'shuffled frames',
    metric: 'position_ade',
    direction: 'higher',
    apply(meta, clean, rng) {
      if (!travels(meta, 1)) return null;
      const order = rng.shuffled(Array.from({ length: meta.numFrames }, (_, t) => t));
      return reorder(clean, order);
    },
  },
];
