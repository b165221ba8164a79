/**
 * Sum and Mean on the `native` backend over any contiguous run of axes — the reductions
 * autodiff makes for broadcasts: leading (a bias gradient: column sums of [M, out]),
 * middle (a per-sample gate [B, 1, D] against [B, N, D]) or trailing — on the addon's
 * multithreaded, vectorised reduction, reading the wasm heap zero-copy, in an order fixed
 * by the shape (bit-identical run to run). The wasm backend transposes the input first
 * whenever the reduced axes are not innermost: 27% of a training step of the reference
 * model. Other axis patterns and dtypes go to wasm.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Mean, Sum, util, type KernelConfig, type KernelFunc, type SumAttrs, type SumInputs, type TensorInfo } from '@tensorflow/tfjs';
import { wasmFallback } from './wasm-fallback.js';
import type { NativeAddon } from '../index.js';

/** Sum or Mean (same inputs and attributes): `mean` divides each sum by the reduced size. */
export function makeContiguousReduction(kernelName: typeof Sum | typeof Mean, addon: NativeAddon, backendName: string): KernelConfig {
  const fallback = wasmFallback(kernelName);
  const mean = kernelName === Mean;
  const kernelFunc = (args: { inputs: SumInputs; backend: BackendWasm; attrs: SumAttrs }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const axes = [...new Set(util.parseAxisParam(attrs.axis, x.shape))].sort((a, b) => a - b);
    const contiguous = axes.every((a, i) => a === axes[0] + i);
    if (x.dtype !== 'float32' || axes.length === 0 || !contiguous) return fallback.call(args) as TensorInfo;
    const first = axes[0];
    const last = axes[axes.length - 1];
    const outer = util.sizeFromShape(x.shape.slice(0, first));
    const reduced = util.sizeFromShape(x.shape.slice(first, last + 1));
    const inner = util.sizeFromShape(x.shape.slice(last + 1));
    const outShape = attrs.keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    const out = backend.makeOutput(outShape, 'float32');
    // Views after allocating: making the output may grow (and move) the heap.
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    addon.sum(src, dst, outer, reduced, inner, mean);
    return out;
  };
  return { kernelName, backendName, kernelFunc: kernelFunc as unknown as KernelFunc, setupFunc: fallback.setupFunc };
}

export function makeSum(addon: NativeAddon, backendName: string): KernelConfig {
  return makeContiguousReduction(Sum, addon, backendName);
}

export function makeMean(addon: NativeAddon, backendName: string): KernelConfig {
  return makeContiguousReduction(Mean, addon, backendName);
}
