/**
 * One sample of the world: set up a scene of a family and split, simulate it, render it
 * and caption it. A pure function of its arguments, so the same seed gives the same bytes.
 *
 *   const { frames, meta } = makeSample({ family: 'bounce', split: 'id', seed: 1, index: 0 });
 *   meta.caption  // "a red ball is dropped and bounces"
 *   meta.tracks[0][5].py  // the ball's true pixel row at frame 5
 */
import { writeCaption } from './captions.js';
import { FAMILY_SAMPLERS, FamilyContext, type SceneSetup } from './families/index.js';
import { Rasterizer, discRectArea } from './render.js';
import { Rng } from '../../base/rng.js';
import { simulate } from './simulate.js';
import type { EventSpec, Family, ObjectSpec, WorldSampleMeta, SceneSpec, Split, TrackPoint, WorldConstants } from './spec.js';

/** Rendering and timing of a clip; the defaults are the world's standard sample. */
export interface ClipConfig {
  width: number;
  height: number;
  numFrames: number;
  fps: number;
  /** Physics steps per frame (10 at 10 fps = 100 Hz). */
  substeps: number;
}

export const DEFAULT_CLIP: Readonly<ClipConfig> = { width: 32, height: 32, numFrames: 16, fps: 10, substeps: 10 };
/** World height in units, as in PhyWorld; the width follows the image's aspect ratio. */
export const WORLD_HEIGHT = 10;

export interface SampleRequest extends Partial<ClipConfig> {
  family: Family;
  split: Split;
  seed: number;
  index: number;
}

export interface Sample {
  /** RGB uint8, [T][H][W][3]. */
  frames: Uint8Array;
  meta: WorldSampleMeta;
}

/** The name of sample `index` of a family and split, e.g. `id-bounce-000042`. */
export function sampleName(split: Split, family: Family, index: number): string {
  return `${split}-${family}-${String(index).padStart(6, '0')}`;
}

/**
 * One cause of a drawn scene changed before it is simulated (a counterfactual: the same
 * scene with a different speed, restitution, gravity, ...). It must keep the set-up
 * consistent (a changed speed changes `motions` too). The caption is written from the
 * changed scene with the same word draws as the original's, so the two captions differ
 * only where the words depend on the change ("slowly" / "quickly", "left" / "right").
 */
export type SceneChange = (setup: SceneSetup) => SceneSetup;

/** `change`: simulate the drawn scene with one cause changed (see SceneChange); without it, the world's sample. */
export function makeSample(request: SampleRequest, change?: SceneChange): Sample {
  const clip: ClipConfig = { ...DEFAULT_CLIP, ...stripUndefined(request) };
  const { family, split, seed, index } = request;
  const scale = clip.height / WORLD_HEIGHT;
  const worldWidth = clip.width / scale;
  const rng = Rng.from(`spacetime-world/v1/${seed}/${split}/${family}/${index}`);
  const duration = (clip.numFrames - 1) / clip.fps;
  const ctx = new FamilyContext(rng, family, split, worldWidth, WORLD_HEIGHT, duration);
  const drawn = FAMILY_SAMPLERS[family](ctx);
  const setup = change ? change(drawn) : drawn;
  const constants: WorldConstants = {
    ...setup.physics,
    fps: clip.fps,
    scale,
    worldWidth,
    worldHeight: WORLD_HEIGHT,
    substeps: clip.substeps,
  };

  const sim = simulate(setup, constants, clip.numFrames);
  const frameBytes = clip.width * clip.height * 3;
  const frames = new Uint8Array(frameBytes * clip.numFrames);
  const raster = new Rasterizer({ width: clip.width, height: clip.height, scale });
  const tracks: TrackPoint[][] = setup.objects.map(() => []);
  for (let t = 0; t < clip.numFrames; t++) {
    const positions = sim.states.map((s) => s[t]);
    const visible = raster.renderFrame(frames.subarray(t * frameBytes, (t + 1) * frameBytes), setup.objects, positions);
    sim.states.forEach((s, k) => {
      const st = s[t];
      tracks[k].push({
        t,
        x: st.x,
        y: st.y,
        vx: st.vx,
        vy: st.vy,
        angle: st.angle,
        px: st.x * scale,
        py: clip.height - st.y * scale,
        visible: visible[k],
      });
    });
  }

  const events = [...sim.events, ...occlusionEvents(setup.objects, tracks, clip.fps)].sort(
    (a, b) => a.time - b.time || a.type.localeCompare(b.type),
  );
  const spec: SceneSpec = {
    family,
    split,
    objects: setup.objects,
    motions: setup.motions,
    events,
    relations: setup.relations,
    // Whether an occluded ball re-emerges is read off what happened, so the caption never
    // claims a re-emergence the clip does not show (the set-up's plan can miss by a hair).
    variant: family === 'occlusion' ? (events.some((e) => e.type === 'reappeared') ? 'reemerges' : 'hidden') : setup.variant,
  };
  const { caption, template } = writeCaption(spec, rng);
  const meta: WorldSampleMeta = {
    name: sampleName(split, family, index),
    seed,
    index,
    caption,
    template,
    spec,
    constants,
    tracks,
    numFrames: clip.numFrames,
    height: clip.height,
    width: clip.width,
    fps: clip.fps,
  };
  return { frames, meta };
}

/** An object is `occluded` once more than this share of it is behind an occluder. */
const OCCLUDED_ABOVE = 0.5;
/** ... and has `reappeared` once no more than this share is. */
const REAPPEARED_AT = 0.01;

/**
 * `occluded` / `reappeared` events of balls passing behind a static bar, from the exact
 * disc ∩ rectangle area in world units (so independent of resolution and frame edges).
 */
function occlusionEvents(objects: readonly ObjectSpec[], tracks: TrackPoint[][], fps: number): EventSpec[] {
  const bars = objects.filter((o) => o.static);
  if (bars.length === 0) return [];
  const events: EventSpec[] = [];
  objects.forEach((o, k) => {
    if (o.static || o.shape !== 'ball') return;
    let hidden = false;
    for (const p of tracks[k]) {
      const covered = bars.reduce((sum, bar) => {
        const [bx, by] = [bar.initial.x - p.x, bar.initial.y - p.y];
        return sum + discRectArea(o.size, bx - bar.halfWidth, bx + bar.halfWidth, by - bar.halfHeight, by + bar.halfHeight);
      }, 0);
      const share = covered / (Math.PI * o.size * o.size);
      if (!hidden && share > OCCLUDED_ABOVE) {
        hidden = true;
        events.push({ type: 'occluded', time: p.t / fps, frame: p.t, objects: [o.id] });
      } else if (hidden && share <= REAPPEARED_AT) {
        hidden = false;
        events.push({ type: 'reappeared', time: p.t / fps, frame: p.t, objects: [o.id] });
      }
    }
  });
  return events;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
