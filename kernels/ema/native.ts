/**
 * The fused EMA update on the `native` backend: the addon's one-pass loop
 * (kernels/native/src/ema*.cc) reading the average and the weights and writing the new
 * average on the wasm heap zero-copy, instead of tfjs.ts's 3 element-wise kernels (and 3
 * fresh tensors) per parameter tensor.
 *
 *   SpacetimeEma  inputs { s, p } (float32, one shape), attrs { decay, oneMinusDecay, inPlace } → s'
 *
 * `decay` and `oneMinusDecay` are doubles the addon rounds to float32 once, as tfjs.ts's
 * scalar tensors are. With `inPlace` the caller promises to replace s by the output
 * (Ema.update assigns it to its variable); the output then reuses s's buffer when nothing
 * else can see it: the backend's reference count is 1 and it is not also p (as
 * kernels/adamw/native.ts). Ema's shadow starts as `p.clone()`, which shares p's buffer
 * on native, so the first update writes a fresh buffer and every later one is in place.
 * No gradient: an EMA is not differentiated.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from '../native/index.js';

export const EMA_KERNEL = 'SpacetimeEma';

export interface EmaAttrs extends NamedAttrMap {
  decay: number;
  /** 1 − decay, computed in float64 by the caller. */
  oneMinusDecay: number;
  /** The caller replaces s by the output: its buffer may be reused (see above). */
  inPlace: boolean;
}

type EmaAddon = Required<Pick<NativeAddon, 'ema'>>;

/** True when this addon build has the EMA kernel. */
export function hasNativeEma(addon: NativeAddon): addon is NativeAddon & EmaAddon {
  return typeof addon.ema === 'function';
}

export function makeEmaKernel(addon: NativeAddon & EmaAddon, backendName: string): KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs }: { inputs: Record<'s' | 'p', TensorInfo>; backend: BackendWasm; attrs: EmaAttrs }): TensorInfo => {
    const { s, p } = inputs;
    for (const [name, x] of Object.entries(inputs)) {
      if (x.dtype !== 'float32') throw new Error(`${EMA_KERNEL}: ${name} must be float32, got ${x.dtype}`);
    }
    if (s.shape.join() !== p.shape.join()) throw new Error(`${EMA_KERNEL}: p has shape [${p.shape}], the average has [${s.shape}]`);
    const reuse = attrs.inPlace && backend.refCount(s.dataId) === 1 && s.dataId !== p.dataId;
    if (reuse) backend.incRef(s.dataId); // the output is a second reference; the caller's assign drops the first
    const out = reuse ? { dataId: s.dataId, shape: s.shape, dtype: s.dtype } : backend.makeOutput(s.shape, 'float32');
    // Views after allocating: making the output may grow (and move) the heap.
    const [sv, pv, ov] = [s, p, out].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
    addon.ema(sv, pv, ov, attrs.decay, attrs.oneMinusDecay);
    return out;
  };
  return { kernelName: EMA_KERNEL, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}
