/**
 * The reference takes for Physics-IQ: the ground-truth render (drawn from the state file's
 * tracks, exactly as the world draws it) and a second take, the same scene re-simulated from
 * a slightly perturbed initial state (the world is deterministic, so two "real" takes must be
 * made to differ the way two recordings of one event would).
 */
import type { StateFile } from '../../datasets/interchange.js';
import type { SceneSetup } from '../../datasets/world/families/context.js';
import { Rasterizer } from '../../datasets/world/render.js';
import { simulate } from '../../datasets/world/simulate.js';
import type { Video } from '../../base/video/video.js';

/**
 * Second-take jitter: initial position moved by this many units (≈0.06 px) and velocity
 * scaled by 1 + this/10 — far below what the eye or the parser resolves on one frame, but
 * enough for trajectories (and bounce timing) to differ slightly by the end of the clip.
 */
export const TAKE_JITTER = 0.02;

/** Render positions[k][t] (world units) of the state file's objects. */
export function renderPositions(truth: StateFile, positions: { x: number; y: number }[][], numFrames: number): Video {
  const { width, height, fps } = truth;
  const raster = new Rasterizer({ width, height, scale: truth.constants.scale });
  const frameBytes = width * height * 3;
  const frames = new Uint8Array(frameBytes * numFrames);
  for (let t = 0; t < numFrames; t++) {
    raster.renderFrame(frames.subarray(t * frameBytes, (t + 1) * frameBytes), truth.spec.objects, positions.map((p) => p[t]));
  }
  return { frames, numFrames, height, width, fps };
}

/** The ground-truth video, drawn from the state file's tracks. */
export function renderTruth(truth: StateFile): Video {
  const T = truth.objects[0]?.track.length ?? 0;
  return renderPositions(truth, truth.objects.map((o) => o.track), T);
}

/** The scene set-up of a state file, with its objects' initial states replaced by `initial(o)`. */
export function setupOf(truth: StateFile, initial = (o: StateFile['spec']['objects'][number]) => o.initial): SceneSetup {
  const { gravity, restitution, friction, floor } = truth.constants;
  return {
    objects: truth.spec.objects.map((o) => ({ ...o, initial: initial(o) })),
    motions: truth.spec.motions,
    relations: truth.spec.relations,
    variant: truth.spec.variant,
    physics: { gravity, restitution, friction, floor },
  };
}

/** A second take: the scene re-simulated from a slightly perturbed start, rendered. */
export function secondTake(truth: StateFile): Video {
  const T = truth.objects[0]?.track.length ?? 0;
  const setup = setupOf(truth, (o) =>
    o.static ? o.initial : { x: o.initial.x + TAKE_JITTER, y: o.initial.y + TAKE_JITTER, vx: o.initial.vx * (1 + TAKE_JITTER / 10), vy: o.initial.vy * (1 + TAKE_JITTER / 10) },
  );
  const sim = simulate(setup, truth.constants, T);
  return renderPositions(truth, sim.states, T);
}
