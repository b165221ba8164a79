/**
 * Sum on the `native` backend over any contiguous run of axes — the reductions autodiff
 * makes for broadcasts: leading (a bias gradient: column sums of [M, out]), middle (a
 * per-sample gate [B, 1, D] against [B, N, D]) or trailing — read from the wasm heap in
 * one pass, in a fixed order (bit-identical run to run). The wasm backend transposes the
 * input first whenever the reduced axes are not innermost: 27% of a training step of
 * the reference model. Other axis patterns and dtypes go to wasm.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Sum, util, type KernelConfig, type KernelFunc, type SumAttrs, type SumInputs, type TensorInfo } from '@tensorflow/tfjs';
import { wasmFallback } from './wasm-fallback.js';

export function makeSum(backendName: string): KernelConfig {
  const fallback = wasmFallback(Sum);
  const kernelFunc = (args: { inputs: SumInputs; backend: BackendWasm; attrs: SumAttrs }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const rank = x.shape.length;
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
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    if (inner === 1) {
      // Trailing axes: one running sum per row.
      for (let o = 0; o < outer; o++) {
        let s = 0;
        const base = o * reduced;
        for (let r = 0; r < reduced; r++) s += src[base + r];
        dst[o] = s;
      }
    } else {
      // Leading or middle axes: accumulate whole rows of `inner` (a contiguous inner loop).
      dst.fill(0);
      for (let o = 0; o < outer; o++) {
        const to = o * inner;
        for (let r = 0; r < reduced; r++) {
          const from = (o * reduced + r) * inner;
          for (let i = 0; i < inner; i++) dst[to + i] += src[from + i];
        }
      }
    }
    return out;
  };
  return { kernelName: Sum, backendName, kernelFunc: kernelFunc as unknown as KernelFunc, setupFunc: fallback.setupFunc };
}
