// Attention spec suite: the float64 reference checked against finite differences, then
// attention() on every tfjs backend against the reference (values and gradients within
// 1e-4 of the largest |value|), masking, and run-to-run bit identity; selfAttention() and
// crossAttention() (token-major, packed qkv / kv) likewise. On `native`, attention() is the
// fused kernel (native.ts): its own block checks that it is the one running, every ISA,
// thread-count independence and the addon's argument checks; the token-major kernel must
// give the head-major kernel's bits.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNative, type Isa } from '../native/index.js';
import { onBackend, specBackends, testValues } from '../../base/compute/spec-backends.js';
import { ATTENTION_GRAD_KERNEL, ATTENTION_KERNEL, ATTENTION_TOKENS_GRAD_KERNEL, ATTENTION_TOKENS_KERNEL } from './native.js';
import { type AttentionForwardResult, type AttentionGradients, attentionBackwardReference, attentionForwardReference } from './reference.js';
import { type AttentionDims, attentionDims } from './shape.js';
import { attention, attentionFromOps, crossAttention, selfAttention } from './tfjs.js';

// ---------------------------------------------------------------- backends

const { BACKENDS, UNAVAILABLE } = specBackends('attention');

// ---------------------------------------------------------------- inputs

const values = testValues;

type MaskKind = 'padded' | 'one-empty' | 'leading';

/**
 * [B, Nk]: batch entry b keeps its first Nk − 1 − 2b keys (at least 1); 'one-empty' also pads
 * all of entry 1; 'leading' instead keeps only the last 1 + 2b keys (padding in front).
 */
function makeMask(dims: AttentionDims, kind: MaskKind): Float32Array {
  const mask = new Float32Array(dims.batch * dims.keys);
  for (let b = 0; b < dims.batch; b++) {
    if (kind === 'leading') {
      for (let j = Math.max(0, dims.keys - 1 - 2 * b); j < dims.keys; j++) mask[b * dims.keys + j] = 1;
      continue;
    }
    const kept = kind === 'one-empty' && b === 1 ? 0 : Math.max(1, dims.keys - 1 - 2 * b);
    for (let j = 0; j < kept; j++) mask[b * dims.keys + j] = 1;
  }
  return mask;
}

interface Case {
  name: string;
  dims: AttentionDims;
  /** Input magnitude: larger gives peakier softmaxes. */
  amplitude?: number;
  mask?: MaskKind;
  maskDtype?: 'float32' | 'int32' | 'bool';
  scale?: number;
}

const dims = (batch: number, heads: number, queries: number, keys: number, headDim: number): AttentionDims => ({ batch, heads, queries, keys, headDim });
const MODEL = dims(2, 6, 256, 256, 32); // the reference model's attention at batch 2

const FORWARD_CASES: Case[] = [
  { name: 'reference model B=2 h=6 N=256 d=32', dims: MODEL, amplitude: 2 },
  { name: 'reference model, padded keys', dims: MODEL, amplitude: 2, mask: 'padded' },
  { name: 'odd N=7 d=5', dims: dims(1, 1, 7, 7, 5) },
  { name: 'odd N=7 d=5, 3 clips × 2 heads', dims: dims(3, 2, 7, 7, 5), amplitude: 3 },
  { name: 'cross-attention Nk > N', dims: dims(2, 3, 5, 11, 8), amplitude: 2 },
  { name: 'cross-attention Nk < N', dims: dims(2, 2, 13, 3, 4) },
  { name: 'a single key', dims: dims(1, 2, 4, 1, 3) },
  { name: 'padded keys', dims: dims(2, 3, 9, 9, 8), amplitude: 2, mask: 'padded' },
  { name: 'padded keys, int32 mask, cross-attention', dims: dims(3, 2, 6, 10, 5), mask: 'padded', maskDtype: 'int32' },
  { name: 'a fully padded clip, bool mask', dims: dims(3, 2, 6, 10, 5), amplitude: 2, mask: 'one-empty', maskDtype: 'bool' },
  { name: 'explicit scale 0.3', dims: dims(2, 2, 6, 6, 4), amplitude: 3, scale: 0.3 },
  // Off every tile of the fused kernel: N = 37, Nk = 70 and d = 40 are no multiples of its
  // row tiles (12, 4), key slivers (32, 16, 8), key blocks (64) or vector widths (16, 8, 4).
  { name: 'cross-attention off the tiles N=37 Nk=70 d=40, padded keys', dims: dims(2, 3, 37, 70, 40), amplitude: 2, mask: 'padded' },
  // Nk > 256 spans two key blocks of the fused forward: its online softmax rescales.
  { name: 'Nk=300 over two key blocks, peaky', dims: dims(2, 2, 20, 300, 16), amplitude: 3, mask: 'padded' },
  // Padding in front: the fused forward's whole first key block is masked, so its running
  // max stays −∞ until the second block (whose correction must then wipe the first).
  { name: 'Nk=300, only the last keys kept', dims: dims(2, 2, 20, 300, 16), amplitude: 3, mask: 'leading' },
];
const GRADIENT_CASES: Case[] = [
  FORWARD_CASES[0],
  { name: 'odd N=7 d=5', dims: dims(2, 3, 7, 7, 5), amplitude: 2 },
  FORWARD_CASES[4],
  FORWARD_CASES[5],
  FORWARD_CASES[7],
  FORWARD_CASES[9],
  FORWARD_CASES[10],
  FORWARD_CASES[11],
  FORWARD_CASES[12],
  FORWARD_CASES[13],
];

interface Inputs {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  dOut: Float32Array;
  mask?: Float32Array;
}

function inputsOf(c: Case): Inputs {
  const { batch, heads, queries, keys, headDim } = c.dims;
  const a = c.amplitude ?? 1;
  return {
    q: values(batch * heads * queries * headDim, 1, a),
    k: values(batch * heads * keys * headDim, 2, a),
    v: values(batch * heads * keys * headDim, 3),
    dOut: values(batch * heads * queries * headDim, 4),
    mask: c.mask && makeMask(c.dims, c.mask),
  };
}

/** The reference forward (and backward) of a case, computed once across backends. */
const referenceCache = new Map<Case, { forward: AttentionForwardResult; grads?: AttentionGradients }>();
function referenceOf(c: Case, withGrads = false): { forward: AttentionForwardResult; grads?: AttentionGradients } {
  let hit = referenceCache.get(c);
  if (hit && (hit.grads || !withGrads)) return hit;
  const x = inputsOf(c);
  const options = { mask: x.mask, scale: c.scale };
  if (!hit) referenceCache.set(c, (hit = { forward: attentionForwardReference(x.q, x.k, x.v, c.dims, options) }));
  if (withGrads) hit.grads = attentionBackwardReference(x.q, x.k, x.v, c.dims, hit.forward, x.dOut, options);
  return hit;
}

const qShape = (d: AttentionDims) => [d.batch, d.heads, d.queries, d.headDim];
const kShape = (d: AttentionDims) => [d.batch, d.heads, d.keys, d.headDim];

/** Runs attention (and with `grads`, tf.grads against dOut) on the current backend. */
function runTfjs(c: Case, grads: boolean, implementation = attention): Float32Array[] {
  const x = inputsOf(c);
  return tf.tidy(() => {
    const mask = x.mask && tf.cast(tf.tensor(x.mask, [c.dims.batch, c.dims.keys]), c.maskDtype ?? 'float32');
    const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => implementation(q, k, v, { mask, scale: c.scale });
    const args = [tf.tensor(x.q, qShape(c.dims)), tf.tensor(x.k, kShape(c.dims)), tf.tensor(x.v, kShape(c.dims))];
    const outs = grads ? tf.grads(f)(args, tf.tensor(x.dOut, qShape(c.dims))) : [f(args[0], args[1], args[2])];
    return outs.map((t) => t.dataSync() as Float32Array);
  });
}

/** max |got − want| / max |want| (NaN anywhere gives NaN, which fails every bound). */
function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  return worst / Math.max(scale, 1e-30);
}

/** [B, h, n, d] → [B, n, h·d] (the heads side by side in a row), or back with `inverse`. */
function toTokens(x: Float32Array, B: number, h: number, n: number, d: number, inverse = false): Float32Array {
  const y = new Float32Array(x.length);
  for (let b = 0; b < B; b++)
    for (let head = 0; head < h; head++)
      for (let r = 0; r < n; r++)
        for (let c = 0; c < d; c++) {
          const [headMajor, tokenMajor] = [((b * h + head) * n + r) * d + c, ((b * n + r) * h + head) * d + c];
          if (inverse) y[headMajor] = x[tokenMajor];
          else y[tokenMajor] = x[headMajor];
        }
  return y;
}

/** Parts of width w (w = D each) side by side per row: [B·n, w] × k → [B·n, k·w], and back. */
function pack(parts: Float32Array[], rows: number, w: number): Float32Array {
  const y = new Float32Array(rows * w * parts.length);
  for (let r = 0; r < rows; r++) parts.forEach((x, i) => y.set(x.subarray(r * w, (r + 1) * w), (r * parts.length + i) * w));
  return y;
}
function unpack(y: Float32Array, rows: number, w: number, count: number): Float32Array[] {
  return Array.from({ length: count }, (_, i) => {
    const x = new Float32Array(rows * w);
    for (let r = 0; r < rows; r++) x.set(y.subarray((r * count + i) * w, (r * count + i + 1) * w), r * w);
    return x;
  });
}

/**
 * selfAttention (packed 'qkv', queries = keys) or crossAttention (packed 'kv') on a case's
 * inputs laid out token-major; out (and with `grads`, dq, dk, dv) returned head-major.
 */
function runTokens(c: Case, packed: 'qkv' | 'kv', grads: boolean): Float32Array[] {
  const { batch: B, heads: h, queries: N, keys: M, headDim: d } = c.dims;
  const D = h * d;
  const x = inputsOf(c);
  const [q, k, v, dOut] = [toTokens(x.q, B, h, N, d), toTokens(x.k, B, h, M, d), toTokens(x.v, B, h, M, d), toTokens(x.dOut, B, h, N, d)];
  const heads = (y: Float32Array, n: number) => toTokens(y, B, h, n, d, true);
  const outs = tf.tidy(() => {
    const mask = x.mask && tf.cast(tf.tensor(x.mask, [B, M]), c.maskDtype ?? 'float32');
    const options = { mask, scale: c.scale };
    const dy = tf.tensor(dOut, [B, N, D]);
    if (packed === 'qkv') {
      const f = (qkv: tf.Tensor) => selfAttention(qkv, h, options);
      const qkv = tf.tensor(pack([q, k, v], B * N, D), [B, N, 3 * D]);
      return (grads ? tf.grads(f)([qkv], dy) : [f(qkv)]).map((t) => t.dataSync() as Float32Array);
    }
    const f = (qt: tf.Tensor, kv: tf.Tensor) => crossAttention(qt, kv, h, options);
    const args = [tf.tensor(q, [B, N, D]), tf.tensor(pack([k, v], B * M, D), [B, M, 2 * D])];
    return (grads ? tf.grads(f)(args, dy) : [f(args[0], args[1])]).map((t) => t.dataSync() as Float32Array);
  });
  if (!grads) return [heads(outs[0], N)];
  if (packed === 'qkv') return unpack(outs[0], B * N, D, 3).map((g) => heads(g, N));
  const [dk, dv] = unpack(outs[1], B * M, D, 2);
  return [heads(outs[0], N), heads(dk, M), heads(dv, M)];
}

const SELF_CASES = [FORWARD_CASES[0], FORWARD_CASES[1], FORWARD_CASES[3], FORWARD_CASES[7]];
const CROSS_CASES = [FORWARD_CASES[4], FORWARD_CASES[5], FORWARD_CASES[8], FORWARD_CASES[9], FORWARD_CASES[11], FORWARD_CASES[13]];
const packingOf = (c: Case): 'qkv' | 'kv' => (SELF_CASES.includes(c) ? 'qkv' : 'kv');

// ---------------------------------------------------------------- the reference

describe('attention reference (float64)', () => {
  /** L = Σ out ∘ w; its gradient by central differences, every input element. */
  function finiteDifferences(c: Case, eps: number): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
    const x = inputsOf(c);
    const [q, k, v] = [Float64Array.from(x.q), Float64Array.from(x.k), Float64Array.from(x.v)];
    const loss = () => {
      const { out } = attentionForwardReference(q, k, v, c.dims, { mask: x.mask, scale: c.scale });
      let s = 0;
      for (let i = 0; i < out.length; i++) s += out[i] * x.dOut[i];
      return s;
    };
    const gradient = (a: Float64Array) => {
      const g = new Float64Array(a.length);
      for (let i = 0; i < a.length; i++) {
        const keep = a[i];
        a[i] = keep + eps;
        const up = loss();
        a[i] = keep - eps;
        const down = loss();
        a[i] = keep;
        g[i] = (up - down) / (2 * eps);
      }
      return g;
    };
    return { dq: gradient(q), dk: gradient(k), dv: gradient(v) };
  }

  const FD_CASES: Case[] = [
    { name: 'B=1 h=2 N=3 d=4', dims: dims(1, 2, 3, 3, 4), amplitude: 2 },
    { name: 'cross-attention N=3 Nk=5 d=2, scale 0.7', dims: dims(2, 1, 3, 5, 2), amplitude: 2, scale: 0.7 },
    { name: 'padded keys with a fully padded clip', dims: dims(3, 2, 2, 4, 3), amplitude: 2, mask: 'one-empty' },
  ];
  it.each(FD_CASES)('backward matches central finite differences of the forward: $name', (c) => {
    const x = inputsOf(c);
    const options = { mask: x.mask, scale: c.scale };
    const forward = attentionForwardReference(x.q, x.k, x.v, c.dims, options);
    const grads = attentionBackwardReference(x.q, x.k, x.v, c.dims, forward, x.dOut, options);
    const fd = finiteDifferences(c, 1e-6);
    for (const name of ['dq', 'dk', 'dv'] as const) expect(relativeError(grads[name], fd[name]), name).toBeLessThan(1e-6);
  });

  it('gives zeros, lse −∞ and no gradient where every key is padded', () => {
    const c: Case = { name: 'one-empty', dims: dims(3, 2, 4, 5, 3), mask: 'one-empty' };
    const x = inputsOf(c);
    const forward = attentionForwardReference(x.q, x.k, x.v, c.dims, { mask: x.mask });
    const grads = attentionBackwardReference(x.q, x.k, x.v, c.dims, forward, x.dOut, { mask: x.mask });
    const rows = c.dims.heads * c.dims.queries; // rows of clip 1
    expect(Array.from(forward.logSumExp.subarray(rows, 2 * rows))).toEqual(new Array(rows).fill(-Infinity));
    const perClip = rows * c.dims.headDim;
    const perClipKeys = c.dims.heads * c.dims.keys * c.dims.headDim;
    expect(forward.out.subarray(perClip, 2 * perClip).every((z) => z === 0)).toBe(true);
    expect(grads.dq.subarray(perClip, 2 * perClip).every((z) => z === 0)).toBe(true);
    expect(grads.dk.subarray(perClipKeys, 2 * perClipKeys).every((z) => z === 0)).toBe(true);
    expect(forward.out.subarray(0, perClip).some((z) => z !== 0)).toBe(true);
  });

  it('averages with weights summing to one: v = 1 gives out = 1', () => {
    const c: Case = { name: 'ones', dims: dims(2, 3, 5, 7, 4), amplitude: 4, mask: 'padded' };
    const x = inputsOf(c);
    const { out } = attentionForwardReference(x.q, x.k, new Float64Array(x.v.length).fill(1), c.dims, { mask: x.mask });
    for (const z of out) expect(z).toBeCloseTo(1, 12);
  });
});

describe('attention shapes', () => {
  it('rejects mismatched q, k, v and mask shapes, naming the tensor', async () => {
    await onBackend('cpu', () => undefined);
    expect(() => attentionDims([2, 6, 16, 32], [2, 6, 16, 8], [2, 6, 16, 8])).toThrow(/k must be/);
    expect(() => attentionDims([2, 6, 16, 32], [2, 6, 16, 32], [2, 6, 15, 32])).toThrow(/v must have/);
    expect(() => attentionDims([2, 6, 16, 32], [2, 6, 9, 32], [2, 6, 9, 32], [2, 16])).toThrow(/mask must be \[B, Nk\] = \[2, 9\]/);
    expect(() => attentionDims([6, 16, 32], [6, 16, 32], [6, 16, 32])).toThrow(/q must be/);
    expect(() => attention(tf.zeros([1, 1, 2, 2]), tf.zeros([1, 1, 2, 2]), tf.zeros([1, 1, 2, 2]), { scale: NaN })).toThrow(/scale/);
  });
});

// ---------------------------------------------------------------- every backend

describe.each(BACKENDS)('attention on %s', (backend) => {
  const skip = UNAVAILABLE[backend] !== null;
  beforeAll(async () => {
    if (!skip) await onBackend(backend, () => undefined);
  });

  it.skipIf(skip)('matches the float64 reference within 1e-4 (relative to the largest |value|)', async () => {
    for (const c of FORWARD_CASES) {
      const [out] = await onBackend(backend, () => runTfjs(c, false));
      expect(relativeError(out, referenceOf(c).forward.out), c.name).toBeLessThan(1e-4);
    }
  });

  it.skipIf(skip)('gives exact zeros and finite gradients for a fully padded clip', async () => {
    const c = FORWARD_CASES[9];
    const [out, dq, dk, dv] = [...(await onBackend(backend, () => runTfjs(c, false))), ...(await onBackend(backend, () => runTfjs(c, true)))];
    const perClip = c.dims.heads * c.dims.queries * c.dims.headDim;
    const perClipKeys = c.dims.heads * c.dims.keys * c.dims.headDim;
    expect(out.subarray(perClip, 2 * perClip).every((z) => z === 0)).toBe(true);
    expect(dq.subarray(perClip, 2 * perClip).every((z) => z === 0)).toBe(true);
    for (const g of [dk, dv]) expect(g.subarray(perClipKeys, 2 * perClipKeys).every((z) => z === 0)).toBe(true);
    for (const g of [out, dq, dk, dv]) expect(g.every(Number.isFinite)).toBe(true);
  });

  it.skipIf(skip)('gradients (tf.grads) match the reference backward within 1e-4', async () => {
    for (const c of GRADIENT_CASES) {
      const got = await onBackend(backend, () => runTfjs(c, true));
      const want = referenceOf(c, true).grads!;
      for (const [i, name] of (['dq', 'dk', 'dv'] as const).entries()) {
        expect(relativeError(got[i], want[name]), `${c.name} ${name}`).toBeLessThan(1e-4);
      }
    }
  });

  it.skipIf(skip)('selfAttention (packed qkv) and crossAttention (q, packed kv) match the reference, values and gradients', async () => {
    for (const c of [...SELF_CASES, ...CROSS_CASES]) {
      const [out] = await onBackend(backend, () => runTokens(c, packingOf(c), false));
      expect(relativeError(out, referenceOf(c).forward.out), `${c.name} out`).toBeLessThan(1e-4);
      const got = await onBackend(backend, () => runTokens(c, packingOf(c), true));
      const want = referenceOf(c, true).grads!;
      for (const [i, name] of (['dq', 'dk', 'dv'] as const).entries()) {
        expect(relativeError(got[i], want[name]), `${c.name} ${name}`).toBeLessThan(1e-4);
      }
    }
  });

  it.skipIf(skip)('is bit-identical run to run, forward and backward', async () => {
    for (const c of [FORWARD_CASES[0], FORWARD_CASES[9]]) {
      const run = () => onBackend(backend, () => runTfjs(c, true).map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
      const first = await run();
      const second = await run();
      for (const [i, buffer] of second.entries()) expect(buffer.equals(first[i]), `${c.name} output ${i}`).toBe(true);
    }
  });
});

// ---------------------------------------------------------------- the fused native kernel

const FUSED_UNAVAILABLE = UNAVAILABLE.native ?? (tf.getKernel(ATTENTION_KERNEL, 'native') ? null : 'this addon build has no fused attention (rebuild it)');

describe.skipIf(FUSED_UNAVAILABLE !== null)(`fused attention on native${FUSED_UNAVAILABLE ? ` (skipped: ${FUSED_UNAVAILABLE})` : ''}`, () => {
  const addon = loadNative()!;
  const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

  it('is what attention() runs on native: one kernel forward, one backward, no [N, Nk] matmuls', async () => {
    const c = FORWARD_CASES[1];
    const forward = await onBackend('native', () => tf.profile(() => runTfjs(c, false)));
    const backward = await onBackend('native', () => tf.profile(() => runTfjs(c, true)));
    expect(forward.kernelNames).toContain(ATTENTION_KERNEL);
    expect(backward.kernelNames).toContain(ATTENTION_GRAD_KERNEL);
    for (const names of [forward.kernelNames, backward.kernelNames]) {
      expect(names).not.toContain('BatchMatMul');
      expect(names).not.toContain('Softmax');
    }
  });

  it('leaves the tfjs-ops path (attentionFromOps) working on native too', async () => {
    for (const c of [FORWARD_CASES[9], FORWARD_CASES[11]]) {
      const [out] = await onBackend('native', () => runTfjs(c, false, attentionFromOps));
      expect(relativeError(out, referenceOf(c).forward.out), c.name).toBeLessThan(1e-4);
      const got = await onBackend('native', () => runTfjs(c, true, attentionFromOps));
      for (const [i, name] of (['dq', 'dk', 'dv'] as const).entries()) {
        expect(relativeError(got[i], referenceOf(c, true).grads![name]), `${c.name} ${name}`).toBeLessThan(1e-4);
      }
    }
  });

  const TOKENS_UNAVAILABLE = tf.getKernel(ATTENTION_TOKENS_KERNEL, 'native')
    ? null
    : process.env.SPACETIME_NATIVE_TOKEN_ATTENTION === '0' ? 'SPACETIME_NATIVE_TOKEN_ATTENTION=0' : 'this addon build has no row strides (rebuild it)';
  it.skipIf(TOKENS_UNAVAILABLE !== null)(`reads and writes token-major tensors in place: no head split or merge, the head-major kernel's bits${TOKENS_UNAVAILABLE ? ` (skipped: ${TOKENS_UNAVAILABLE})` : ''}`, async () => {
    const self = SELF_CASES[1];
    const forward = await onBackend('native', () => tf.profile(() => runTokens(self, 'qkv', false)));
    const backward = await onBackend('native', () => tf.profile(() => runTokens(self, 'qkv', true)));
    expect(forward.kernelNames).toContain(ATTENTION_TOKENS_KERNEL);
    expect(backward.kernelNames).toContain(ATTENTION_TOKENS_GRAD_KERNEL);
    for (const names of [forward.kernelNames, backward.kernelNames]) {
      for (const op of ['Transpose', 'SplitV', 'Concat', 'BatchMatMul', ATTENTION_KERNEL]) expect(names).not.toContain(op);
    }
    for (const c of [...SELF_CASES, ...CROSS_CASES]) {
      const heads = [...(await onBackend('native', () => runTfjs(c, false))), ...(await onBackend('native', () => runTfjs(c, true)))];
      const tokens = [...(await onBackend('native', () => runTokens(c, packingOf(c), false))), ...(await onBackend('native', () => runTokens(c, packingOf(c), true)))];
      for (const [i, a] of tokens.entries()) expect(sameBits(a, heads[i]), `${c.name} ${['out', 'dq', 'dk', 'dv'][i]}`).toBe(true);
    }
  });

  for (const isa of ['avx512', 'avx2', 'scalar'] as Isa[]) {
    const missing = !addon.availableIsas().includes(isa);
    it.skipIf(missing)(`matches the reference, forward and gradients, on ${isa}${missing ? ' (not available on this CPU)' : ''}`, async () => {
      const before = addon.isa();
      addon.setIsa(isa);
      try {
        for (const c of [FORWARD_CASES[0], FORWARD_CASES[9], FORWARD_CASES[11], FORWARD_CASES[12], FORWARD_CASES[13]]) {
          const [out] = await onBackend('native', () => runTfjs(c, false));
          expect(relativeError(out, referenceOf(c).forward.out), `${c.name} out`).toBeLessThan(1e-4);
          const got = await onBackend('native', () => runTfjs(c, true));
          const want = referenceOf(c, true).grads!;
          for (const [i, name] of (['dq', 'dk', 'dv'] as const).entries()) {
            expect(relativeError(got[i], want[name]), `${c.name} ${name}`).toBeLessThan(1e-4);
          }
        }
        for (const c of [SELF_CASES[1], CROSS_CASES[4], CROSS_CASES[5]]) {
          const heads = [...(await onBackend('native', () => runTfjs(c, false))), ...(await onBackend('native', () => runTfjs(c, true)))];
          const tokens = [...(await onBackend('native', () => runTokens(c, packingOf(c), false))), ...(await onBackend('native', () => runTokens(c, packingOf(c), true)))];
          for (const [i, a] of tokens.entries()) expect(sameBits(a, heads[i]), `${c.name} token-major output ${i}`).toBe(true);
        }
      } finally {
        addon.setIsa(before);
      }
    });
  }

  it('gives bit-identical results with 1, 2 and 3 threads, forward and backward', async () => {
    const before = addon.threads();
    try {
      for (const c of [FORWARD_CASES[0], FORWARD_CASES[11]]) {
        const runs: Float32Array[][] = [];
        for (const threads of [1, 2, 3]) {
          addon.setThreads(threads);
          runs.push([
            ...(await onBackend('native', () => runTfjs(c, false))), ...(await onBackend('native', () => runTfjs(c, true))),
            ...(await onBackend('native', () => runTokens(c, packingOf(c), true))),
          ]);
        }
        for (const run of runs.slice(1)) {
          for (const [i, a] of run.entries()) expect(sameBits(a, runs[0][i]), `${c.name} output ${i}`).toBe(true);
        }
      }
    } finally {
      addon.setThreads(before);
    }
  });

  it('rejects wrong lengths, overlapping outputs and bad dimensions in the addon', () => {
    const [B, h, N, M, d] = [2, 2, 3, 4, 5];
    const q = new Float32Array(B * h * N * d);
    const k = new Float32Array(B * h * M * d);
    const v = new Float32Array(B * h * M * d);
    const out = new Float32Array(q.length);
    const lse = new Float32Array(B * h * N);
    const forward = addon.attentionForward!.bind(addon);
    expect(() => forward(q, k, v, null, out, lse, B, h, N, M, d, 0.5)).not.toThrow();
    expect(() => forward(q, k.subarray(1), v, null, out, lse, B, h, N, M, d, 0.5)).toThrow(/k.length must be batch\*heads\*keys\*headDim/);
    expect(() => forward(q, k, v, new Float32Array(B * M + 1), out, lse, B, h, N, M, d, 0.5)).toThrow(/mask.length must be batch\*keys/);
    expect(() => forward(q, k, v, null, out, new Float32Array(1), B, h, N, M, d, 0.5)).toThrow(/lse.length/);
    expect(() => forward(q, k, v, null, q, lse, B, h, N, M, d, 0.5)).toThrow(/out must not share memory with q/);
    expect(() => forward(q, k, v, null, out, lse, B, h, N, M, 0, 0.5)).toThrow(/headDim must be an integer/);
    expect(() => forward(q, k, v, null, out, lse, B, h, N, M, d, NaN)).toThrow(/scale must be a finite number/);
    expect(() => forward(q, k, v, [] as unknown as Float32Array, out, lse, B, h, N, M, d, 0.5)).toThrow(/mask must be a Float32Array \(or null\)/);
    const [dq, dk, dv] = [new Float32Array(q.length), new Float32Array(k.length), new Float32Array(v.length)];
    const backward = addon.attentionBackward!.bind(addon);
    expect(() => backward(q, k, v, null, out, lse, q, dq, dk, dv, B, h, N, M, d, 0.5)).not.toThrow();
    expect(() => backward(q, k, v, null, out, lse, q, dq, dk, dk, B, h, N, M, d, 0.5)).toThrow(/dk must not share memory with dv/);
    expect(() => backward(q, k, v, null, out, lse, q, dq, dk, dv.subarray(2), B, h, N, M, d, 0.5)).toThrow(/dv.length/);
    // Row strides: token-major q, k, v inside one packed [B, N, 3hd] (self-attention, N = M), out [B, N, hd].
    const D = h * d;
    const qkv = new Float32Array(B * N * 3 * D);
    const [tq, tk, tv] = [qkv, qkv.subarray(D), qkv.subarray(2 * D)];
    const tout = new Float32Array(B * N * D);
    const strides = [3 * D, 3 * D, 3 * D, D];
    expect(() => forward(tq, tk, tv, null, tout, lse, B, h, N, N, d, 0.5, strides)).not.toThrow();
    expect(() => forward(tq, tk, tv, null, tout, lse, B, h, N, N, d, 0.5, [3 * D, 3 * D, 3 * D])).toThrow(/rowStrides must be an array \[q, k, v, out\]/);
    expect(() => forward(tq, tk, tv, null, tout, lse, B, h, N, N, d, 0.5, [3 * D, D - 1, 3 * D, D])).toThrow(/rowStrides must be integers >= heads \* headDim/);
    expect(() => forward(tq, tk, qkv.subarray(2 * D + 1), null, tout, lse, B, h, N, N, d, 0.5, strides)).toThrow(/v.length must be at least \(batch\*keys - 1\) \* rowStride/);
    // dq, dk, dv interleaved in one packed dqkv: column-disjoint, accepted; sharing columns, refused.
    const dqkv = new Float32Array(qkv.length);
    const [gq, gk, gv] = [dqkv, dqkv.subarray(D), dqkv.subarray(2 * D)];
    expect(() => backward(tq, tk, tv, null, tout, lse, tout, gq, gk, gv, B, h, N, N, d, 0.5, strides)).not.toThrow();
    expect(() => backward(tq, tk, tv, null, tout, lse, tout, gq, dqkv.subarray(D - 1), gv, B, h, N, N, d, 0.5, strides)).toThrow(/dq must not share memory with dk/);
    expect(() => backward(tq, tk, tv, null, tout, lse, tout, gq, gk, qkv.subarray(2 * D), B, h, N, N, d, 0.5, strides)).toThrow(/dv must not share memory with v/);
  });
});
