/**
 * A model's parameters, declared once as a typed tree of layers whose leaves are named
 * parameters (a layout), and made from that one declaration two ways: as specs (name, shape,
 * init: to count or list them without allocating) or as tf.Variables, both flat by name (for
 * checkpoints and the optimiser) and as the typed tree (for the forward pass).
 *
 *   const layout = <P>(param: Param<P>) => ({ proj: linearParams(param, 'proj', 8, 4) });
 *   specsOf(layout);                                       // proj.weight [8, 4] xavier, proj.bias [8] zeros
 *   const { params, layers } = createParameters(layout, seed);
 *   linear(x, layers.proj);                                // layers.proj.weight === params['proj.weight']
 *
 * The order a layout calls `param` in is the order of `params` (so of the checkpoint) and of
 * the random streams: parameter k draws from stream `firstSeed + k`, so reordering a layout
 * changes the initial value of every parameter after the move.
 */
import * as tf from '@tensorflow/tfjs';
import type { Affine } from './layers.js';

export type Init = 'xavier' | 'zeros' | 'ones' | 'normal';

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
}

/** Makes one parameter of a layout: its spec, or an initialised variable. */
export type Param<P> = (name: string, shape: number[], init: Init) => P;

/** A linear layer `name`: weight [out, in] (PyTorch layout), bias [out] at zero. */
export function linearParams<P>(param: Param<P>, name: string, out: number, inp: number, init: Init = 'xavier'): Affine<P> {
  return { weight: param(`${name}.weight`, [out, inp], init), bias: param(`${name}.bias`, [out], 'zeros') };
}

/** A LayerNorm `name` over `width` channels: scale at one, shift at zero (PyTorch's). */
export function layerNormParams<P>(param: Param<P>, name: string, width: number): Affine<P> {
  return { weight: param(`${name}.weight`, [width], 'ones'), bias: param(`${name}.bias`, [width], 'zeros') };
}

/** Every parameter of a layout, in its order. */
export function specsOf(layout: (param: Param<ParamSpec>) => unknown): ParamSpec[] {
  const specs: ParamSpec[] = [];
  layout((name, shape, init) => {
    const spec = { name, shape, init };
    specs.push(spec);
    return spec;
  });
  return specs;
}

export function countParameters(specs: ParamSpec[]): number {
  return specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/** zeros, ones, N(0, 0.02²), or Xavier uniform (as DiT initialises linears; `shape` is [out, in]), drawn from stream `seed`. */
export function initialValue(shape: number[], init: Init, seed: number): tf.Tensor {
  if (init === 'zeros') return tf.zeros(shape);
  if (init === 'ones') return tf.ones(shape);
  if (init === 'normal') return tf.randomNormal(shape, 0, 0.02, 'float32', seed);
  const [out, inp] = shape;
  const limit = Math.sqrt(6 / (out + inp));
  return tf.randomUniform(shape, -limit, limit, 'float32', seed);
}

/**
 * A layout's parameters as trainable tf.Variables named after the parameter (so, as tfjs
 * requires unique variable names, one model of a kind lives at a time unless disposed).
 */
export function createParameters<T>(layout: (param: Param<tf.Variable>) => T, firstSeed: number): { params: Record<string, tf.Variable>; layers: T } {
  const params: Record<string, tf.Variable> = {};
  let k = 0;
  const layers = layout((name, shape, init) => {
    const value = tf.tidy(() => initialValue(shape, init, firstSeed + k++));
    params[name] = tf.variable(value, true, name);
    value.dispose();
    return params[name];
  });
  return { params, layers };
}
