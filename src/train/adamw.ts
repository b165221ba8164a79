/**
 * AdamW (Loshchilov & Hutter): Adam with weight decay decoupled from the gradient,
 * as torch.optim.AdamW. State (step, first and second moments) is explicit so a
 * checkpoint can save and restore it exactly.
 *
 *   const opt = new AdamW(model.params, { lr: 1e-4, weightDecay: 0 });
 *   opt.step(grads, lr); // grads: Record<name, Tensor>
 *
 * Each parameter's update is kernels/adamw: one fused kernel where the backend has it
 * (`native`), updating the variables' buffers in place when nothing else shares them,
 * else 15 tfjs ops; both give the same bits.
 */
import * as tf from '@tensorflow/tfjs';
import { adamwConstants } from '../../kernels/adamw/constants.js';
import { adamwUpdate } from '../../kernels/adamw/tfjs.js';

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
    // In a tidy, so the zeros are owned by the variables alone (and can be updated in place).
    tf.tidy(() => {
      for (const [name, p] of Object.entries(params)) {
        this.m[name] = tf.variable(tf.zerosLike(p), false, `${name}/adam_m`);
        this.v[name] = tf.variable(tf.zerosLike(p), false, `${name}/adam_v`);
      }
    });
  }

  /** One update with `grads` (missing names are left alone); `lr` overrides the schedule-free rate. */
  step(grads: Record<string, tf.Tensor>, lr = this.options.lr): void {
    this.step_ += 1;
    const constants = adamwConstants({ ...this.options, lr, step: this.step_ });
    tf.tidy(() => {
      for (const [name, g] of Object.entries(grads)) {
        const [p, m, v] = [this.params[name], this.m[name], this.v[name]];
        const next = adamwUpdate({ p, m, v }, g, constants, { inPlace: true });
        m.assign(next.m);
        v.assign(next.v);
        p.assign(next.p);
      }
    });
  }

  dispose(): void {
    for (const t of [...Object.values(this.m), ...Object.values(this.v)]) t.dispose();
  }
}
