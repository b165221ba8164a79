/**
 * The numbers one AdamW step multiplies and divides by, computed once in float64 from the
 * hyper-parameters and the step count, and shared by every implementation: reference.ts
 * (as float64, or rounded to float32), tfjs.ts (each becomes a float32 scalar tensor) and
 * native.ts (a Float32Array handed to the addon). Rounding each once from the same double
 * is what lets the fused kernel reproduce the tfjs ops bit for bit.
 *
 *   const c = adamwConstants({ lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 1 });
 *   c.biasCorrection1 // 1 − 0.9¹ = 0.1
 */
export interface AdamWStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based: the bias corrections of step t are 1 − β^t. */
  step: number;
}

export interface AdamWConstants {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  /** c1 = 1 − β1^t */
  biasCorrection1: number;
  /** c2 = 1 − β2^t */
  biasCorrection2: number;
  eps: number;
  /** 1 − lr·weightDecay: the decoupled weight decay as one factor. */
  decay: number;
  lr: number;
}

/** The order of the addon's `constants` array (AdamWConstants in kernels/native/src/adamw_kernels.h). */
export const CONSTANT_ORDER = [
  'beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'biasCorrection1', 'biasCorrection2', 'eps', 'decay', 'lr',
] as const satisfies readonly (keyof AdamWConstants)[];

export function adamwConstants(s: AdamWStep): AdamWConstants {
  if (!Number.isInteger(s.step) || s.step < 1) throw new Error(`adamw: step must be an integer ≥ 1, got ${s.step}`);
  return {
    beta1: s.beta1,
    oneMinusBeta1: 1 - s.beta1,
    beta2: s.beta2,
    oneMinusBeta2: 1 - s.beta2,
    biasCorrection1: 1 - s.beta1 ** s.step,
    biasCorrection2: 1 - s.beta2 ** s.step,
    eps: s.eps,
    decay: 1 - s.lr * s.weightDecay,
    lr: s.lr,
  };
}

/** The constants in CONSTANT_ORDER (as doubles: each consumer rounds them to float32 once). */
export function constantsList(c: AdamWConstants): number[] {
  return CONSTANT_ORDER.map((k) => c[k]);
}
