/**
 * The sampling loop, written out once: seeded noise at t = 1, classifier-free guidance,
 * and a sampler stepping down to t = 0.
 *
 *   const video = generate({
 *     model: (x, t, text) => dit.forward(x as tf.Tensor5D, t, text),
 *     cond: encode(['a red ball bounces on the floor']), uncond: encode(['']),
 *     shape: [1, 3, 16, 32, 32], steps: 25, guidance: 3,
 *     sampler: createSampler('heun'), objective: rectifiedFlow(), seed: 1,
 *   }); // [1, 3, 16, 32, 32]
 *
 * Guided output = uncond + g·(cond − uncond), on the model's raw output (every reading of it
 * a sampler takes is affine in it, so guiding the velocity or x̂0 is the same thing). With
 * g = 1 the unconditional pass is skipped and the result is exactly the conditional model's;
 * otherwise cond and uncond go through the model as one batch of 2B.
 *
 * Other methods (guidance/: `guidanceMethod`) combine a reading of their own — APG the x̂0
 * of both passes, CFG-Zero* their velocities, interval guidance the raw output as CFG does —
 * and the loop turns the guided reading back into the model's output (each reading is
 * a·x_t + b·output at a time t), from which the sampler reads the velocity (Euler, Heun) or
 * x̂0 (DPM-Solver) as always. With g = 1 every method is the conditional model alone. With
 * `frameGuidance`, three passes give the text and the given frames scales of their own
 * (guidance/frames.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../base/errors.js';
import { createGuidance, textAndFrameGuidance, type Guidance, type GuidanceSettings } from './guidance/index.js';
import { noiseForSeeds } from './noise.js';
import { rectifiedFlow, type Objective } from './objective.js';
import { shiftTimesteps, type ProbabilityFlow, type Sampler } from './samplers/sampler.js';

/** Named tensors with the batch on axis 0 (e.g. the DiT's Condition): what guidance stacks and slices. */
export type Batched<C> = { [K in keyof C]?: tf.Tensor };

/** model(x_t [B, …], model time [B], conditioning) → output in the objective's parameterisation. */
export type DenoisingModel<C> = (x: tf.Tensor, t: tf.Tensor1D, cond: C) => tf.Tensor;

export interface GenerateOptions<C extends Batched<C>> {
  model: DenoisingModel<C>;
  /** Conditioning for the prompt, batch B. */
  cond: C;
  /** Conditioning for the empty prompt, batch B, same shapes as `cond`; needed unless guidance is 1. */
  uncond?: C;
  /** Output shape [B, …], e.g. [B, C, T, H, W]. */
  shape: readonly number[];
  /** Sampler steps (model evaluations per step depend on the sampler). */
  steps: number;
  /** Classifier-free guidance scale g; 1 = the conditional model alone, 0 = the unconditional. */
  guidance: number;
  /** How cond and uncond combine (guidance/index.ts): 'cfg' (default), 'interval', 'apg', 'cfg-zero-star'. */
  guidanceMethod?: string;
  /** The method's settings beyond g (the interval's [lo, hi], APG's η, β, r, CFG-Zero*'s zero-init steps). */
  guidanceSettings?: GuidanceSettings;
  /**
   * Text and frame guidance apart (plain CFG only): `cond` has the text and the given frames,
   * `uncond` the frames without the text, `frameGuidance.uncond` neither; `scale` is the
   * frames' s_frames, `guidance` the text's (guidance/frames.ts). Three passes, a batch of 3B.
   */
  frameGuidance?: { scale: number; uncond: C };
  sampler: Sampler;
  /** SD3's time shift of the sampler's grid (shiftTimesteps); 1 (default) keeps it. */
  shift?: number;
  /** What the model predicts; rectified flow if omitted. */
  objective?: Objective;
  /** Item b's noise comes from seed + b (a number) or seed[b] (a list), whatever the batch. */
  seed: number | readonly number[];
  /** Called after each step, e.g. for a progress bar. */
  onStep?: (step: number, steps: number) => void;
  /**
   * SDEdit (Meng et al. 2022): start from `data` [B, …] noised to `time` (0 < time ≤ 1)
   * instead of pure noise at t = 1; the sampler's grid is scaled to run from `time` to 0.
   */
  start?: { data: tf.Tensor; time: number };
}

/** Sample from the model: [B, …] of `shape`, bit-identical for the same seed, model and backend. */
export function generate<C extends Batched<C>>(options: GenerateOptions<C>): tf.Tensor {
  const { model, cond, uncond, shape, steps, guidance, sampler, shift = 1, objective = rectifiedFlow(), onStep } = options;
  if (!Number.isInteger(steps) || steps < 1) throw new UserError(`steps must be a positive integer, got ${steps}`);
  if (!Number.isFinite(guidance)) throw new UserError(`guidance must be a finite number, got ${guidance}`);
  if (shape.length < 1 || !shape.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`bad sample shape [${shape.join(', ')}]`);
  const B = shape[0];
  const seeds = typeof options.seed === 'number' ? Array.from({ length: B }, (_, b) => (options.seed as number) + b) : [...options.seed];
  if (seeds.length !== B) throw new Error(`${seeds.length} seeds for a batch of ${B}`);
  const { frameGuidance } = options;
  if (frameGuidance && !Number.isFinite(frameGuidance.scale)) throw new UserError(`the frame guidance scale must be a finite number, got ${frameGuidance.scale}`);
  if (frameGuidance && (options.guidanceMethod ?? 'cfg') !== 'cfg') throw new UserError(`frame guidance combines with --guidance-method cfg only, not ${options.guidanceMethod}`);
  if ((guidance !== 1 || frameGuidance) && !uncond) throw new Error('guidance ≠ 1 needs the unconditional conditioning `uncond`');

  const guided = guidance !== 1 || frameGuidance !== undefined;
  const guide: Guidance = createGuidance(options.guidanceMethod ?? 'cfg', guidance, options.guidanceSettings);
  const unconds = frameGuidance ? [uncond as C, frameGuidance.uncond] : [uncond as C];
  const both = guided ? concatBatch(cond, ...unconds) : cond; // [2B, …]: cond, then uncond ([3B, …]: then neither)
  const modelTimes = (t: number, n: number) => objective.modelTime(new Float32Array(n).fill(t));
  let step = 0; // the sampler step being taken: what CFG-Zero*'s zero-init counts

  /** One guided model evaluation at (x, t), read as a velocity and as x̂0. */
  const flow: ProbabilityFlow = {
    alpha: (t) => objective.alpha(t),
    sigma: (t) => objective.sigma(t),
    // x̂0 at t = 0 is x_t whatever the model says: guidance on x̂0 cannot be turned back into a velocity there
    singularAtZero: objective.singularAtZero || (guidance !== 1 && guide.space === 'data'),
    predict(x, t) {
      let output: tf.Tensor;
      if (frameGuidance) {
        const [c, f, n] = tf.split(model(tf.concat([x, x, x], 0), modelTimes(t, 3 * B), both), 3, 0); // 3 × [B, …]
        output = textAndFrameGuidance(c, f, n, guidance, frameGuidance.scale);
      } else if (!guided || !guide.guides(t)) {
        output = model(x, modelTimes(t, B), cond); // [B, …]
      } else {
        const [c, u] = tf.split(model(tf.concat([x, x], 0), modelTimes(t, 2 * B), both), 2, 0); // 2 × [B, …]
        output = guide.space === 'output' ? guide.combine(c, u, { t, step }) : guidedOutput(guide, objective, c, u, x, { t, step });
      }
      return { velocity: objective.velocity(output, x, t), data: objective.data(output, x, t) };
    },
  };

  const { start } = options;
  if (start && !(start.time > 0 && start.time <= 1)) throw new UserError(`the SDEdit strength must be in (0, 1], got ${start.time}`);
  let x = noiseForSeeds(shape.slice(1), seeds); // [B, …] at t = 1
  let times = shiftTimesteps(sampler.setTimesteps(steps), shift);
  if (start) {
    if (start.data.shape.join() !== shape.join()) throw new Error(`SDEdit start is [${start.data.shape}], the sample [${shape}]`);
    const noise = x;
    x = objective.noisy(start.data, noise, start.time); // [B, …] at t = start.time
    noise.dispose();
    times = times.map((t) => t * start.time);
  }
  try {
    for (let i = 0; i < steps; i++) {
      step = i;
      const next = tf.tidy(() => sampler.step(flow, x, times[i], times[i + 1]));
      x.dispose();
      x = next;
      onStep?.(i + 1, steps);
    }
  } finally {
    sampler.reset();
    guide.reset();
    if (guided) for (const tensor of Object.values(both) as (tf.Tensor | undefined)[]) tensor?.dispose();
  }
  return x;
}

/**
 * The model output whose reading in `guide.space` is the guide's combination of cond's and
 * uncond's. A reading is linear in (x_t, output) with coefficients set by t alone,
 * r = a·x + b·o, so o = (r − a·x)/b; a and b are read off the objective at t on unit inputs.
 */
function guidedOutput(guide: Guidance, objective: Objective, c: tf.Tensor, u: tf.Tensor, x: tf.Tensor, at: { t: number; step: number }): tf.Tensor {
  const read = guide.space === 'velocity' ? objective.velocity : objective.data;
  const reading = guide.combine(read(c, x, at.t), read(u, x, at.t), at); // [B, …]
  const [zero, one] = [tf.zeros([1]), tf.ones([1])];
  const a = read(zero, one, at.t).dataSync()[0];
  const b = read(one, zero, at.t).dataSync()[0];
  if (!(Number.isFinite(b) && b !== 0)) throw new Error(`guidance on ${guide.space} is undefined at t = ${at.t}: it does not depend on the model there`);
  return tf.div(tf.sub(reading, tf.mul(x, a)), b);
}

/** Each tensor of `a` followed by the same tensor of `b` (and of each further condition), along the batch axis. */
export function concatBatch<C extends Batched<C>>(a: C, ...rest: C[]): C {
  const out: Record<string, tf.Tensor> = {};
  for (const [key, tensor] of Object.entries(a) as [string, tf.Tensor | undefined][]) {
    if (!tensor) continue;
    const others = rest.map((b) => (b as Record<string, tf.Tensor | undefined>)[key]);
    for (const other of others) {
      if (!other) throw new Error(`conditioning "${key}" is missing from uncond`);
      if (tensor.shape.slice(1).join() !== other.shape.slice(1).join()) {
        throw new Error(`conditioning "${key}" is [${tensor.shape}] for cond but [${other.shape}] for uncond (pad to the same length)`);
      }
    }
    out[key] = tf.concat([tensor, ...(others as tf.Tensor[])], 0);
  }
  return out as C;
}
