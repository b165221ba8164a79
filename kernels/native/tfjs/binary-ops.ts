/**
 * The float32 binary element-wise kernels (Add, Sub, Multiply, RealDiv, SquaredDifference)
 * on the `native` backend: the addon's multithreaded, vectorised broadcast kernel reading
 * and writing the wasm heap zero-copy. One factory, because the five kernels differ only
 * in the op code. The wasm backend's own versions run on one thread, and Multiply alone
 * was ~15% of a training step of the reference model (it broadcasts adaLN's [B, 1, D]
 * scales and shifts against [B, N, D] tokens). Other dtypes go to wasm.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  Add,
  Multiply,
  RealDiv,
  SquaredDifference,
  Sub,
  backend_util,
  type BinaryInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { wasmFallback } from './wasm-fallback.js';
import { BINARY_OPS, broadcastDims, type BinaryOpName, type NativeAddon } from '../index.js';

/** tfjs kernel name → the addon's op. */
export const NATIVE_BINARY_KERNELS: Record<string, BinaryOpName> = {
  [Add]: 'add',
  [Sub]: 'sub',
  [Multiply]: 'mul',
  [RealDiv]: 'div',
  [SquaredDifference]: 'squaredDifference',
};

export function makeBinaryKernel(kernelName: string, addon: NativeAddon, backendName: string): KernelConfig {
  const op = BINARY_OPS[NATIVE_BINARY_KERNELS[kernelName]];
  if (op === undefined) throw new Error(`makeBinaryKernel: ${kernelName} is not one of ${Object.keys(NATIVE_BINARY_KERNELS)}`);
  const fallback = wasmFallback(kernelName);
  const kernelFunc = (args: { inputs: BinaryInputs; backend: BackendWasm }): TensorInfo => {
    const { inputs, backend } = args;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback.call(args) as TensorInfo;
    const dims = broadcastDims(a.shape, b.shape);
    if (!dims) return fallback.call(args) as TensorInfo;
    const out = backend.makeOutput(backend_util.assertAndGetBroadcastShape(a.shape, b.shape), 'float32');
    // Views after allocating: making the output may grow (and move) the heap.
    const outView = backend.typedArrayFromHeap(out) as Float32Array;
    if (outView.length === 0) return out;
    addon.binary(op, backend.typedArrayFromHeap(a) as Float32Array, backend.typedArrayFromHeap(b) as Float32Array, outView, dims);
    return out;
  };
  return { kernelName, backendName, kernelFunc: kernelFunc as unknown as KernelFunc, setupFunc: fallback.setupFunc };
}

/** Every binary kernel above, for the `native` backend's registration list. */
export function makeBinaryKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  return Object.keys(NATIVE_BINARY_KERNELS).map((name) => makeBinaryKernel(name, addon, backendName));
}
