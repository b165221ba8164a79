/**
 * DPM-Solver++(2M) (Lu et al. 2022, Alg. 2): a multistep solver in the data prediction x̂0
 * and the half-log-SNR λ = log(α/σ). One model evaluation per step; second order by
 * reusing the previous step's x̂0. For a step t → t' with h = λ(t') − λ(t):
 *
 *   D = x̂0 + (x̂0 − x̂0_prev) / (2r),  r = h_prev / h      (D = x̂0 when first order)
 *   x_{t'} = (σ'/σ)·x_t − α'·(e^{−h} − 1)·D
 *
 * In the rectified-flow parameterisation α = 1 − t, σ = t: at t = 1, α = 0 and λ = −∞, so
 * the first step is exactly an Euler step and has no finite h to extrapolate from; the
 * second step is therefore first order too, and the 2M correction starts at the third.
 * The last step, to σ = 0 (λ = +∞), is first order and returns x̂0 (diffusers'
 * `final_sigmas_type = "zero"` behaviour).
 */
import * as tf from '@tensorflow/tfjs';
import { uniformTimesteps, type ProbabilityFlow, type Sampler } from './sampler.js';

export class DpmSolver2MSampler implements Sampler {
  readonly name = 'dpm-solver-2m';
  /** The previous step's x̂0 (kept out of the loop's tidy) and its λ increment. */
  private previous: { data: tf.Tensor; h: number } | null = null;

  setTimesteps(steps: number): number[] {
    this.reset();
    return uniformTimesteps(steps);
  }

  step(flow: ProbabilityFlow, x: tf.Tensor, t: number, tNext: number): tf.Tensor {
    const lambda = (u: number) => Math.log(flow.alpha(u) / flow.sigma(u)); // ±∞ at the ends
    const h = lambda(tNext) - lambda(t);
    const { data } = flow.predict(x, t);
    const sigmaNext = flow.sigma(tNext);
    let d = data;
    if (this.previous && Number.isFinite(this.previous.h) && sigmaNext > 0) {
      const r = this.previous.h / h;
      d = tf.add(data, tf.mul(tf.sub(data, this.previous.data), 1 / (2 * r)));
    }
    const next = tf.add(tf.mul(x, sigmaNext / flow.sigma(t)), tf.mul(d, -flow.alpha(tNext) * Math.expm1(-h)));
    this.previous?.data.dispose();
    this.previous = { data: tf.keep(data), h };
    return next;
  }

  reset(): void {
    this.previous?.data.dispose();
    this.previous = null;
  }
}
