/**
 * The fused AdamW update on the `native` backend: the addon's one-pass loop
 * (kernels/native/src/adamw.cc) reading p, m, v, g and writing p', m', v' on the wasm heap
 * zero-copy, instead of tfjs.ts's 15 element-wise kernels per parameter tensor.
 *
 *   SpacetimeAdamW  inputs { p, m, v, g } (float32, one shape), attrs { constants, inPlace }
 *                   → [p', m', v']
 *
 * `constants` are the nine numbers of constants.ts in CONSTANT_ORDER. With `inPlace` the
 * caller promises to replace p, m and v by the outputs (AdamW.step assigns them to its
 * variables); then each output reuses its input's buffer when nothing else can see that
 * buffer: the backend's reference count is 1 (no clone, reshape or other tensor shares it)
 * and it is not also another input. Otherwise the output gets a fresh buffer, so an
 * update in place never changes a value some other tensor holds. No gradient: an
 * optimizer step is not differentiated.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from '../native/index.js';
import { CONSTANT_ORDER } from './constants.js';

export const ADAMW_KERNEL = 'SpacetimeAdamW';

export interface AdamWAttrs extends NamedAttrMap {
  /** constants.ts's AdamWConstants in CONSTANT_ORDER. */
  constants: number[];
  /** The caller replaces p, m, v by the outputs: their buffers may be reused (see above). */
  inPlace: boolean;
}

type AdamWAddon = Required<Pick<NativeAddon, 'adamw'>>;

/** True when this addon build has the AdamW kernel. */
export function hasNativeAdamW(addon: NativeAddon): addon is NativeAddon & AdamWAddon {
  return typeof addon.adamw === 'function';
}

export function makeAdamWKernel(addon: NativeAddon & AdamWAddon, backendName: string): KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs }: { inputs: Record<'p' | 'm' | 'v' | 'g', TensorInfo>; backend: BackendWasm; attrs: AdamWAttrs }): TensorInfo[] => {
    const { p, m, v, g } = inputs;
    for (const [name, x] of Object.entries(inputs)) {
      if (x.dtype !== 'float32') throw new Error(`${ADAMW_KERNEL}: ${name} must be float32, got ${x.dtype}`);
      if (x.shape.join() !== p.shape.join()) throw new Error(`${ADAMW_KERNEL}: ${name} has shape [${x.shape}], p has [${p.shape}]`);
    }
    if (attrs.constants.length !== CONSTANT_ORDER.length) throw new Error(`${ADAMW_KERNEL}: constants must hold ${CONSTANT_ORDER.join(', ')}`);
    const all = [p, m, v, g];
    const reusable = (x: TensorInfo) =>
      attrs.inPlace && backend.refCount(x.dataId) === 1 && all.filter((y) => y.dataId === x.dataId).length === 1;
    const outs = [p, m, v].map((x) => {
      if (!reusable(x)) return backend.makeOutput(x.shape, 'float32');
      backend.incRef(x.dataId); // the output is a second reference; the caller's assign drops the first
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    });
    // Views after allocating: making an output may grow (and move) the heap.
    const [pv, mv, vv, gv, po, mo, vo] = [...all, ...outs].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
    addon.adamw(pv, mv, vv, gv, po, mo, vo, Float32Array.from(attrs.constants));
    return outs;
  };
  return { kernelName: ADAMW_KERNEL, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}
