/**
 * AdamW (Loshchilov & Hutter): Adam with weight decay decoupled from the gradient,
 * as torch.optim.AdamW. State (step, first and second moments) is explicit so a
 * checkpoint can save and restore it exactly.
 *
 *   const opt = new AdamW(model.params, { lr: 1e-4, weightDecay: 0 });
 *   opt.step(grads, lr); // grads: Record<name, Tensor>
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamWOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** torch.optim.AdamW's defaults. */
export const ADAMW_DEFAULTS: AdamWOptions = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

export class AdamW {
  readonly options: AdamWOptions;
  step_ = 0;
  readonly m: Record<string, tf.Variable> = {};
  readonly v: Record<string, tf.Variable> = {};

  constructor(
    readonly params: Record<string, tf.Variable>,
    options: Partial<AdamWOptions> = {},
  ) {
    this.options = { ...ADAMW_DEFAULTS, ...options };
    for (const [name, p] of Object.entries(params)) {
      this.m[name] = tf.variable(tf.zerosLike(p), false, `${name}/adam_m`);
      this.v[name] = tf.variable(tf.zerosLike(p), false, `${name}/adam_v`);
    }
  }

  /** One update with `grads` (missing names are left alone); `lr` overrides the schedule-free rate. */
  step(grads: Record<string, tf.Tensor>, lr = this.options.lr): void {
    const { beta1, beta2, eps, weightDecay } = this.options;
    this.step_ += 1;
    const c1 = 1 - beta1 ** this.step_;
    const c2 = 1 - beta2 ** this.step_;
    tf.tidy(() => {
      for (const [name, g] of Object.entries(grads)) {
        const p = this.params[name];
        const m = tf.add(tf.mul(this.m[name], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[name], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[name].assign(m);
        this.v[name].assign(v);
        // p ← p·(1 − lr·wd) − lr · m̂ / (√v̂ + eps)
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
        p.assign(tf.sub(tf.mul(p, 1 - lr * weightDecay), tf.mul(update, lr)));
      }
    });
  }

  dispose(): void {
    for (const t of [...Object.values(this.m), ...Object.values(this.v)]) t.dispose();
  }
}
