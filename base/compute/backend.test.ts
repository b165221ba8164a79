// The backend resolver: order, overrides, fallbacks, one-line refusals.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { loadNative, nativeUnavailableReason } from '../../kernels/native/index.js';
import { useBackend } from './backend.js';

const root = path.resolve(__dirname, '..', '..');
const nativeBuilt = loadNative() !== null;

function backendCli(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'spacetime.js'), 'backend', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, SPACETIME_BACKEND: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

describe('useBackend', () => {
  it('picks native when the addon is built, else wasm, reporting what it skipped', async () => {
    const choice = await useBackend({ env: {} });
    expect(choice.name).toBe(nativeBuilt ? 'native' : 'wasm');
    expect(choice.skipped.map((s) => s.name)).toEqual(nativeBuilt ? ['tensorflow-gpu', 'tensorflow'] : ['tensorflow-gpu', 'tensorflow', 'native']);
    for (const s of choice.skipped) expect(s.reason).not.toContain('\n');
    if (!nativeBuilt) console.log(`native skipped: ${nativeUnavailableReason()}`);
  });

  it('obeys --backend over SPACETIME_BACKEND', async () => {
    expect((await useBackend({ env: { SPACETIME_BACKEND: 'cpu' } })).name).toBe('cpu');
    const forced = await useBackend({ requested: 'wasm', env: { SPACETIME_BACKEND: 'cpu' } });
    expect(forced).toMatchObject({ name: 'wasm', tfBackend: 'wasm', reason: 'forced by --backend' });
  });

  it('refuses an unknown or unavailable backend in one line', async () => {
    await expect(useBackend({ requested: 'tpu' })).rejects.toThrow(UserError);
    await expect(useBackend({ requested: 'tpu' })).rejects.toThrow(/unknown backend "tpu" from --backend/);
    await expect(useBackend({ env: { SPACETIME_BACKEND: 'tensorflow-gpu' } })).rejects.toThrow(
      /^backend tensorflow-gpu is not available: @tensorflow\/tfjs-node-gpu is not installed$/,
    );
  });
});

describe('spacetime backend', () => {
  it('falls back to wasm when the native addon is missing, saying why', () => {
    const r = backendCli({ SPACETIME_NATIVE_ADDON: '/nonexistent/spacetime_native.node' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^backend: wasm \(the fastest available\)/);
    expect(r.stdout).toMatch(/skipped native: \/nonexistent\/spacetime_native\.node not found/);
  });

  it('falls back when the addon file is not a loadable library', () => {
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-addon-')), 'spacetime_native.node');
    fs.writeFileSync(bad, 'not a shared library');
    const r = backendCli({ SPACETIME_NATIVE_ADDON: bad });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^backend: wasm/);
    expect(r.stdout).toMatch(/skipped native: loading .*spacetime_native\.node failed/);
    fs.rmSync(path.dirname(bad), { recursive: true });
  });

  it('exits non-zero with one line for an unavailable forced backend', () => {
    const r = backendCli({}, '--backend', 'tensorflow');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('spacetime: backend tensorflow is not available: @tensorflow/tfjs-node is not installed');
  });
});
