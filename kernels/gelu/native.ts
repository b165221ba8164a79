/**
 * Fused GELU on the `native` backend: the addon's element-wise kernels (op `gelu` of
 * `unary`, op `geluGrad` of `binary`; kernels/native/src/elementwise_impl.h), one pass
 * each way over the wasm heap, zero-copy, instead of tfjs.ts's 7 kernels forward and ~12
 * backward, each a pass over the MLP's [B, N, 4D] activations.
 *
 *   SpacetimeGelu      inputs { x }     → y = x·σ(2√(2/π)·(x + 0.044715x³))
 *   SpacetimeGeluGrad  inputs { x, dy } → dy·gelu′(x)
 *
 *   SpacetimeBiasGelu      inputs { x [..., N], bias [N] } → gelu(x + bias)   (binary op `biasGelu`)
 *   SpacetimeBiasGeluGrad  inputs { x, bias, dy } → d(x + bias)               (addon's `biasGeluGrad`)
 *
 * The second pair is a linear layer's bias add and GELU in one pass each way: the MLP's
 * fc1 output is read once instead of being added to, written, and read again.
 * The gradient of SpacetimeGelu (registerGeluGradients) calls SpacetimeGeluGrad on the
 * saved input; SpacetimeBiasGelu's, SpacetimeBiasGeluGrad on the saved x and bias, and its
 * bias gradient is that summed over the leading axes exactly as tfjs's Add gradient sums
 * it (the same Sum call, so the same bits). float32 only: tfjs.ts sends other dtypes
 * through tfjs ops.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { BINARY_OPS, UNARY_OPS, broadcastDims, type NativeAddon } from '../native/index.js';

export const GELU_KERNEL = 'SpacetimeGelu';
export const GELU_GRAD_KERNEL = 'SpacetimeGeluGrad';
export const BIAS_GELU_KERNEL = 'SpacetimeBiasGelu';
export const BIAS_GELU_GRAD_KERNEL = 'SpacetimeBiasGeluGrad';

type BiasGeluAddon = Required<Pick<NativeAddon, 'biasGeluGrad'>>;

/** True when this addon build has the GELU ops (older builds lack biasGeluGrad and refuse the op codes). */
export function hasNativeGelu(addon: NativeAddon): addon is NativeAddon & BiasGeluAddon {
  if (typeof addon.biasGeluGrad !== 'function') return false;
  const one = new Float32Array(1);
  try {
    addon.unary(UNARY_OPS.gelu, one, new Float32Array(1));
    addon.binary(BINARY_OPS.geluGrad, one, one, new Float32Array(1), Int32Array.of(1, 1, 1, 1));
    addon.binary(BINARY_OPS.biasGelu, one, one, new Float32Array(1), Int32Array.of(1, 1, 1, 1));
    return true;
  } catch {
    return false;
  }
}

function checkFloat32(kernel: string, tensors: Record<string, TensorInfo>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32') throw new Error(`${kernel}: ${name} must be float32, got ${t.dtype}`);
  }
}

export function makeGeluKernels(addon: NativeAddon & BiasGeluAddon, backendName: string): KernelConfig[] {
  const forward = ({ inputs, backend }: { inputs: { x: TensorInfo }; backend: BackendWasm }): TensorInfo => {
    checkFloat32(GELU_KERNEL, inputs);
    const out = backend.makeOutput(inputs.x.shape, 'float32');
    // Views after allocating: making the output may grow (and move) the heap.
    addon.unary(UNARY_OPS.gelu, backend.typedArrayFromHeap(inputs.x) as Float32Array, backend.typedArrayFromHeap(out) as Float32Array);
    return out;
  };
  const backward = ({ inputs, backend }: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm }): TensorInfo => {
    const { x, dy } = inputs;
    checkFloat32(GELU_GRAD_KERNEL, inputs);
    if (x.shape.join() !== dy.shape.join()) throw new Error(`${GELU_GRAD_KERNEL}: dy has shape [${dy.shape}], x has [${x.shape}]`);
    const out = backend.makeOutput(x.shape, 'float32');
    const n = out.shape.reduce((a, b) => a * b, 1);
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    addon.binary(BINARY_OPS.geluGrad, view(x), view(dy), view(out), Int32Array.of(1, n, 1, 1)); // rank 1, both contiguous
    return out;
  };
  const biasForward = ({ inputs, backend }: { inputs: { x: TensorInfo; bias: TensorInfo }; backend: BackendWasm }): TensorInfo => {
    const { x, bias } = inputs;
    checkFloat32(BIAS_GELU_KERNEL, inputs);
    checkBias(BIAS_GELU_KERNEL, x, bias);
    const out = backend.makeOutput(x.shape, 'float32');
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    addon.binary(BINARY_OPS.biasGelu, view(x), view(bias), view(out), broadcastDims(x.shape, bias.shape)!);
    return out;
  };
  const biasBackward = ({ inputs, backend }: { inputs: { x: TensorInfo; bias: TensorInfo; dy: TensorInfo }; backend: BackendWasm }): TensorInfo => {
    const { x, bias, dy } = inputs;
    checkFloat32(BIAS_GELU_GRAD_KERNEL, inputs);
    checkBias(BIAS_GELU_GRAD_KERNEL, x, bias);
    if (x.shape.join() !== dy.shape.join()) throw new Error(`${BIAS_GELU_GRAD_KERNEL}: dy has shape [${dy.shape}], x has [${x.shape}]`);
    const out = backend.makeOutput(x.shape, 'float32');
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    addon.biasGeluGrad(view(x), view(bias), view(dy), view(out));
    return out;
  };
  return [
    { kernelName: GELU_KERNEL, backendName, kernelFunc: forward as unknown as KernelFunc },
    { kernelName: GELU_GRAD_KERNEL, backendName, kernelFunc: backward as unknown as KernelFunc },
    { kernelName: BIAS_GELU_KERNEL, backendName, kernelFunc: biasForward as unknown as KernelFunc },
    { kernelName: BIAS_GELU_GRAD_KERNEL, backendName, kernelFunc: biasBackward as unknown as KernelFunc },
  ];
}

function checkBias(kernel: string, x: TensorInfo, bias: TensorInfo): void {
  if (bias.shape.length !== 1 || x.shape.length < 1 || bias.shape[0] !== x.shape[x.shape.length - 1]) {
    throw new Error(`${kernel}: bias must be [${x.shape[x.shape.length - 1]}] (x's last axis), got [${bias.shape}]`);
  }
}

export const geluGradConfig: GradConfig = {
  kernelName: GELU_KERNEL,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => ({ x: () => tf.engine().runKernel(GELU_GRAD_KERNEL, { x: saved[0], dy: dy as tf.Tensor }) as tf.Tensor }),
};

export const biasGeluGradConfig: GradConfig = {
  kernelName: BIAS_GELU_KERNEL,
  inputsToSave: ['x', 'bias'],
  gradFunc: (dy, saved) => {
    const [x, bias] = saved;
    const du = tf.engine().runKernel(BIAS_GELU_GRAD_KERNEL, { x, bias, dy: dy as tf.Tensor }) as tf.Tensor;
    const leading = x.shape.slice(0, -1).map((_, i) => i);
    return { x: () => du, bias: () => tf.reshape(tf.sum(du, leading), bias.shape) };
  },
};

/** Registers SpacetimeGelu's and SpacetimeBiasGelu's gradients (global across backends). Idempotent. */
export function registerGeluGradients(): void {
  for (const config of [geluGradConfig, biasGeluGradConfig]) if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
}
