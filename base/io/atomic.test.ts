import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import {
  assertReplaceableFile,
  checkWritableFile,
  commitTempFile,
  ensureWritableDir,
  isTempName,
  makeStagingFolder,
  removeStaleTempFiles,
  replaceFolderAtomically,
  tempPathFor,
  writeFileAtomic,
} from './atomic.js';

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
    expect(() => writeFileAtomic(path.join(dir, 'file', 'sub', 'a.json'), 'x')).toThrow(/cannot write to folder .*file\/sub \(ENOTDIR: .*file is not a folder\)/);
    expect(fs.readdirSync(dir)).toEqual(['file']);
    fs.rmSync(dir, { recursive: true });
  });
});

const mkfifo = (file: string) => spawnSync('mkfifo', [file]).status === 0;

describe('non-regular targets', () => {
  it('refuses to replace a FIFO or a folder, leaves it as it was and no temporary file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-atomic-'));
    const fifo = path.join(dir, 'out.json');
    expect(mkfifo(fifo)).toBe(true);
    fs.mkdirSync(path.join(dir, 'folder.json'));
    expect(() => writeFileAtomic(fifo, 'x')).toThrow(/^cannot write .*out\.json: it exists and is a FIFO, not a regular file$/);
    expect(() => writeFileAtomic(path.join(dir, 'folder.json'), 'x')).toThrow(/it exists and is a folder, not a regular file/);
    expect(() => checkWritableFile(fifo)).toThrow(UserError);
    const tmp = tempPathFor(fifo);
    fs.writeFileSync(tmp, 'made by a tool');
    expect(() => commitTempFile(tmp, fifo)).toThrow(/is a FIFO/);
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
    fs.rmSync(tmp);
    expect(fs.readdirSync(dir).sort()).toEqual(['folder.json', 'out.json']);
    fs.rmSync(dir, { recursive: true });
  });

  it('accepts an absent path or a regular file (through a symlink too), and names a device', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-atomic-'));
    expect(() => assertReplaceableFile(path.join(dir, 'new.json'))).not.toThrow();
    fs.writeFileSync(path.join(dir, 'old.json'), 'x');
    fs.symlinkSync(path.join(dir, 'old.json'), path.join(dir, 'link.json'));
    expect(() => assertReplaceableFile(path.join(dir, 'link.json'))).not.toThrow();
    // Only stat'ed, never written: a symlink to the null device reads as a device.
    fs.symlinkSync('/dev/null', path.join(dir, 'null.json'));
    expect(() => assertReplaceableFile(path.join(dir, 'null.json'))).toThrow(/it exists and is a device/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('ensureWritableDir', () => {
  it('makes missing parents one by one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-atomic-'));
    ensureWritableDir(path.join(dir, 'a', 'b', 'c'));
    expect(fs.statSync(path.join(dir, 'a', 'b', 'c')).isDirectory()).toBe(true);
    ensureWritableDir(path.join(dir, 'a', 'b', 'c')); // already there
    fs.rmSync(dir, { recursive: true });
  });

  // Node's recursive mkdir loops forever on procfs (mkdir answers ENOENT while the parent exists).
  // A synchronous spin cannot be timed out inside the test worker, so it runs in a child process.
  it.skipIf(!fs.existsSync('/proc/self'))('fails at once, in one line, under /proc with a missing parent', () => {
    const script = `import { ensureWritableDir } from ${JSON.stringify(path.join(__dirname, 'atomic.ts'))};
      try { ensureWritableDir('/proc/spacetime-no-such/sub'); } catch (err) { console.log(err.message); }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 15_000 });
    expect(r.signal, 'still spinning after 15 s').toBeNull();
    expect(r.stdout.trim()).toBe('cannot write to folder /proc/spacetime-no-such/sub (ENOENT: cannot make /proc/spacetime-no-such)');
  }, 20_000);
});

describe('removeStaleTempFiles', () => {
  it('removes temporary files of processes that have exited, and keeps live ones and everything else', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-atomic-'));
    const exited = spawnSync(process.execPath, ['-e', '0']).pid; // ran and exited: its pid is free
    const files = {
      stale: `.shard-00000.bin.tmp-${exited}-0`,
      mine: path.basename(tempPathFor(path.join(dir, 'manifest.json'))),
      kept: 'shard-00000.bin',
      lookalike: 'notes.tmp-1-2',
    };
    for (const name of Object.values(files)) fs.writeFileSync(path.join(dir, name), 'x');
    expect(removeStaleTempFiles(dir)).toEqual([files.stale]);
    expect(fs.readdirSync(dir).sort()).toEqual([files.mine, files.kept, files.lookalike].sort());
    fs.rmSync(dir, { recursive: true });
  });
});

describe('replaceFolderAtomically', () => {
  /** Stage a folder for `out` holding `files`, then put it in place. */
  const writeFolder = (out: string, files: Record<string, string>) => {
    const staging = makeStagingFolder(out);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(staging, name), text);
    replaceFolderAtomically(staging, out);
  };
  const read = (dir: string) => Object.fromEntries(fs.readdirSync(dir).sort().map((name) => [name, fs.readFileSync(path.join(dir, name), 'utf8')]));

  it('creates a new folder, making its parents, and leaves nothing else beside it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-atomic-'));
    const out = path.join(dir, 'runs', 'a');
    writeFolder(out, { 'x.json': '1' });
    expect(read(out)).toEqual({ 'x.json': '1' });
    expect(fs.readdirSync(path.join(dir, 'runs'))).toEqual(['a']);
    fs.rmSync(dir, { recursive: true });
  });

  it('replaces an existing folder whole: none of the old files stay, no temporary folder is left', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-atomic-'));
    const out = path.join(dir, 'a');
    writeFolder(out, { 'x.json': 'old', 'only-old.json': 'old' });
    writeFolder(out, { 'x.json': 'new' });
    expect(read(out)).toEqual({ 'x.json': 'new' });
    expect(fs.readdirSync(dir)).toEqual(['a']);
    fs.rmSync(dir, { recursive: true });
  });

  it('stages beside the folder under a temporary name, so listings and stale-file cleanup know it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-atomic-'));
    const staging = makeStagingFolder(path.join(dir, 'a'));
    expect(path.dirname(staging)).toBe(dir);
    expect(isTempName(path.basename(staging))).toBe(true);
    expect(path.basename(staging).startsWith('.a.tmp-')).toBe(true);
    fs.rmSync(dir, { recursive: true });
  });

  it('leaves the old folder as it was when the new one cannot be put in place', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-atomic-'));
    const out = path.join(dir, 'a');
    writeFolder(out, { 'x.json': 'old' });
    const staging = makeStagingFolder(out);
    fs.writeFileSync(path.join(staging, 'x.json'), 'new');
    fs.rmSync(staging, { recursive: true }); // gone before the rename into place: it fails
    expect(() => replaceFolderAtomically(staging, out)).toThrow(/ENOENT/);
    expect(read(out)).toEqual({ 'x.json': 'old' });
    expect(fs.readdirSync(dir)).toEqual(['a']); // the old folder is back, not left aside
    fs.rmSync(dir, { recursive: true });
  });
});
