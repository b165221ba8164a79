/**
 * Patchify / unpatchify on the `native` backend: the addon's permutation kernel
 * (kernels/native/src/patch_embed.cc), one pass over the video reading and writing the
 * wasm heap zero-copy, instead of tfjs.ts's three reshape+transpose steps.
 *
 *   SpacetimePatchify    inputs { x: video [B, C, T, H, W] }, attrs { patch }       → tokens [B, N, F]
 *   SpacetimeUnpatchify  inputs { x: tokens [B, N, F] }, attrs { patch, videoShape } → video [B, C, T, H, W]
 *
 * Each is the other's gradient (registerPatchEmbedGradients). float32 only: tfjs.ts
 * sends other dtypes, and every backend without these kernels, through tfjs ops.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from '../native/index.js';
import { type Tubelet, patchGrid, unpatchGrid } from './shape.js';

export const PATCHIFY_KERNEL = 'SpacetimePatchify';
export const UNPATCHIFY_KERNEL = 'SpacetimeUnpatchify';

export interface PatchifyAttrs extends NamedAttrMap {
  patch: number[];
}
export interface UnpatchifyAttrs extends NamedAttrMap {
  patch: number[];
  /** [C, T, H, W] */
  videoShape: number[];
}

type PatchEmbedAddon = Required<Pick<NativeAddon, 'patchEmbed'>>;

/** True when this addon build has the patch-embed kernel. */
export function hasNativePatchEmbed(addon: NativeAddon): addon is NativeAddon & PatchEmbedAddon {
  return typeof addon.patchEmbed === 'function';
}

export function makePatchEmbedKernels(addon: NativeAddon & PatchEmbedAddon, backendName: string): KernelConfig[] {
  const run = (backend: BackendWasm, x: TensorInfo, videoShape: number[], patch: Tubelet, toTokens: boolean): TensorInfo => {
    if (x.dtype !== 'float32') throw new Error(`${toTokens ? PATCHIFY_KERNEL : UNPATCHIFY_KERNEL}: x must be float32, got ${x.dtype}`);
    const g = patchGrid(videoShape, patch, toTokens ? 'patchify' : 'unpatchify');
    const out = backend.makeOutput(toTokens ? [g.batch, g.tokens, g.features] : videoShape, 'float32');
    // Views after allocating: making the output may grow (and move) the heap.
    const [xView, outView] = [x, out].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
    const [video, tokens] = toTokens ? [xView, outView] : [outView, xView];
    addon.patchEmbed(video, tokens, g.batch, g.channels, g.frames, g.height, g.width, ...g.patch, toTokens);
    return out;
  };
  const patchify = ({ inputs, backend, attrs }: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: PatchifyAttrs }) =>
    run(backend, inputs.x, inputs.x.shape, attrs.patch as unknown as Tubelet, true);
  const unpatchify = ({ inputs, backend, attrs }: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: UnpatchifyAttrs }) => {
    const g = unpatchGrid(inputs.x.shape, attrs.videoShape, attrs.patch as unknown as Tubelet);
    return run(backend, inputs.x, [g.batch, ...attrs.videoShape], attrs.patch as unknown as Tubelet, false);
  };
  return [
    { kernelName: PATCHIFY_KERNEL, backendName, kernelFunc: patchify as unknown as KernelFunc },
    { kernelName: UNPATCHIFY_KERNEL, backendName, kernelFunc: unpatchify as unknown as KernelFunc },
  ];
}

const patchifyGrad: GradConfig = {
  kernelName: PATCHIFY_KERNEL,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const videoShape = saved[0].shape.slice(1);
    const { patch } = attrs as unknown as PatchifyAttrs;
    return { x: () => tf.engine().runKernel(UNPATCHIFY_KERNEL, { x: dy as tf.Tensor }, { patch, videoShape }) as tf.Tensor };
  },
};

const unpatchifyGrad: GradConfig = {
  kernelName: UNPATCHIFY_KERNEL,
  gradFunc: (dy, _saved, attrs) => {
    const { patch } = attrs as unknown as UnpatchifyAttrs;
    return { x: () => tf.engine().runKernel(PATCHIFY_KERNEL, { x: dy as tf.Tensor }, { patch }) as tf.Tensor };
  },
};

/** Registers each kernel's gradient (global across backends). Idempotent. */
export function registerPatchEmbedGradients(): void {
  for (const config of [patchifyGrad, unpatchifyGrad]) if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
}
