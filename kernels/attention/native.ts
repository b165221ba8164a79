/**
 * Fused attention on the `native` backend: the addon's flash-style kernel
 * (kernels/native/src/attention*.cc) as two tfjs kernels, reading and writing the wasm
 * heap zero-copy. Neither the forward nor the backward pass stores the [B·h, N, Nk]
 * scores or probabilities: the forward saves the log-sum-exp per query row and the
 * backward recomputes the probabilities blockwise from it.
 *
 *   SpacetimeAttention      inputs [q, k, v] or [q, k, v, mask] (an array, so the mask can
 *                           be left out), attrs { scale } → [out [B,h,N,d], lse [B,h,N]]
 *   SpacetimeAttentionGrad  inputs { q, k, v, mask?, out, lse, dy }, attrs { scale }
 *                           → [dq, dk, dv]
 *
 * The same kernel reads and writes token-major tensors in place, where the heads live side
 * by side in a row (the projections' own layout), so no head split or merge is needed:
 *
 *   SpacetimeAttentionTokens      attrs { heads, scale, packed }:
 *                                 packed 'qkv': inputs [qkv [B,N,3D]] or [qkv, mask]
 *                                 packed 'kv':  inputs [q [B,N,D], kv [B,M,2D]] or [q, kv, mask]
 *                                 → [out [B,N,D], lse [B,h,N]]   (D = h·d; q, k, v in that order)
 *   SpacetimeAttentionTokensGrad  inputs { qkv | q, kv; mask?, out, lse, dy } → [dqkv] or [dq, dkv]
 *
 * The gradients of SpacetimeAttention and SpacetimeAttentionTokens
 * (registerAttentionGradient) call their Grad kernels. tfjs.ts's attention(),
 * selfAttention() and crossAttention() use these wherever the active backend has them
 * registered, and tfjs ops everywhere else. The mask must be float32 here (0 = padded
 * key, anything else = keep); tfjs.ts casts it.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from '../native/index.js';

export const ATTENTION_KERNEL = 'SpacetimeAttention';
export const ATTENTION_GRAD_KERNEL = 'SpacetimeAttentionGrad';
export const ATTENTION_TOKENS_KERNEL = 'SpacetimeAttentionTokens';
export const ATTENTION_TOKENS_GRAD_KERNEL = 'SpacetimeAttentionTokensGrad';

export interface AttentionKernelAttrs extends NamedAttrMap {
  /** Multiplies q·kᵀ before the softmax. */
  scale: number;
}

export interface AttentionTokensKernelAttrs extends AttentionKernelAttrs {
  heads: number;
  /** 'qkv': one input [B, N, 3D] holds q, k and v; 'kv': q [B, N, D] and kv [B, M, 2D]. */
  packed: 'qkv' | 'kv';
}

/** The addon's attention entry points (absent from builds older than the fused kernel). */
type AttentionAddon = Required<Pick<NativeAddon, 'attentionForward' | 'attentionBackward'>>;

/** True when this addon build has the fused attention kernels. */
export function hasNativeAttention(addon: NativeAddon): addon is NativeAddon & AttentionAddon {
  return typeof addon.attentionForward === 'function' && typeof addon.attentionBackward === 'function';
}

/**
 * True when this addon's attention takes row strides (token-major layouts): a 1×1 probe,
 * since builds before them have the same entry points and refuse the extra argument.
 */
export function hasTokenAttention(addon: NativeAddon & AttentionAddon): boolean {
  const one = () => new Float32Array(1);
  try {
    addon.attentionForward(one(), one(), one(), null, one(), one(), 1, 1, 1, 1, 1, 1, [1, 1, 1, 1]);
    return true;
  } catch {
    return false;
  }
}

function dimsOf(q: TensorInfo, k: TensorInfo) {
  const [batch, heads, queries, headDim] = q.shape;
  return { batch, heads, queries, keys: k.shape[2], headDim };
}

function checkFloat32(kernel: string, tensors: Record<string, TensorInfo | undefined>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t && t.dtype !== 'float32') throw new Error(`${kernel}: ${name} must be float32, got ${t.dtype}`);
  }
}

/** The forward and backward kernel configs for `backendName` (a wasm-heap backend). */
export function makeAttentionKernels(addon: NativeAddon & AttentionAddon, backendName: string): KernelConfig[] {
  const forward = (args: { inputs: TensorInfo[]; backend: BackendWasm; attrs: AttentionKernelAttrs }): TensorInfo[] => {
    const { inputs, backend, attrs } = args;
    const [q, k, v, mask] = inputs;
    checkFloat32(ATTENTION_KERNEL, { q, k, v, mask });
    const { batch, heads, queries, keys, headDim } = dimsOf(q, k);
    const out = backend.makeOutput(q.shape, 'float32');
    const lse = backend.makeOutput([batch, heads, queries], 'float32');
    // Views after allocating: making the outputs may grow (and move) the heap.
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    addon.attentionForward(
      view(q), view(k), view(v), mask ? view(mask) : null, view(out), view(lse),
      batch, heads, queries, keys, headDim, attrs.scale,
    );
    return [out, lse];
  };
  const backward = (args: { inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: AttentionKernelAttrs }): TensorInfo[] => {
    const { inputs, backend, attrs } = args;
    const { q, k, v, mask, out, lse, dy } = inputs;
    checkFloat32(ATTENTION_GRAD_KERNEL, inputs);
    const { batch, heads, queries, keys, headDim } = dimsOf(q, k);
    const dq = backend.makeOutput(q.shape, 'float32');
    const dk = backend.makeOutput(k.shape, 'float32');
    const dv = backend.makeOutput(v.shape, 'float32');
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    addon.attentionBackward(
      view(q), view(k), view(v), mask ? view(mask) : null, view(out), view(lse), view(dy),
      view(dq), view(dk), view(dv), batch, heads, queries, keys, headDim, attrs.scale,
    );
    return [dq, dk, dv];
  };
  return [
    { kernelName: ATTENTION_KERNEL, backendName, kernelFunc: forward as unknown as KernelFunc },
    { kernelName: ATTENTION_GRAD_KERNEL, backendName, kernelFunc: backward as unknown as KernelFunc },
  ];
}

/**
 * A token-major call's dimensions, checked, and where q, k, v start in its inputs: q, k, v
 * are columns [0, D), [D, 2D), [2D, 3D) of qkv, or q and columns [0, D), [D, 2D) of kv; the
 * row strides are [q, k, v, out]. Gradients share their inputs' layout.
 */
function tokenLayout(packed: 'qkv' | 'kv', heads: number, inputs: TensorInfo[]) {
  if (packed === 'qkv') {
    const [batch, queries, width] = inputs[0].shape;
    if (inputs[0].shape.length !== 3 || width % (3 * heads) !== 0) {
      throw new Error(`${ATTENTION_TOKENS_KERNEL}: qkv must be [B, N, 3·heads·d], got [${inputs[0].shape}] for ${heads} heads`);
    }
    const D = width / 3;
    return { batch, queries, keys: queries, D, offsets: [[0, 0], [0, D], [0, 2 * D]], strides: [3 * D, 3 * D, 3 * D, D] };
  }
  const [q, kv] = inputs;
  const [batch, queries, D] = q.shape;
  if (q.shape.length !== 3 || kv.shape.length !== 3 || kv.shape[0] !== batch || kv.shape[2] !== 2 * D || D % heads !== 0) {
    throw new Error(`${ATTENTION_TOKENS_KERNEL}: q must be [B, N, heads·d] and kv [B, M, 2·heads·d], got [${q.shape}] and [${kv.shape}] for ${heads} heads`);
  }
  return { batch, queries, keys: kv.shape[1], D, offsets: [[0, 0], [1, 0], [1, D]], strides: [D, 2 * D, 2 * D, D] };
}

/** q, k, v as views into `tensors` (the inputs, or their gradients) at the layout's offsets; take them after every makeOutput. */
function tokenViews(offsets: number[][], tensors: TensorInfo[], view: (t: TensorInfo) => Float32Array): Float32Array[] {
  return offsets.map(([tensor, column]) => view(tensors[tensor]).subarray(column));
}

/** SpacetimeAttentionTokens and its Grad kernel for `backendName` (a wasm-heap backend). */
export function makeTokenAttentionKernels(addon: NativeAddon & AttentionAddon, backendName: string): KernelConfig[] {
  const forward = (args: { inputs: TensorInfo[]; backend: BackendWasm; attrs: AttentionTokensKernelAttrs }): TensorInfo[] => {
    const { inputs, backend, attrs } = args;
    const { heads, packed, scale } = attrs;
    const sources = inputs.slice(0, packed === 'qkv' ? 1 : 2);
    const mask = inputs[sources.length] as TensorInfo | undefined;
    const names = packed === 'qkv' ? ['qkv', 'mask'] : ['q', 'kv', 'mask'];
    checkFloat32(ATTENTION_TOKENS_KERNEL, Object.fromEntries(inputs.map((t, i) => [names[i], t])));
    const l = tokenLayout(packed, heads, sources);
    const out = backend.makeOutput([l.batch, l.queries, l.D], 'float32');
    const lse = backend.makeOutput([l.batch, heads, l.queries], 'float32');
    // Views after allocating: making the outputs may grow (and move) the heap.
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    const [q, k, v] = tokenViews(l.offsets, sources, view);
    addon.attentionForward(
      q, k, v, mask ? view(mask) : null, view(out), view(lse),
      l.batch, heads, l.queries, l.keys, l.D / heads, scale, l.strides,
    );
    return [out, lse];
  };
  const backward = (args: { inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: AttentionTokensKernelAttrs }): TensorInfo[] => {
    const { inputs, backend, attrs } = args;
    const { heads, packed, scale } = attrs;
    const { mask, out, lse, dy } = inputs;
    checkFloat32(ATTENTION_TOKENS_GRAD_KERNEL, inputs);
    const sources = packed === 'qkv' ? [inputs.qkv] : [inputs.q, inputs.kv];
    const l = tokenLayout(packed, heads, sources);
    const grads = sources.map((x) => backend.makeOutput(x.shape, 'float32'));
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    const [q, k, v] = tokenViews(l.offsets, sources, view);
    const [dq, dk, dv] = tokenViews(l.offsets, grads, view);
    addon.attentionBackward(
      q, k, v, mask ? view(mask) : null, view(out), view(lse), view(dy),
      dq, dk, dv, l.batch, heads, l.queries, l.keys, l.D / heads, scale, l.strides,
    );
    return grads;
  };
  return [
    { kernelName: ATTENTION_TOKENS_KERNEL, backendName, kernelFunc: forward as unknown as KernelFunc },
    { kernelName: ATTENTION_TOKENS_GRAD_KERNEL, backendName, kernelFunc: backward as unknown as KernelFunc },
  ];
}

/**
 * SpacetimeAttention's gradient: one SpacetimeAttentionGrad call gives dq, dk and dv
 * (computed at once, as customGrad does, then handed out per input); the mask gets zeros.
 */
export const attentionGradConfig: GradConfig = {
  kernelName: ATTENTION_KERNEL,
  saveAllInputs: true, // inputs are an array: [q, k, v] or [q, k, v, mask]
  outputsToSave: [true, true], // out, lse
  gradFunc: (dys, saved, attrs) => {
    const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor; // lse is internal: its dy is ignored
    const [q, k, v] = saved;
    const mask = saved.length === 6 ? saved[3] : undefined;
    const [out, lse] = saved.slice(-2);
    const inputs = { q, k, v, out, lse, dy, ...(mask ? { mask } : {}) };
    const [dq, dk, dv] = tf.engine().runKernel(ATTENTION_GRAD_KERNEL, inputs, attrs as unknown as NamedAttrMap) as tf.Tensor[];
    return { 0: () => dq, 1: () => dk, 2: () => dv, ...(mask ? { 3: () => tf.zerosLike(mask) } : {}) };
  },
};

/**
 * SpacetimeAttentionTokens' gradient: one SpacetimeAttentionTokensGrad call gives the
 * gradient of the packed input(s) (dqkv, or dq and dkv); the mask gets zeros.
 */
export const attentionTokensGradConfig: GradConfig = {
  kernelName: ATTENTION_TOKENS_KERNEL,
  saveAllInputs: true, // [qkv, mask?] or [q, kv, mask?]
  outputsToSave: [true, true], // out, lse
  gradFunc: (dys, saved, attrs) => {
    const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor; // lse is internal: its dy is ignored
    const { packed } = attrs as unknown as AttentionTokensKernelAttrs;
    const tensors = packed === 'qkv' ? 1 : 2;
    const sources: tf.NamedTensorMap = packed === 'qkv' ? { qkv: saved[0] } : { q: saved[0], kv: saved[1] };
    const mask = saved.length === tensors + 3 ? saved[tensors] : undefined;
    const [out, lse] = saved.slice(-2);
    const inputs = { ...sources, out, lse, dy, ...(mask ? { mask } : {}) };
    const grads = tf.engine().runKernel(ATTENTION_TOKENS_GRAD_KERNEL, inputs, attrs as unknown as NamedAttrMap) as tf.Tensor[];
    return Object.fromEntries([
      ...grads.map((g, i) => [i, () => g]),
      ...(mask ? [[tensors, () => tf.zerosLike(mask)]] : []),
    ]);
  },
};

/** Registers the gradients of SpacetimeAttention and SpacetimeAttentionTokens (global across backends). Idempotent. */
export function registerAttentionGradient(): void {
  if (!tf.getGradient(ATTENTION_KERNEL)) tf.registerGradient(attentionGradConfig);
  if (!tf.getGradient(ATTENTION_TOKENS_KERNEL)) tf.registerGradient(attentionTokensGradConfig);
}
