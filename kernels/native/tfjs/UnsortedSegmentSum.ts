/**
 * UnsortedSegmentSum for the wasm-heap backends (`native`, and `wasm`, which has none):
 * the gradient of Gather — an embedding lookup — needs it, so without it a text encoder
 * cannot train off the cpu backend. out[s] = Σ x[i] over the rows i with segmentIds[i] = s,
 * accumulated in row order (bit-identical run to run).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  UnsortedSegmentSum,
  util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type UnsortedSegmentSumAttrs,
  type UnsortedSegmentSumInputs,
} from '@tensorflow/tfjs';

export function makeUnsortedSegmentSum(backendName: string): KernelConfig {
  const kernelFunc = (args: { inputs: UnsortedSegmentSumInputs; backend: BackendWasm; attrs: UnsortedSegmentSumAttrs }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const ids = inputs.segmentIds as TensorInfo;
    const { numSegments } = attrs;
    util.assert(x.dtype === 'float32' || x.dtype === 'int32', () => `UnsortedSegmentSum: dtype ${x.dtype} is not supported`);
    const rows = util.sizeFromShape(ids.shape);
    const inner = util.sizeFromShape(x.shape) / Math.max(1, rows);
    const out = backend.makeOutput([numSegments, ...x.shape.slice(ids.shape.length)], x.dtype);
    const src = backend.typedArrayFromHeap(x);
    const seg = backend.typedArrayFromHeap(ids);
    const dst = backend.typedArrayFromHeap(out);
    dst.fill(0);
    for (let r = 0; r < rows; r++) {
      const s = seg[r];
      if (s < 0 || s >= numSegments) continue; // as TensorFlow: out-of-range ids are dropped
      const from = r * inner;
      const to = s * inner;
      for (let i = 0; i < inner; i++) dst[to + i] += src[from + i];
    }
    return out;
  };
  return { kernelName: UnsortedSegmentSum, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}
