/**
 * BatchMatMul on the `native` backend: the native packed GEMM (kernels/native) reading
 * and writing the wasm heap directly, zero-copy. The wasm backend's own BatchMatMul only
 * uses XNNPACK for untransposed single-batch products; everything else (linear layers
 * on 3-D inputs, every matmul gradient, batched attention) falls to a scalar loop there.
 *
 * Batch broadcasting: equal batch shapes, or one side with a single batch. Other
 * broadcast patterns (e.g. [2,1] × [1,3]) are delegated to the wasm kernel.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  BatchMatMul,
  util,
  type BatchMatMulAttrs,
  type BatchMatMulInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { wasmFallback } from './wasm-fallback.js';
import type { NativeAddon } from '../index.js';

function batchOf(shape: number[]): number[] {
  return shape.slice(0, -2);
}

export function makeBatchMatMul(addon: NativeAddon, backendName: string): KernelConfig {
  const fallback = wasmFallback(BatchMatMul);
  const kernelFunc = (args: { inputs: BatchMatMulInputs; backend: BackendWasm; attrs: BatchMatMulAttrs }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) {
      return fallback.call(args) as TensorInfo;
    }
    const m = transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
    const kA = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
    const kB = transposeB ? b.shape[b.shape.length - 1] : b.shape[b.shape.length - 2];
    const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    util.assert(kA === kB, () => `BatchMatMul: inner dimensions ${kA} (a ${a.shape}) and ${kB} (b ${b.shape}) differ`);
    const [ba, bb] = [batchOf(a.shape), batchOf(b.shape)];
    const [na, nb] = [util.sizeFromShape(ba), util.sizeFromShape(bb)];
    const sameBatch = ba.length === bb.length && ba.every((d, i) => d === bb[i]);
    if (!sameBatch && na !== 1 && nb !== 1) {
      return fallback.call(args) as TensorInfo;
    }
    const outBatch = na >= nb ? ba : bb;
    const out = backend.makeOutput([...outBatch, m, n], 'float32');
    if (m * n === 0) return out;
    // Views after allocating: making the output may grow (and move) the heap.
    const aView = backend.typedArrayFromHeap(a) as Float32Array;
    const bView = backend.typedArrayFromHeap(b) as Float32Array;
    const outView = backend.typedArrayFromHeap(out) as Float32Array;
    addon.gemm(aView, bView, outView, na, nb, m, n, kA, transposeA, transposeB, 1, 0);
    return out;
  };
  return { kernelName: BatchMatMul, backendName, kernelFunc: kernelFunc as unknown as KernelFunc, setupFunc: fallback.setupFunc };
}
