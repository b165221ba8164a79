// Parameters from a layout: specs in declaration order, variables that are the same objects by
// name and in the typed tree, and parameter k drawn from random stream firstSeed + k.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { countParameters, createParameters, initialValue, layerNormParams, linearParams, specsOf, type Param } from './parameters.js';

await tf.setBackend('cpu');

const layout = <P>(param: Param<P>) => ({
  embed: param('nn_test.embed', [10, 4], 'normal'),
  norm: layerNormParams(param, 'nn_test.norm', 4),
  proj: linearParams(param, 'nn_test.proj', 3, 4),
  out: linearParams(param, 'nn_test.out', 2, 3, 'zeros'),
});

describe('parameters', () => {
  it('lists every parameter in declaration order, with its shape and initialisation', () => {
    const specs = specsOf(layout);
    expect(specs.map((s) => `${s.name} [${s.shape}] ${s.init}`)).toEqual([
      'nn_test.embed [10,4] normal',
      'nn_test.norm.weight [4] ones',
      'nn_test.norm.bias [4] zeros',
      'nn_test.proj.weight [3,4] xavier',
      'nn_test.proj.bias [3] zeros',
      'nn_test.out.weight [2,3] zeros',
      'nn_test.out.bias [2] zeros',
    ]);
    expect(countParameters(specs)).toBe(40 + 8 + 15 + 8);
  });

  it('makes variables named after the parameters, shared by the flat record and the typed layers, parameter k from stream firstSeed + k', () => {
    const { params, layers } = createParameters(layout, 500);
    try {
      expect(Object.keys(params)).toEqual(specsOf(layout).map((s) => s.name));
      expect(layers.proj.weight).toBe(params['nn_test.proj.weight']);
      expect(params['nn_test.proj.weight'].name).toBe('nn_test.proj.weight');
      expect(params['nn_test.proj.weight'].trainable).toBe(true);
      expect(Array.from(layers.embed.dataSync())).toEqual(Array.from(initialValue([10, 4], 'normal', 500).dataSync()));
      const limit = Math.sqrt(6 / 7);
      expect(Array.from(layers.proj.weight.dataSync())).toEqual(Array.from(tf.randomUniform([3, 4], -limit, limit, 'float32', 503).dataSync()));
      expect(Array.from(layers.norm.weight.dataSync())).toEqual([1, 1, 1, 1]);
      expect(Array.from(layers.out.weight.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    } finally {
      Object.values(params).forEach((v) => v.dispose());
    }
  });
});
