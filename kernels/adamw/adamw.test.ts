// AdamW spec suite: the reference pinned on a hand-worked step, then adamwUpdate (the fused
// kernel where the backend has it) and adamwUpdateOps on every tfjs backend against the
// float64 reference (within 1e-6 of the magnitude of the summed terms) and against the
// float32 reference (bit for bit: every implementation performs the same correctly rounded
// float32 operations in the same order). On `native` its own block checks that the kernel
// is what runs, the update in place and when it is refused, every ISA, 1/2/3 threads and
// the addon's argument checks.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadNative, type Isa } from '../native/index.js';
import { onBackend, specBackends, testValues } from '../../base/compute/spec-backends.js';
import { type AdamWConstants, type AdamWStep, adamwConstants, constantsList } from './constants.js';
import { ADAMW_KERNEL } from './native.js';
import { type AdamWArrays, adamwReference } from './reference.js';
import { adamwUpdate, adamwUpdateOps } from './tfjs.js';

// ---------------------------------------------------------------- backends

const { BACKENDS, UNAVAILABLE } = specBackends('adamw');

// ---------------------------------------------------------------- cases

const TORCH: Omit<AdamWStep, 'step'> = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

interface Case {
  name: string;
  shape: number[];
  hyper: AdamWStep;
}

const CASES: Case[] = [
  { name: 'one value, step 1 (m = v = 0)', shape: [1], hyper: { ...TORCH, step: 1 } },
  { name: 'odd [3, 5, 17], step 2', shape: [3, 5, 17], hyper: { ...TORCH, step: 2 } },
  { name: 'bias [192], step 1000, lr 1e-4, no decay', shape: [192], hyper: { ...TORCH, lr: 1e-4, weightDecay: 0, step: 1000 } },
  { name: 'linear [192, 768] (several pool tasks), step 7', shape: [192, 768], hyper: { ...TORCH, step: 7 } },
  { name: '70001 values (a ragged last task and vector tail), odd betas', shape: [70001], hyper: { lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.5, step: 3 } },
];

const size = (shape: readonly number[]) => shape.reduce((a, n) => a * n, 1);

/** p in [−1, 1), m in [−0.1, 0.1), v in [0, 0.01), g in [−0.1, 0.1); m = v = 0 at step 1; some g exactly 0. */
function stateFor(c: Case, seed: number): { state: AdamWArrays<Float32Array>; g: Float32Array } {
  const n = size(c.shape);
  const first = c.hyper.step === 1;
  const g = testValues(n, seed + 3, 0.1);
  for (let i = 0; i < n; i += 11) g[i] = 0;
  return {
    state: {
      p: testValues(n, seed),
      m: first ? new Float32Array(n) : testValues(n, seed + 1, 0.1),
      v: first ? new Float32Array(n) : testValues(n, seed + 2, 0.01).map(Math.abs),
      g,
    } as unknown as AdamWArrays<Float32Array>,
    g,
  };
}

/**
 * Largest error relative to the magnitude of the terms each output sums (the bound a sum of
 * float32 terms can keep even when they cancel): |β1·m| + |(1−β1)·g| for m, the same for v,
 * |p·decay| + |lr·update| for p.
 */
function worstRelativeError(got: AdamWArrays, state: AdamWArrays, g: ArrayLike<number>, c: AdamWConstants): number {
  const want = adamwReference(state, g, c);
  let worst = 0;
  for (let i = 0; i < g.length; i++) {
    const update = (want.m[i] / c.biasCorrection1) / (Math.sqrt(want.v[i] / c.biasCorrection2) + c.eps);
    const scales = {
      m: Math.abs(c.beta1 * state.m[i]) + Math.abs(c.oneMinusBeta1 * g[i]),
      v: Math.abs(c.beta2 * state.v[i]) + Math.abs(c.oneMinusBeta2 * g[i] * g[i]),
      p: Math.abs(c.decay * state.p[i]) + Math.abs(c.lr * update),
    };
    for (const k of ['p', 'm', 'v'] as const) {
      const err = Math.abs(got[k][i] - want[k][i]);
      if (err > 0) worst = Math.max(worst, scales[k] > 0 ? err / scales[k] : Infinity);
    }
  }
  return worst;
}

function mismatches(got: AdamWArrays, want: AdamWArrays): number {
  let n = 0;
  for (const k of ['p', 'm', 'v'] as const) for (let i = 0; i < want[k].length; i++) if (!Object.is(got[k][i], want[k][i])) n++;
  return n;
}

/** Runs `update` on the active backend and reads p, m, v back. */
function run(
  update: typeof adamwUpdateOps, state: AdamWArrays<Float32Array>, g: Float32Array, shape: number[], c: AdamWConstants,
): AdamWArrays<Float32Array> {
  return tf.tidy(() => {
    const t = (x: Float32Array) => tf.tensor(x, shape);
    const out = update({ p: t(state.p), m: t(state.m), v: t(state.v) }, t(g), c);
    return { p: out.p.dataSync() as Float32Array, m: out.m.dataSync() as Float32Array, v: out.v.dataSync() as Float32Array };
  });
}

// ---------------------------------------------------------------- the reference

describe('adamw reference', () => {
  it('matches a hand-worked torch.optim.AdamW step', () => {
    // p = 1, m = 0.5, v = 0.25, g = 2 at step 2, lr 0.1, wd 0.5, β 0.9 / 0.999, eps 1e-8.
    const c = adamwConstants({ lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.5, step: 2 });
    const got = adamwReference({ p: [1], m: [0.5], v: [0.25] }, [2], c);
    const m = 0.9 * 0.5 + 0.1 * 2; // 0.65
    const v = 0.999 * 0.25 + 0.001 * 4; // 0.25375
    const p = 1 * (1 - 0.05) - (0.1 * (m / 0.19)) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8);
    expect(got.m[0]).toBeCloseTo(0.65, 15);
    expect(got.v[0]).toBeCloseTo(0.25375, 15);
    expect(got.p[0]).toBeCloseTo(p, 14);
    expect(got.p[0]).toBeCloseTo(0.95 - 0.342105263 / 11.266697, 6); // 0.1·0.65/0.19 = 0.342105263, √(0.25375 / 0.001999) = 11.266697
  });

  it('float32 mode stays within 1e-6 of the float64 math', () => {
    for (const c of CASES) {
      const { state, g } = stateFor(c, 1);
      const k = adamwConstants(c.hyper);
      expect(worstRelativeError(adamwReference(state, g, k, 'float32'), state, g, k), c.name).toBeLessThan(1e-6);
    }
  });

  it('rejects arrays of different lengths and a step below 1', () => {
    expect(() => adamwReference({ p: [1, 2], m: [0], v: [0, 0] }, [1, 1], adamwConstants({ ...TORCH, step: 1 }))).toThrow(/m has 1 values, g has 2/);
    expect(() => adamwConstants({ ...TORCH, step: 0 })).toThrow(/step must be an integer ≥ 1/);
  });
});

// ---------------------------------------------------------------- every backend

describe.each(BACKENDS)('adamw on %s', (backend) => {
  const skip = UNAVAILABLE[backend] !== null;

  for (const [label, update] of [['adamwUpdate', adamwUpdate], ['adamwUpdateOps', adamwUpdateOps]] as const) {
    it.skipIf(skip)(`${label}: within 1e-6 of the float64 reference and bit-identical to the float32 one`, async () => {
      for (const c of CASES) {
        const { state, g } = stateFor(c, 7);
        const k = adamwConstants(c.hyper);
        const got = await onBackend(backend, () => run(update, state, g, c.shape, k));
        expect(worstRelativeError(got, state, g, k), c.name).toBeLessThan(1e-6);
        expect(mismatches(got, adamwReference(state, g, k, 'float32')), `${c.name}: values that differ from the float32 reference`).toBe(0);
      }
    });
  }

  it.skipIf(skip)('keeps the bits over 5 steps of a trajectory (the float32 reference, iterated)', async () => {
    const c = CASES[3];
    let { state, g } = stateFor({ ...c, hyper: { ...c.hyper, step: 1 } }, 9);
    let want: AdamWArrays = state;
    const got = await onBackend(backend, () => {
      let s = state;
      for (let step = 1; step <= 5; step++) {
        const k = adamwConstants({ ...c.hyper, step });
        want = adamwReference(want, g, k, 'float32');
        s = run(adamwUpdate, s, g, c.shape, k);
        g = testValues(g.length, 100 + step, 0.1);
      }
      return s;
    });
    expect(mismatches(got, want)).toBe(0);
  });

  it.skipIf(skip)('rejects tensors of different shapes', async () => {
    await onBackend(backend, () => {
      const c = adamwConstants({ ...TORCH, step: 1 });
      expect(() => tf.tidy(() => adamwUpdate({ p: tf.zeros([4]), m: tf.zeros([4]), v: tf.zeros([4]) }, tf.zeros([5]), c))).toThrow();
    });
  });
});

// ---------------------------------------------------------------- the native kernel

const KERNEL_UNAVAILABLE = UNAVAILABLE.native ?? (tf.getKernel(ADAMW_KERNEL, 'native') ? null : 'this addon build has no adamw (rebuild it), or SPACETIME_NATIVE_ADAMW=0');

describe.skipIf(KERNEL_UNAVAILABLE !== null)(`adamw native kernel${KERNEL_UNAVAILABLE ? ` (skipped: ${KERNEL_UNAVAILABLE})` : ''}`, () => {
  const addon = loadNative()!;
  const c = CASES[4];
  const k = adamwConstants(c.hyper);

  it('is what adamwUpdate runs on native for float32: one kernel, no element-wise ops', async () => {
    const { state, g } = stateFor(c, 1);
    const profile = await onBackend('native', () =>
      tf.profile(() => tf.tidy(() => {
        const t = (x: Float32Array) => tf.tensor(x, c.shape);
        const [p, m, v, grad] = [t(state.p), t(state.m), t(state.v), t(g)];
        return Object.values(adamwUpdate({ p, m, v }, grad, k));
      })),
    );
    expect(profile.kernelNames).toContain(ADAMW_KERNEL);
    for (const op of ['Multiply', 'Add', 'RealDiv', 'Sqrt', 'Sub']) expect(profile.kernelNames).not.toContain(op);
  });

  it('updates in place only when the caller hands the buffers over and nothing else shares them', async () => {
    await onBackend('native', () => {
      const { state, g } = stateFor(c, 2);
      const want = adamwReference(state, g, k, 'float32');
      const [p, m, v] = [state.p, state.m, state.v].map((x) => tf.variable(tf.tensor(x, c.shape)));
      const grad = tf.tensor(g, c.shape);
      const shared = tf.clone(m); // on native, Identity shares m's buffer
      const [pId, mId, vId] = [p.dataId, m.dataId, v.dataId];
      tf.tidy(() => {
        const next = adamwUpdate({ p, m, v }, grad, k, { inPlace: true });
        m.assign(next.m);
        v.assign(next.v);
        p.assign(next.p);
      });
      // tf.variable(tf.tensor(…)) leaves the tensor sharing the buffer too: nothing in place yet.
      expect([p.dataId, m.dataId, v.dataId].some((id, i) => id === [pId, mId, vId][i])).toBe(false);
      expect(Array.from(shared.dataSync())).toEqual(Array.from(state.m)); // the clone still holds the old m
      expect(mismatches({ p: p.dataSync(), m: m.dataSync(), v: v.dataSync() }, want)).toBe(0);

      // Now each variable alone holds its buffer: the next step writes into it.
      const ids = [p.dataId, m.dataId, v.dataId];
      const before = tf.memory();
      const want2 = adamwReference(want, g, k, 'float32');
      tf.tidy(() => {
        const next = adamwUpdate({ p, m, v }, grad, k, { inPlace: true });
        m.assign(next.m);
        v.assign(next.v);
        p.assign(next.p);
      });
      expect([p.dataId, m.dataId, v.dataId]).toEqual(ids);
      expect(tf.memory().numBytes).toBe(before.numBytes);
      expect(tf.memory().numTensors).toBe(before.numTensors);
      expect(mismatches({ p: p.dataSync(), m: m.dataSync(), v: v.dataSync() }, want2)).toBe(0);

      // Without inPlace, fresh outputs; the inputs keep their values.
      const pBefore = p.dataSync().slice();
      const out = tf.tidy(() => adamwUpdate({ p, m, v }, grad, k));
      expect(out.p.dataId).not.toBe(p.dataId);
      expect(Array.from(p.dataSync())).toEqual(Array.from(pBefore));
      tf.dispose([p, m, v, grad, shared, out.p, out.m, out.v]);
    });
  });

  it('refuses in place when g is also one of p, m, v', async () => {
    await onBackend('native', () => {
      const { state } = stateFor(c, 3);
      const [p, m, v] = [state.p, state.m, state.v].map((x) => tf.variable(tf.tensor(x, c.shape)));
      tf.tidy(() => [p, m, v].forEach((x) => x.assign(tf.add(x, 0)))); // sole owners of fresh buffers
      const want = adamwReference({ p: p.dataSync(), m: m.dataSync(), v: v.dataSync() }, p.dataSync(), k, 'float32');
      const pId = p.dataId;
      const next = tf.tidy(() => adamwUpdate({ p, m, v }, p, k, { inPlace: true }));
      expect(next.p.dataId).not.toBe(pId);
      expect(mismatches({ p: next.p.dataSync(), m: next.m.dataSync(), v: next.v.dataSync() }, want)).toBe(0);
      tf.dispose([p, m, v, next.p, next.m, next.v]);
    });
  });

  it('gives the same bits on every ISA and with 1, 2 and 3 threads', async () => {
    const { state, g } = stateFor(CASES[3], 4);
    const k3 = adamwConstants(CASES[3].hyper);
    const [isaBefore, threadsBefore] = [addon.isa(), addon.threads()];
    const runs: Buffer[] = [];
    try {
      for (const isa of addon.availableIsas()) {
        for (const threads of [1, 2, 3]) {
          addon.setIsa(isa as Isa);
          addon.setThreads(threads);
          const out = await onBackend('native', () => run(adamwUpdate, state, g, CASES[3].shape, k3));
          runs.push(Buffer.concat([out.p, out.m, out.v].map((x) => Buffer.from(x.buffer))));
        }
      }
    } finally {
      addon.setIsa(isaBefore);
      addon.setThreads(threadsBefore);
    }
    for (const r of runs) expect(r.equals(runs[0])).toBe(true);
    expect(runs.length).toBeGreaterThanOrEqual(3);
  });

  it('rejects wrong types, lengths, constants and overlapping outputs in the addon', () => {
    const n = 40;
    const [p, m, v, g, po, mo, vo] = Array.from({ length: 7 }, () => new Float32Array(n));
    const consts = Float32Array.from(constantsList(k));
    const adamw = addon.adamw!;
    expect(() => adamw(p, m, v, g, po, mo, vo, consts)).not.toThrow();
    expect(() => adamw(p, m, v, g, p, m, v, consts)).not.toThrow(); // in place
    expect(() => adamw(p, m, v, g.subarray(1), po, mo, vo, consts)).toThrow(/g.length must equal p.length/);
    expect(() => adamw(p, m, v, g, po, mo, vo.subarray(2), consts)).toThrow(/vOut.length must equal p.length/);
    expect(() => adamw(p, m, v, g, po, mo, vo, consts.subarray(1))).toThrow(/constants must be a Float32Array of 9/);
    expect(() => adamw(p, m, v, g, po, mo, vo, new Float64Array(9) as unknown as Float32Array)).toThrow(/constants must be a Float32Array/);
    expect(() => adamw(new Float64Array(n) as unknown as Float32Array, m, v, g, po, mo, vo, consts)).toThrow(/p must be a Float32Array/);
    expect(() => adamw(p, m, v, g, m, mo, vo, consts)).toThrow(/pOut must be p or not share memory with m/);
    expect(() => adamw(p, m, v, g, po, g, vo, consts)).toThrow(/mOut must be m or not share memory with g/);
    expect(() => adamw(p, m, v, g, po, po, vo, consts)).toThrow(/pOut must be p or not share memory with mOut/);
    const big = new Float32Array(2 * n);
    expect(() => adamw(big.subarray(0, n), m, v, g, big.subarray(1, n + 1), mo, vo, consts)).toThrow(/pOut must be p or not share memory with p/);
    expect(() => (adamw as (...args: unknown[]) => void)(p, m, v, g, po, mo, vo)).toThrow(/adamw expects 8 arguments/);
  });
});
