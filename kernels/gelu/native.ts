/**
 * Fused GELU on the `native` backend: the addon's element-wise kernels (op `gelu` of
 * `unary`, op `geluGrad` of `binary`; kernels/native/src/elementwise_impl.h), one pass
 * each way over the wasm heap, zero-copy, instead of tfjs.ts's 7 kernels forward and ~12
 * backward, each a pass over the MLP's [B, N, 4D] activations.
 *
 *   SpacetimeGelu      inputs { x }     → y = x·σ(2√(2/π)·(x + 0.044715x³))
 *   SpacetimeGeluGrad  inputs { x, dy } → dy·gelu′(x)
 *
 * The gradient of SpacetimeGelu (registerGeluGradient) calls SpacetimeGeluGrad on the
 * saved input. float32 only: tfjs.ts sends other dtypes through tfjs ops.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { BINARY_OPS, UNARY_OPS, type NativeAddon } from '../native/index.js';

export const GELU_KERNEL = 'SpacetimeGelu';
export const GELU_GRAD_KERNEL = 'SpacetimeGeluGrad';

/** True when this addon build has the GELU ops (older builds refuse their op codes). */
export function hasNativeGelu(addon: NativeAddon): boolean {
  const one = new Float32Array(1);
  try {
    addon.unary(UNARY_OPS.gelu, one, new Float32Array(1));
    addon.binary(BINARY_OPS.geluGrad, one, one, new Float32Array(1), Int32Array.of(1, 1, 1, 1));
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

export function makeGeluKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
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
  return [
    { kernelName: GELU_KERNEL, backendName, kernelFunc: forward as unknown as KernelFunc },
    { kernelName: GELU_GRAD_KERNEL, backendName, kernelFunc: backward as unknown as KernelFunc },
  ];
}

export const geluGradConfig: GradConfig = {
  kernelName: GELU_KERNEL,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => ({ x: () => tf.engine().runKernel(GELU_GRAD_KERNEL, { x: saved[0], dy: dy as tf.Tensor }) as tf.Tensor }),
};

/** Registers SpacetimeGelu's gradient (global across backends). Idempotent. */
export function registerGeluGradient(): void {
  if (!tf.getGradient(GELU_KERNEL)) tf.registerGradient(geluGradConfig);
}
