import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ADAMW_KERNEL } from '../../kernels/adamw/native.js';
import { testValues } from '../../base/compute/spec-backends.js';
import { registerNativeBackend } from '../../base/compute/native-backend.js';
import { AdamW } from './adamw.js';

await tf.setBackend('cpu');

describe('AdamW', () => {
  it('matches a hand-computed torch.optim.AdamW trajectory', () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const opt = new AdamW({ p }, { lr: 0.1, weightDecay: 0.5 });
    // float64 reference of torch.optim.AdamW with grads g = 2·p (loss = Σ p²)
    let ref = [1, -2];
    let m = [0, 0];
    let v = [0, 0];
    for (let t = 1; t <= 3; t++) {
      const g = ref.map((x) => 2 * x);
      opt.step({ p: tf.tensor1d(g) });
      m = m.map((mi, i) => 0.9 * mi + 0.1 * g[i]);
      v = v.map((vi, i) => 0.999 * vi + 0.001 * g[i] ** 2);
      ref = ref.map((x, i) => x * (1 - 0.1 * 0.5) - (0.1 * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8));
    }
    const got = p.dataSync();
    ref.forEach((r, i) => expect(got[i]).toBeCloseTo(r, 5));
  });
});

describe('AdamW on every backend', () => {
  const nativeMissing = registerNativeBackend();

  /** 4 steps of AdamW on two parameters (one large enough to split across threads); p, m, v bytes. */
  async function trajectory(backend: string): Promise<{ bytes: Buffer; kernels: string[]; bytesInUse: number[] }> {
    await tf.setBackend(backend);
    const shapes = { w: [192, 768], b: [192] };
    const params: Record<string, tf.Variable> = {};
    for (const [name, shape] of Object.entries(shapes)) params[name] = tf.variable(tf.tensor(testValues(shape[0] * (shape[1] ?? 1), 1), shape), true, `adamw-test-${backend}-${name}`);
    const opt = new AdamW(params, { lr: 0.01, weightDecay: 0.1 });
    const bytesInUse: number[] = [];
    let kernels: string[] = [];
    for (let step = 1; step <= 4; step++) {
      const grads = tf.tidy(() => Object.fromEntries(Object.entries(params).map(([name, p]) => [name, tf.tensor(testValues(p.size, 10 * step + name.length, 0.1), p.shape)])));
      const profile = await tf.profile(() => opt.step(grads, 0.01 / step));
      kernels = profile.kernelNames;
      tf.dispose(Object.values(grads));
      bytesInUse.push(tf.memory().numBytes);
    }
    const all = [...Object.values(params), ...Object.values(opt.m), ...Object.values(opt.v)];
    const bytes = Buffer.concat(all.map((t) => Buffer.from((t.dataSync() as Float32Array).buffer)));
    opt.dispose();
    tf.dispose(Object.values(params));
    return { bytes, kernels, bytesInUse };
  }

  it('gives the same bits on cpu and wasm (tfjs ops) and native (the fused kernel), with no memory growth', async () => {
    const cpu = await trajectory('cpu');
    const wasm = await trajectory('wasm');
    expect(wasm.bytes.equals(cpu.bytes)).toBe(true);
    expect(cpu.kernels).toContain('Multiply');
    if (nativeMissing) return console.log(`AdamW: native skipped (${nativeMissing})`);
    const native = await trajectory('native');
    expect(native.bytes.equals(cpu.bytes)).toBe(true);
    if (tf.getKernel(ADAMW_KERNEL, 'native')) expect(native.kernels).toEqual([ADAMW_KERNEL]); // nothing else runs
    expect(new Set(native.bytesInUse.slice(1)).size).toBe(1); // steps 2..4 allocate nothing that stays
  });
});
