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
 * The gradient of SpacetimeAttention (registerAttentionGradient) calls
 * SpacetimeAttentionGrad. tfjs.ts's attention() uses this pair wherever the active backend
 * has SpacetimeAttention registered, and tfjs ops everywhere else. The mask must be
 * float32 here (0 = padded key, anything else = keep); attention() casts it.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from '../native/index.js';

export const ATTENTION_KERNEL = 'SpacetimeAttention';
export const ATTENTION_GRAD_KERNEL = 'SpacetimeAttentionGrad';

export interface AttentionKernelAttrs extends NamedAttrMap {
  /** Multiplies q·kᵀ before the softmax. */
  scale: number;
}

/** The addon's attention entry points (absent from builds older than the fused kernel). */
type AttentionAddon = Required<Pick<NativeAddon, 'attentionForward' | 'attentionBackward'>>;

/** True when this addon build has the fused attention kernels. */
export function hasNativeAttention(addon: NativeAddon): addon is NativeAddon & AttentionAddon {
  return typeof addon.attentionForward === 'function' && typeof addon.attentionBackward === 'function';
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

/** Registers SpacetimeAttention's gradient (global across backends). Idempotent. */
export function registerAttentionGradient(): void {
  if (!tf.getGradient(ATTENTION_KERNEL)) tf.registerGradient(attentionGradConfig);
}
