/**
 * Fused adaLN on the `native` backend: the addon's row kernel
 * (kernels/native/src/layernorm_modulate*.cc) as two tfjs kernels, reading and writing
 * the wasm heap zero-copy, one pass over x forward and one over x and dy backward,
 * instead of tfjs.ts's ~10 element-wise kernels and 2 means (and their gradients, which
 * save every intermediate [B, N, D] tensor).
 *
 *   SpacetimeLayerNormModulate      inputs { x [B,N,D], shift [B,D], scale [B,D] }, attrs { epsilon }
 *                                   → [y [B,N,D], mean [B,N], rstd [B,N]]
 *   SpacetimeLayerNormModulateGrad  inputs { x, scale, mean, rstd, dy } → [dx, dscale, dshift]
 *
 * mean and rstd = 1/√(var + eps) are for the gradient (registerLayerNormModulateGradient),
 * which calls SpacetimeLayerNormModulateGrad. tfjs.ts's layerNormModulate() uses this pair
 * for float32 wherever the active backend has it registered, tfjs ops everywhere else.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from '../native/index.js';
import { layerNormModulateDims } from './shape.js';

export const LAYERNORM_MODULATE_KERNEL = 'SpacetimeLayerNormModulate';
export const LAYERNORM_MODULATE_GRAD_KERNEL = 'SpacetimeLayerNormModulateGrad';

export interface LayerNormModulateAttrs extends NamedAttrMap {
  /** Added to the variance before the square root. */
  epsilon: number;
}

type LayerNormModulateAddon = Required<Pick<NativeAddon, 'layerNormModulate' | 'layerNormModulateGrad'>>;

/** True when this addon build has the fused kernels. */
export function hasNativeLayerNormModulate(addon: NativeAddon): addon is NativeAddon & LayerNormModulateAddon {
  return typeof addon.layerNormModulate === 'function' && typeof addon.layerNormModulateGrad === 'function';
}

function checkFloat32(kernel: string, tensors: Record<string, TensorInfo>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32') throw new Error(`${kernel}: ${name} must be float32, got ${t.dtype}`);
  }
}

/** The forward and backward kernel configs for `backendName` (a wasm-heap backend). */
export function makeLayerNormModulateKernels(addon: NativeAddon & LayerNormModulateAddon, backendName: string): KernelConfig[] {
  const forward = ({ inputs, backend, attrs }: { inputs: Record<'x' | 'shift' | 'scale', TensorInfo>; backend: BackendWasm; attrs: LayerNormModulateAttrs }) => {
    const { x, shift, scale } = inputs;
    checkFloat32(LAYERNORM_MODULATE_KERNEL, inputs);
    const { batch, tokens, width } = layerNormModulateDims(x.shape, shift.shape, scale.shape);
    const y = backend.makeOutput(x.shape, 'float32');
    const mean = backend.makeOutput([batch, tokens], 'float32');
    const rstd = backend.makeOutput([batch, tokens], 'float32');
    // Views after allocating: making the outputs may grow (and move) the heap.
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    addon.layerNormModulate(view(x), view(shift), view(scale), view(y), view(mean), view(rstd), batch, tokens, width, attrs.epsilon);
    return [y, mean, rstd];
  };
  const backward = ({ inputs, backend }: { inputs: Record<'x' | 'scale' | 'mean' | 'rstd' | 'dy', TensorInfo>; backend: BackendWasm }) => {
    const { x, scale, mean, rstd, dy } = inputs;
    checkFloat32(LAYERNORM_MODULATE_GRAD_KERNEL, inputs);
    const { batch, tokens, width } = layerNormModulateDims(x.shape, scale.shape, scale.shape);
    const dx = backend.makeOutput(x.shape, 'float32');
    const dscale = backend.makeOutput(scale.shape, 'float32');
    const dshift = backend.makeOutput(scale.shape, 'float32');
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    addon.layerNormModulateGrad(view(x), view(scale), view(mean), view(rstd), view(dy), view(dx), view(dscale), view(dshift), batch, tokens, width);
    return [dx, dscale, dshift];
  };
  return [
    { kernelName: LAYERNORM_MODULATE_KERNEL, backendName, kernelFunc: forward as unknown as KernelFunc },
    { kernelName: LAYERNORM_MODULATE_GRAD_KERNEL, backendName, kernelFunc: backward as unknown as KernelFunc },
  ];
}

/** SpacetimeLayerNormModulate's gradient: one SpacetimeLayerNormModulateGrad call gives dx, dscale, dshift. */
export const layerNormModulateGradConfig: GradConfig = {
  kernelName: LAYERNORM_MODULATE_KERNEL,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true], // mean, rstd
  gradFunc: (dys, saved) => {
    const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor; // mean and rstd are internal: their dy is ignored
    const [x, scale, mean, rstd] = saved;
    const [dx, dscale, dshift] = tf.engine().runKernel(LAYERNORM_MODULATE_GRAD_KERNEL, { x, scale, mean, rstd, dy }) as tf.Tensor[];
    return { x: () => dx, shift: () => dshift, scale: () => dscale };
  },
};

/** Registers SpacetimeLayerNormModulate's gradient (global across backends). Idempotent. */
export function registerLayerNormModulateGradient(): void {
  if (!tf.getGradient(LAYERNORM_MODULATE_KERNEL)) tf.registerGradient(layerNormModulateGradConfig);
}
