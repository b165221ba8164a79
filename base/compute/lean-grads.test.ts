// leanVariableGrads against tf.variableGrads on every backend: the same gradients bit for bit and
// the same loss, on a graph with the cases its bookkeeping must get right (a variable used twice,
// a tensor read by several ops, an op with an output nobody reads, an op whose gradient passes dy
// straight through, a customGrad op, a variable the loss does not depend on, a tensor kept inside
// f); nothing left behind; the backward pass's live memory lower; and inside another gradient it
// gives way to tf.variableGrads.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { leanVariableGrads } from './lean-grads.js';
import { onBackend, specBackends, testValues } from './spec-backends.js';

const { BACKENDS, UNAVAILABLE } = specBackends('lean-grads');

const variable = (shape: number[], seed: number, name: string) => tf.variable(tf.tensor(testValues(shape.reduce((a, n) => a * n, 1), seed, 0.5), shape), true, name);

/** A customGrad op (as the fused kernels are): y = x·s with its own gradient. */
const scaled = tf.customGrad(((x: tf.Tensor, s: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, s]);
  return { value: tf.mul(x, s), gradFunc: (dy: tf.Tensor, [xs, ss]: tf.Tensor[]) => [tf.mul(dy, ss), tf.sum(tf.mul(dy, xs))] };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor, s: tf.Tensor) => tf.Tensor;

function makeGraph(tag: string) {
  const w1 = variable([6, 8], 1, `${tag}-w1`);
  const w2 = variable([4, 6], 2, `${tag}-w2`);
  const s = variable([], 3, `${tag}-s`);
  const unused = variable([3], 4, `${tag}-unused`);
  const x = tf.tensor(testValues(5 * 6, 5), [5, 6]);
  let kept: tf.Tensor | null = null;
  const loss = () => {
    const h = tf.matMul(x, w1); // [5, 8]
    const [a, b, c] = tf.split(h, [3, 3, 2], 1); // c is read by nobody
    void c;
    const g = tf.mul(tf.sigmoid(a), b); // h's pieces read by several ops
    const r = tf.reshape(g, [5, 3]); // dy passed straight through
    const sq = tf.add(tf.matMul(tf.concat([r, r], 1), tf.transpose(w2)), tf.mul(w2.slice([0, 0], [1, 6]).sum(), w2.slice([1, 0], [1, 6]).sum())); // w2 used three times
    kept = tf.keep(tf.mean(sq));
    return tf.mean(tf.square(scaled(sq, s))) as tf.Scalar;
  };
  return { vars: [w1, w2, s, unused], loss, kept: () => kept, dispose: () => tf.dispose([w1, w2, s, unused, x]) };
}

function bits(grads: tf.NamedTensorMap): Record<string, number[]> {
  return Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, Array.from(new Uint32Array((g.dataSync() as Float32Array).slice().buffer))]));
}

describe.each(BACKENDS)('leanVariableGrads on %s', (backend) => {
  const skip = UNAVAILABLE[backend] !== null;

  it.skipIf(skip)('gives tf.variableGrads\'s loss and gradients bit for bit, and leaves nothing behind', () =>
    onBackend(backend, () => {
      const graph = makeGraph(`eq-${backend}`);
      const want = tf.variableGrads(graph.loss, graph.vars);
      tf.dispose(graph.kept()!);
      const before = tf.memory().numTensors;
      const got = leanVariableGrads(graph.loss, graph.vars);
      expect(Object.keys(got.grads).sort()).toEqual(Object.keys(want.grads).filter((k) => want.grads[k] !== null).sort());
      expect(Object.keys(got.grads)).not.toContain(`eq-${backend}-unused`);
      expect(bits(got.grads)).toEqual(bits(want.grads));
      expect(got.value.dataSync()[0]).toBe(want.value.dataSync()[0]);
      expect(graph.kept()!.isDisposed).toBe(false); // kept inside f: the caller's
      // What it returns (the loss, the three gradients) and the kept tensor are all it made.
      expect(tf.memory().numTensors - before).toBe(1 + 3 + 1);
      tf.dispose([got.value, ...Object.values(got.grads), graph.kept()!, want.value, ...Object.values(want.grads).filter((g): g is tf.Tensor => g !== null)]);
      graph.dispose();
    }),
  );

  it.skipIf(skip)('holds less while going backward: at the first layer, the later layers\' gradients are gone', () =>
    onBackend(backend, () => {
      // A chain of 12 layers; a probe at the bottom records the live bytes when the backward pass reaches it.
      const layers = Array.from({ length: 12 }, (_, k) => variable([64, 64], 10 + k, `chain-${backend}-${k}`));
      const x = tf.tensor(testValues(32 * 64, 9), [32, 64]);
      let liveAtBottom = 0;
      const probe = tf.customGrad(((h: tf.Tensor, save: tf.GradSaveFunc) => {
        save([]);
        return { value: tf.clone(h), gradFunc: (dy: tf.Tensor) => { liveAtBottom = tf.memory().numBytes; return [tf.clone(dy)]; } };
      }) as unknown as Parameters<typeof tf.customGrad>[0]) as (h: tf.Tensor) => tf.Tensor;
      const loss = () => tf.mean(tf.square(layers.reduce((h, w) => tf.tanh(tf.matMul(h, w)), probe(tf.matMul(x, layers[0]))))) as tf.Scalar;
      const stock = tf.variableGrads(loss, layers);
      const stockBytes = liveAtBottom;
      const lean = leanVariableGrads(loss, layers);
      const leanBytes = liveAtBottom;
      // The stock pass still holds each later layer's activation gradients (≥ 12 × 32 × 64 floats);
      // the lean one has freed them. (The parameter gradients are held by both.)
      expect(stockBytes - leanBytes).toBeGreaterThanOrEqual(12 * 32 * 64 * 4);
      tf.dispose([stock.value, ...Object.values(stock.grads), lean.value, ...Object.values(lean.grads), x, ...layers]);
    }),
  );

  it.skipIf(skip)('refuses a loss that is not a scalar, leaving nothing behind', () =>
    onBackend(backend, () => {
      const w = variable([3, 2], 20, `vector-${backend}`);
      const before = tf.memory().numTensors;
      expect(() => leanVariableGrads(() => tf.matMul(tf.ones([1, 3]), w).reshape([2]) as unknown as tf.Scalar, [w])).toThrow(/must return a scalar, not a rank-1 tensor/);
      expect(tf.memory().numTensors - before).toBe(1); // the rank-1 result, the caller's
      w.dispose();
    }),
  );

  it.skipIf(skip)('inside another gradient gives way to tf.variableGrads', () =>
    onBackend(backend, () => {
      const graph = makeGraph(`nested-${backend}`);
      const want = tf.variableGrads(graph.loss, graph.vars);
      tf.dispose(graph.kept()!);
      let got: Record<string, number[]> = {};
      const outer = tf.grad((a: tf.Tensor) => {
        const inner = leanVariableGrads(graph.loss, graph.vars);
        got = bits(inner.grads);
        tf.dispose(graph.kept()!);
        return tf.mul(a, 2);
      })(tf.scalar(1));
      expect(got).toEqual(bits(want.grads));
      expect(outer.dataSync()[0]).toBe(2);
      graph.dispose();
    }),
  );
});

afterAll(() => tf.setBackend('cpu'));
