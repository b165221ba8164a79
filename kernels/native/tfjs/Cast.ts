/**
 * Cast on the `native` backend without a copy when the dtype does not change: the output
 * shares the input's data (reference-counted, as Identity.ts does). tfjs's gradients call
 * `cast(x, 'float32')` on float32 tensors all the time (Multiply's gradient casts both
 * inputs, `tf.moments` its input), and the wasm backend's Cast copies the whole tensor
 * each time: 170 copies, 4–8% of a training step, before this kernel. A real conversion
 * (int32 → float32, float32 → bool, …) is still wasm's.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Cast, type CastAttrs, type CastInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { wasmFallback } from './wasm-fallback.js';

export function makeCast(backendName: string): KernelConfig {
  const fallback = wasmFallback(Cast);
  const kernelFunc = (args: { inputs: CastInputs; backend: BackendWasm; attrs: CastAttrs }): TensorInfo => {
    const x = args.inputs.x as TensorInfo;
    if (x.dtype !== args.attrs.dtype || x.dtype === 'string') return fallback.call(args) as TensorInfo;
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: Cast, backendName, kernelFunc: kernelFunc as unknown as KernelFunc, setupFunc: fallback.setupFunc };
}
