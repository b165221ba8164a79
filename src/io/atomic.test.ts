import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { ensureWritableDir, writeFileAtomic } from './atomic.js';

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temporary files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-atomic-'));
    const file = path.join(dir, 'a.json');
    writeFileAtomic(file, 'first');
    writeFileAtomic(file, new Uint8Array([104, 105]));
    expect(fs.readFileSync(file, 'utf8')).toBe('hi');
    expect(fs.readdirSync(dir)).toEqual(['a.json']);
    fs.rmSync(dir, { recursive: true });
  });

  it('fails with a one-line UserError when the folder cannot be made', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-atomic-'));
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    expect(() => ensureWritableDir(path.join(dir, 'file', 'sub'))).toThrow(UserError);
    expect(() => writeFileAtomic(path.join(dir, 'file', 'sub', 'a.json'), 'x')).toThrow(/cannot write to folder .*file\/sub \(ENOTDIR\)/);
    expect(fs.readdirSync(dir)).toEqual(['file']);
    fs.rmSync(dir, { recursive: true });
  });
});
