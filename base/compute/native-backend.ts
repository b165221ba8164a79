/**
 * The `native` tfjs backend: a second instance of the wasm backend (its fast
 * element-wise kernels, its heap) with the heavy kernels replaced by the native addon's
 * multithreaded AVX-512/AVX2 versions, which read and write the wasm heap zero-copy.
 *
 * Registered on demand (registerNativeBackend) so that importing this file costs
 * nothing when the addon is absent.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { hasNativeAdamW, makeAdamWKernel } from '../../kernels/adamw/native.js';
import {
  hasNativeAttention, hasTokenAttention, makeAttentionKernels, makeTokenAttentionKernels, registerAttentionGradient,
} from '../../kernels/attention/native.js';
import { hasNativeEma, makeEmaKernel } from '../../kernels/ema/native.js';
import { hasNativeGelu, makeGeluKernels, registerGeluGradients } from '../../kernels/gelu/native.js';
import { hasNativeLayerNormModulate, makeLayerNormModulateKernels, registerLayerNormModulateGradient } from '../../kernels/layernorm-modulate/native.js';
import { makeBatchMatMul } from '../../kernels/native/tfjs/BatchMatMul.js';
import { makeCast } from '../../kernels/native/tfjs/Cast.js';
import { hasNativePatchEmbed, makePatchEmbedKernels, registerPatchEmbedGradients } from '../../kernels/patch-embed/native.js';
import { makeBinaryKernels, NATIVE_BINARY_KERNELS } from '../../kernels/native/tfjs/binary-ops.js';
import { makeIdentity } from '../../kernels/native/tfjs/Identity.js';
import { makeSplitV } from '../../kernels/native/tfjs/SplitV.js';
import { makeMean, makeSum } from '../../kernels/native/tfjs/Sum.js';
import { makeUnaryKernels, NATIVE_UNARY_KERNELS } from '../../kernels/native/tfjs/unary-ops.js';
import { makeUnsortedSegmentSum } from '../../kernels/native/tfjs/UnsortedSegmentSum.js';
import { loadNative, nativeUnavailableReason } from '../../kernels/native/index.js';

export const NATIVE_BACKEND = 'native';
/** Kernels the native backend replaces; everything else is the wasm backend's own. */
export const NATIVE_KERNELS = [
  'BatchMatMul', 'Identity', 'Cast', 'SplitV', 'Sum', 'Mean', 'UnsortedSegmentSum',
  ...Object.keys(NATIVE_BINARY_KERNELS), // Add, Sub, Multiply, RealDiv, SquaredDifference
  ...Object.keys(NATIVE_UNARY_KERNELS), // Sigmoid, Neg, Square, Sqrt, Rsqrt
] as const;

/**
 * Register the `native` backend if the addon loads. Returns null on success, else the
 * reason it is unavailable (one line).
 */
export function registerNativeBackend(priority = 0): string | null {
  registerWasmGaps();
  if (tf.findBackendFactory(NATIVE_BACKEND)) return null;
  const addon = loadNative();
  if (!addon) return nativeUnavailableReason();
  const wasmFactory = tf.findBackendFactory('wasm');
  if (!wasmFactory) return 'the wasm backend is not registered';
  tf.registerBackend(NATIVE_BACKEND, wasmFactory, priority);
  tf.copyRegisteredKernels('wasm', NATIVE_BACKEND);
  const configs = [
    makeBatchMatMul(addon, NATIVE_BACKEND),
    makeIdentity(NATIVE_BACKEND),
    // SPACETIME_NATIVE_CAST=0 keeps wasm's copying Cast (for A/B timing).
    ...(process.env.SPACETIME_NATIVE_CAST === '0' ? [] : [makeCast(NATIVE_BACKEND)]),
    makeSplitV(NATIVE_BACKEND),
    makeSum(addon, NATIVE_BACKEND),
    makeMean(addon, NATIVE_BACKEND),
    makeUnsortedSegmentSum(NATIVE_BACKEND),
    // SPACETIME_NATIVE_ELEMENTWISE=0 keeps wasm's element-wise kernels (for A/B timing).
    ...(process.env.SPACETIME_NATIVE_ELEMENTWISE === '0' ? [] : [...makeBinaryKernels(addon, NATIVE_BACKEND), ...makeUnaryKernels(addon, NATIVE_BACKEND)]),
  ];
  for (const config of configs) {
    tf.unregisterKernel(config.kernelName, NATIVE_BACKEND);
    tf.registerKernel(config);
  }
  // Fused attention (kernels/attention/native.ts): its own kernel names, so nothing of
  // wasm's is replaced; an addon built before it simply leaves attention on tfjs ops.
  if (hasNativeAttention(addon)) {
    for (const config of makeAttentionKernels(addon, NATIVE_BACKEND)) tf.registerKernel(config);
    // SPACETIME_NATIVE_TOKEN_ATTENTION=0: heads split and merged by tfjs ops around it (for A/B timing).
    if (hasTokenAttention(addon) && process.env.SPACETIME_NATIVE_TOKEN_ATTENTION !== '0')
      for (const config of makeTokenAttentionKernels(addon, NATIVE_BACKEND)) tf.registerKernel(config);
    registerAttentionGradient();
  }
  if (hasNativePatchEmbed(addon)) {
    for (const config of makePatchEmbedKernels(addon, NATIVE_BACKEND)) tf.registerKernel(config);
    registerPatchEmbedGradients();
  }
  // Fused adaLN, LayerNorm + modulate (kernels/layernorm-modulate/native.ts);
  // SPACETIME_NATIVE_ADALN=0 leaves it on tfjs ops (for A/B timing).
  if (hasNativeLayerNormModulate(addon) && process.env.SPACETIME_NATIVE_ADALN !== '0') {
    for (const config of makeLayerNormModulateKernels(addon, NATIVE_BACKEND)) tf.registerKernel(config);
    registerLayerNormModulateGradient();
  }
  // Fused GELU (kernels/gelu/native.ts); SPACETIME_NATIVE_GELU=0 leaves it on tfjs ops.
  if (hasNativeGelu(addon) && process.env.SPACETIME_NATIVE_GELU !== '0') {
    for (const config of makeGeluKernels(addon, NATIVE_BACKEND)) tf.registerKernel(config);
    registerGeluGradients();
  }
  // Fused AdamW (kernels/adamw/native.ts); SPACETIME_NATIVE_ADAMW=0 leaves AdamW on tfjs
  // ops (for A/B timing).
  if (hasNativeAdamW(addon) && process.env.SPACETIME_NATIVE_ADAMW !== '0') {
    tf.registerKernel(makeAdamWKernel(addon, NATIVE_BACKEND));
  }
  // Fused EMA update (kernels/ema/native.ts); SPACETIME_NATIVE_EMA=0 leaves it on tfjs ops.
  if (hasNativeEma(addon) && process.env.SPACETIME_NATIVE_EMA !== '0') tf.registerKernel(makeEmaKernel(addon, NATIVE_BACKEND));
  return null;
}

/**
 * Kernels the stock wasm backend lacks that training needs (the gradient of Gather), so
 * the plain `wasm` backend can train too. Idempotent.
 */
export function registerWasmGaps(): void {
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) tf.registerKernel(makeUnsortedSegmentSum('wasm'));
}
