/**
 * The wasm backend's own kernel, for the inputs a native kernel leaves to it (dtypes,
 * axis patterns, broadcasts it does not handle). A native kernel config must carry the
 * wasm kernel's `setupFunc`: wasm kernels bind their wasm exports in it, when the
 * backend that owns them starts.
 */
import { getKernel, type KernelConfig, type KernelFunc, type KernelSetupFunc, type TensorInfo } from '@tensorflow/tfjs';

export interface WasmFallback {
  call(args: unknown): TensorInfo | TensorInfo[];
  setupFunc?: KernelSetupFunc;
}

export function wasmFallback(kernelName: string): WasmFallback {
  const kernel = getKernel(kernelName, 'wasm') as KernelConfig | undefined;
  if (!kernel) throw new Error(`the wasm backend has no ${kernelName} kernel to fall back to`);
  return { call: (args) => (kernel.kernelFunc as KernelFunc)(args as never), setupFunc: kernel.setupFunc };
}
