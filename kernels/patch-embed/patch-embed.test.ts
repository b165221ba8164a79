// Patch-embed spec suite: the reference pinned on a hand-worked example, then the
// tfjs-ops patchify/unpatchify on every tfjs backend against the reference (exactly:
// both are permutations), round trips, gradients, and run-to-run bit identity.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNative } from '../native/index.js';
import { onBackend, specBackends, testValues } from '../../base/compute/spec-backends.js';
import { PATCHIFY_KERNEL, UNPATCHIFY_KERNEL } from './native.js';
import { patchifyReference, unpatchifyReference } from './reference.js';
import { type Tubelet, patchGrid } from './shape.js';
import { patchify, unpatchify } from './tfjs.js';

// ---------------------------------------------------------------- backends

const { BACKENDS, UNAVAILABLE } = specBackends('patch-embed');

// ---------------------------------------------------------------- cases

const values = testValues;

interface Case {
  name: string;
  video: [number, number, number, number, number];
  patch: Tubelet;
}

const CASES: Case[] = [
  { name: 'reference model: [2,3,8,32,32], tubelet 2×4×4 → 256 tokens of 96', video: [2, 3, 8, 32, 32], patch: [2, 4, 4] },
  { name: 'one value', video: [1, 1, 1, 1, 1], patch: [1, 1, 1] },
  { name: 'odd sizes, 1×1×1 patch', video: [1, 2, 3, 5, 7], patch: [1, 1, 1] },
  { name: 'odd patch 3×5×5', video: [2, 1, 6, 10, 15], patch: [3, 5, 5] },
  { name: 'the patch spans every frame', video: [1, 4, 4, 6, 9], patch: [4, 3, 3] },
  { name: 'one token per clip', video: [3, 2, 2, 4, 4], patch: [2, 4, 4] },
  { name: 'non-square 3×2×4 patch', video: [2, 3, 9, 12, 20], patch: [3, 2, 4] },
];

const size = (shape: readonly number[]) => shape.reduce((a, n) => a * n, 1);
const tokensShape = (c: Case) => {
  const g = patchGrid(c.video, c.patch);
  return [g.batch, g.tokens, g.features];
};

function expectExactlyEqual(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  expect(got.length, label).toBe(want.length);
  let mismatches = 0;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) mismatches++;
  expect(mismatches, `${label}: values that differ`).toBe(0);
}

// ---------------------------------------------------------------- the reference

describe('patch-embed reference', () => {
  it('puts tokens in (t, h, w) raster order with features (c, dt, dh, dw): a hand-worked example', () => {
    // video [1, C=2, T=2, H=2, W=4] holding its own flat index; patch [1, 2, 2] → 2·1·2 = 4 tokens of 2·1·2·2 = 8.
    const video = Array.from({ length: 32 }, (_, i) => i);
    const tokens = Array.from(patchifyReference(video, [1, 2, 2, 2, 4], [1, 2, 2]));
    expect(tokens).toEqual([
      [0, 1, 4, 5, 16, 17, 20, 21], // t0, w0: channel 0 rows 0–1 cols 0–1, then channel 1 (index + 16)
      [2, 3, 6, 7, 18, 19, 22, 23], // t0, w1
      [8, 9, 12, 13, 24, 25, 28, 29], // t1, w0
      [10, 11, 14, 15, 26, 27, 30, 31], // t1, w1
    ].flat());
  });

  it('unpatchify inverts patchify', () => {
    const c = CASES[3];
    const video = values(size(c.video), 1);
    const back = unpatchifyReference(patchifyReference(video, c.video, c.patch), tokensShape(c), c.video.slice(1), c.patch);
    expectExactlyEqual(back, video, c.name);
  });

  it('rejects dimensions the patch does not divide, naming the dimension', () => {
    expect(() => patchifyReference(new Float32Array(2 * 3 * 9 * 32 * 32), [2, 3, 9, 32, 32], [2, 4, 4])).toThrow(/frames T = 9 is not divisible by the patch's pt = 2/);
    expect(() => patchGrid([2, 3, 8, 30, 32], [2, 4, 4])).toThrow(/height H = 30 .* ph = 4/);
    expect(() => patchGrid([2, 3, 8, 32, 33], [2, 4, 4])).toThrow(/width W = 33 .* pw = 4/);
    expect(() => patchGrid([3, 8, 32, 32], [2, 4, 4])).toThrow(/\[B, C, T, H, W\]/);
    expect(() => unpatchifyReference(new Float32Array(2 * 255 * 96), [2, 255, 96], [3, 8, 32, 32], [2, 4, 4])).toThrow(/expected \[B, 256, 96\]/);
  });
});

// ---------------------------------------------------------------- every backend

describe.each(BACKENDS)('patch-embed on %s', (backend) => {
  const skip = UNAVAILABLE[backend] !== null;
  beforeAll(async () => {
    if (!skip) await onBackend(backend, () => undefined);
  });

  it.skipIf(skip)('patchify equals the reference exactly, shape [B, N, C·pt·ph·pw]', async () => {
    for (const c of CASES) {
      const video = values(size(c.video), 1);
      const [shape, got] = await onBackend(backend, () => {
        const tokens = tf.tidy(() => patchify(tf.tensor(video, c.video), c.patch));
        const result = [tokens.shape, tokens.dataSync()] as const;
        tokens.dispose();
        return result;
      });
      expect(shape, c.name).toEqual(tokensShape(c));
      expectExactlyEqual(got, patchifyReference(video, c.video, c.patch), c.name);
    }
    expect(tokensShape(CASES[0])).toEqual([2, 256, 96]);
  });

  it.skipIf(skip)('unpatchify ∘ patchify and patchify ∘ unpatchify are the identity, exactly', async () => {
    for (const c of CASES) {
      const video = values(size(c.video), 2);
      const tokens = values(size(c.video), 3);
      const [videoBack, tokensBack] = await onBackend(backend, () =>
        tf.tidy(() => [
          unpatchify(patchify(tf.tensor(video, c.video), c.patch), c.video.slice(1), c.patch).dataSync(),
          patchify(unpatchify(tf.tensor(tokens, tokensShape(c)), c.video.slice(1), c.patch), c.patch).dataSync(),
        ]),
      );
      expectExactlyEqual(videoBack, video, `${c.name}: video`);
      expectExactlyEqual(tokensBack, tokens, `${c.name}: tokens`);
    }
  });

  // Both maps are permutations, so the gradient of Σ map(x) ∘ w is the inverse permutation
  // of w, exactly; finite differences of a permutation would only recheck the same thing.
  it.skipIf(skip)('gradients: patchify backward is unpatchify and vice versa, exactly', async () => {
    for (const c of [CASES[0], CASES[3], CASES[6]]) {
      const x = values(size(c.video), 4);
      const w = values(size(c.video), 5);
      const [dVideo, dTokens] = await onBackend(backend, () =>
        tf.tidy(() => [
          tf.grad((v: tf.Tensor) => tf.sum(tf.mul(patchify(v, c.patch), tf.tensor(w, tokensShape(c)))))(tf.tensor(x, c.video)).dataSync(),
          tf.grad((t: tf.Tensor) => tf.sum(tf.mul(unpatchify(t, c.video.slice(1), c.patch), tf.tensor(w, c.video))))(tf.tensor(x, tokensShape(c))).dataSync(),
        ]),
      );
      expectExactlyEqual(dVideo, unpatchifyReference(w, tokensShape(c), c.video.slice(1), c.patch), `${c.name}: d video`);
      expectExactlyEqual(dTokens, patchifyReference(w, c.video, c.patch), `${c.name}: d tokens`);
    }
  });

  it.skipIf(skip)('rejects an indivisible video, naming the dimension', async () => {
    await onBackend(backend, () => {
      expect(() => patchify(tf.zeros([1, 3, 8, 32, 30]), [2, 4, 4])).toThrow(/width W = 30/);
      expect(() => unpatchify(tf.zeros([1, 256, 96]), [3, 7, 32, 32], [2, 4, 4])).toThrow(/frames T = 7/);
    });
  });

  it.skipIf(skip)('is bit-identical run to run', async () => {
    const c = CASES[0];
    const video = values(size(c.video), 6);
    const run = () => onBackend(backend, () => tf.tidy(() => Buffer.from(patchify(tf.tensor(video, c.video), c.patch).dataSync().buffer)));
    const first = await run();
    expect((await run()).equals(first)).toBe(true);
  });
});

// ---------------------------------------------------------------- the native kernel

const KERNEL_UNAVAILABLE = UNAVAILABLE.native ?? (tf.getKernel(PATCHIFY_KERNEL, 'native') ? null : 'this addon build has no patchEmbed (rebuild it)');

describe.skipIf(KERNEL_UNAVAILABLE !== null)(`patch-embed native kernel${KERNEL_UNAVAILABLE ? ` (skipped: ${KERNEL_UNAVAILABLE})` : ''}`, () => {
  const addon = loadNative()!;

  it('is what patchify/unpatchify run on native, forward and backward, for float32', async () => {
    const c = CASES[CASES.length - 1];
    const video = tf.tensor(values(size(c.video), 1), c.video);
    const profile = await onBackend('native', () =>
      tf.profile(() => tf.grad((v: tf.Tensor) => tf.sum(unpatchify(patchify(v, c.patch), c.video.slice(1), c.patch)))(video)),
    );
    expect(profile.kernelNames).toContain(PATCHIFY_KERNEL);
    expect(profile.kernelNames).toContain(UNPATCHIFY_KERNEL);
    expect(profile.kernelNames).not.toContain('Transpose');
    const ints = await onBackend('native', () => tf.profile(() => patchify(tf.cast(video, 'int32'), c.patch)));
    expect(ints.kernelNames).not.toContain(PATCHIFY_KERNEL); // other dtypes: tfjs ops
    video.dispose();
  });

  it('gives the same bits with 1 and 2 threads on a video large enough to split', async () => {
    const shape = [4, 3, 8, 32, 32];
    const video = values(size(shape), 5);
    const before = addon.threads();
    try {
      const runs = [];
      for (const threads of [1, 2]) {
        addon.setThreads(threads);
        runs.push(await onBackend('native', () => tf.tidy(() => patchify(tf.tensor(video, shape), [2, 4, 4]).dataSync())));
      }
      expect(Buffer.from(runs[1].buffer).equals(Buffer.from(runs[0].buffer))).toBe(true);
      expect(Array.from(runs[0])).toEqual(Array.from(patchifyReference(video, shape, [2, 4, 4])));
    } finally {
      addon.setThreads(before);
    }
  });

  it('rejects wrong lengths, indivisible dimensions and shared memory in the addon', () => {
    const video = new Float32Array(2 * 3 * 4 * 8 * 8);
    const tokens = new Float32Array(video.length);
    expect(() => addon.patchEmbed!(video, tokens, 2, 3, 4, 8, 8, 2, 4, 4, true)).not.toThrow();
    expect(() => addon.patchEmbed!(video, tokens.subarray(1), 2, 3, 4, 8, 8, 2, 4, 4, true)).toThrow(/tokens.length must equal video.length/);
    expect(() => addon.patchEmbed!(video.subarray(1), tokens, 2, 3, 4, 8, 8, 2, 4, 4, true)).toThrow(/video.length must be/);
    expect(() => addon.patchEmbed!(video, tokens, 2, 3, 4, 8, 8, 3, 4, 4, true)).toThrow(/frames must be divisible by pt/);
    expect(() => addon.patchEmbed!(video, tokens, 2, 3, 4, 8, 8, 2, 0, 4, true)).toThrow(/ph must be an integer in \[1/);
    expect(() => addon.patchEmbed!(video, video, 2, 3, 4, 8, 8, 2, 4, 4, true)).toThrow(/must not share memory/);
  });
});
