/**
 * SplitV on the `native` backend: row-block copies straight between wasm-heap views.
 * The wasm backend's SplitV goes through Slice, which first copies the whole input out
 * of the heap for every output: ~50 ms to split a [2048, 576] matrix in three, 11% of a
 * training step of the reference model.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  SplitV,
  backend_util,
  util,
  type KernelConfig,
  type KernelFunc,
  type SplitVAttrs,
  type SplitVInputs,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { wasmFallback } from './wasm-fallback.js';

export function makeSplitV(backendName: string): KernelConfig {
  const fallback = wasmFallback(SplitV);
  const kernelFunc = (args: { inputs: SplitVInputs; backend: BackendWasm; attrs: SplitVAttrs }): TensorInfo[] => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return fallback.call(args) as TensorInfo[];
    const axis = util.parseAxisParam(attrs.axis, x.shape)[0];
    const sizes = backend_util.prepareSplitSize(x as never, attrs.numOrSizeSplits, axis) as number[];
    const outer = util.sizeFromShape(x.shape.slice(0, axis));
    const inner = util.sizeFromShape(x.shape.slice(axis + 1));
    const rowLength = x.shape[axis] * inner;
    const outs = sizes.map((s) => backend.makeOutput([...x.shape.slice(0, axis), s, ...x.shape.slice(axis + 1)], x.dtype));
    // Views after allocating every output: allocation may grow (and move) the heap.
    const src = backend.typedArrayFromHeap(x);
    let offset = 0;
    outs.forEach((out, k) => {
      const dst = backend.typedArrayFromHeap(out);
      const chunk = sizes[k] * inner;
      for (let r = 0; r < outer; r++) {
        const from = r * rowLength + offset;
        dst.set(src.subarray(from, from + chunk), r * chunk);
      }
      offset += chunk;
    });
    return outs;
  };
  return { kernelName: SplitV, backendName, kernelFunc: kernelFunc as unknown as KernelFunc, setupFunc: fallback.setupFunc };
}
