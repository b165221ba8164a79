/**
 * Identity on the `native` backend without a copy: the output shares the input's data
 * (reference-counted, as the cpu backend and wasm's Reshape already do). The wasm
 * backend's Identity copies the whole tensor, and tfjs's autodiff calls it for every
 * gradient it passes through unchanged: 10% of a training step before this kernel.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Identity, type IdentityInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { wasmFallback } from './wasm-fallback.js';

export function makeIdentity(backendName: string): KernelConfig {
  const fallback = wasmFallback(Identity);
  const kernelFunc = (args: { inputs: IdentityInputs; backend: BackendWasm }): TensorInfo => {
    const x = args.inputs.x as TensorInfo;
    if (x.dtype === 'string') return fallback.call(args) as TensorInfo;
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: Identity, backendName, kernelFunc: kernelFunc as unknown as KernelFunc, setupFunc: fallback.setupFunc };
}
