/**
 * The float32 unary element-wise kernels (Sigmoid, Neg, Square, Sqrt, Rsqrt) on the
 * `native` backend: the addon's multithreaded, vectorised kernel on the wasm heap,
 * zero-copy. Sigmoid (GELU goes through it) uses a ~1-ulp polynomial exp, within 1e-6
 * relative of float64. One factory: the kernels differ only in the op code. Other
 * dtypes go to wasm.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Neg, Rsqrt, Sigmoid, Sqrt, Square, type KernelConfig, type KernelFunc, type TensorInfo, type UnaryInputs } from '@tensorflow/tfjs';
import { wasmFallback } from './wasm-fallback.js';
import { UNARY_OPS, type NativeAddon, type UnaryOpName } from '../index.js';

/** tfjs kernel name → the addon's op. */
export const NATIVE_UNARY_KERNELS: Record<string, UnaryOpName> = {
  [Sigmoid]: 'sigmoid',
  [Neg]: 'neg',
  [Square]: 'square',
  [Sqrt]: 'sqrt',
  [Rsqrt]: 'rsqrt',
};

export function makeUnaryKernel(kernelName: string, addon: NativeAddon, backendName: string): KernelConfig {
  const op = UNARY_OPS[NATIVE_UNARY_KERNELS[kernelName]];
  if (op === undefined) throw new Error(`makeUnaryKernel: ${kernelName} is not one of ${Object.keys(NATIVE_UNARY_KERNELS)}`);
  const fallback = wasmFallback(kernelName);
  const kernelFunc = (args: { inputs: UnaryInputs; backend: BackendWasm }): TensorInfo => {
    const { inputs, backend } = args;
    const x = inputs.x as TensorInfo;
    if (x.dtype !== 'float32') return fallback.call(args) as TensorInfo;
    const out = backend.makeOutput(x.shape, 'float32');
    // Views after allocating: making the output may grow (and move) the heap.
    addon.unary(op, backend.typedArrayFromHeap(x) as Float32Array, backend.typedArrayFromHeap(out) as Float32Array);
    return out;
  };
  return { kernelName, backendName, kernelFunc: kernelFunc as unknown as KernelFunc, setupFunc: fallback.setupFunc };
}

/** Every unary kernel above, for the `native` backend's registration list. */
export function makeUnaryKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  return Object.keys(NATIVE_UNARY_KERNELS).map((name) => makeUnaryKernel(name, addon, backendName));
}
