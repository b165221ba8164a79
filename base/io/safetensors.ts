/**
 * The safetensors format (huggingface/safetensors), read and written byte for byte as
 * the reference implementation does, so Python's `safetensors.numpy.load_file` and
 * `safetensors.torch.load_file` open our files and our files are byte-stable.
 *
 * Layout of a file:
 *
 *   [8 bytes]  N, the header length, little-endian u64
 *   [N bytes]  UTF-8 JSON header, padded with spaces to a multiple of 8:
 *              {"__metadata__":{"k":"v"},"name":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},...}
 *   [rest]     the byte buffer: every tensor row-major, little-endian, back to back;
 *              data_offsets are [begin, end) relative to the start of this buffer
 *
 * Like the reference writer we order tensors by descending dtype (I64, F32, I32, BF16,
 * F16: wider types first keeps every tensor aligned), then by name, and write
 * `__metadata__` first; unlike it we also sort the metadata keys, which it leaves in hash
 * order, so the same input always gives the same bytes.
 *
 * In memory every float dtype is a Float32Array (F16 and BF16 are converted on the way
 * in and out, rounding to nearest even); I32 is an Int32Array and I64 a BigInt64Array.
 *
 *   writeSafetensors('model.safetensors', {
 *     'out.weight': { dtype: 'F16', shape: [2, 3], data: new Float32Array(6) },
 *   }, { format: 'pt' });
 *   const { tensors, metadata } = readSafetensors('model.safetensors');
 */
import fs from 'node:fs';
import os from 'node:os';
import { UserError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

// ---------------------------------------------------------------- types

/** The dtypes we read and write (the format has more; those are refused by name). */
export type Dtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64';

export type FloatDtype = 'F32' | 'F16' | 'BF16';

/** One tensor: its dtype on disk, its shape, and its values row-major. */
export type SafeTensor =
  | { dtype: FloatDtype; shape: number[]; data: Float32Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array };

export interface SafetensorsContents {
  tensors: Record<string, SafeTensor>;
  /** The header's `__metadata__` (string → string); empty when the file has none. */
  metadata: Record<string, string>;
}

/** Bytes per element on disk. */
export const DTYPE_BYTES: Record<Dtype, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8 };

/**
 * The reference implementation's `Dtype` enum order (its writer sorts by it, descending).
 * Listed in full so a file holding dtypes we cannot decode still gets a clear refusal.
 */
const DTYPE_ORDER = ['BOOL', 'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'C64', 'F64', 'I64', 'U64'];

/** The reference reader refuses headers above 100 MB; so do we. */
const MAX_HEADER_BYTES = 100_000_000;

// ---------------------------------------------------------------- half precision

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE binary16 bits of `x`, rounded to nearest even; overflow → ±inf, NaN stays NaN. */
export function float32ToFloat16Bits(x: number): number {
  f32Scratch[0] = x;
  const bits = u32Scratch[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >>> 13) : 0); // inf, or a quiet NaN
  const e = exponent - 127 + 15; // the exponent re-biased for half
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Half subnormal (or zero): count units of 2^-24. Below 2^-25 everything rounds to 0.
    if (e < -10) return sign;
    const m = mantissa | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++; // may carry into the smallest normal: correct
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // a carry into the exponent is correct, up to inf
  return sign | half;
}

/** The float value of binary16 bits `h` (exact: every half is a float32). */
export function float16BitsToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

let halfTable: Float32Array | undefined;

/** All 65,536 halves as floats, built on first use. */
function float16Table(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = float16BitsToFloat32(h);
  }
  return halfTable;
}

/** bfloat16 bits of `x` (the top half of the float32), rounded to nearest even. */
export function float32ToBfloat16Bits(x: number): number {
  f32Scratch[0] = x;
  const bits = u32Scratch[0];
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return (bits >>> 16) | 0x40; // NaN stays a quiet NaN
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

// ---------------------------------------------------------------- writing

/**
 * The file's bytes for `tensors` (and optional string metadata), exactly as the
 * reference writer lays them out, with metadata keys sorted.
 */
export function serializeSafetensors(tensors: Record<string, SafeTensor>, metadata?: Record<string, string>): Uint8Array {
  checkLittleEndian();
  const names = Object.keys(tensors).sort((a, b) => {
    const byDtype = DTYPE_ORDER.indexOf(tensors[b].dtype) - DTYPE_ORDER.indexOf(tensors[a].dtype);
    return byDtype !== 0 ? byDtype : compareBytes(a, b);
  });
  const header: Record<string, unknown> = {};
  if (metadata) {
    const sorted: Record<string, string> = {};
    for (const key of Object.keys(metadata).sort(compareBytes)) {
      if (typeof metadata[key] !== 'string') throw new UserError(`safetensors metadata "${key}" must be a string, got ${typeof metadata[key]}`);
      sorted[key] = metadata[key];
    }
    header.__metadata__ = sorted;
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    checkTensor(name, t);
    const bytes = t.data.length * DTYPE_BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength); // spaces, as the reference pads
  let at = 8 + headerLength;
  for (const name of names) {
    at = encodeTensor(tensors[name], out, at);
  }
  return out;
}

/** Write `tensors` to `file` atomically (temporary file, fsync, rename). */
export function writeSafetensors(file: string, tensors: Record<string, SafeTensor>, metadata?: Record<string, string>): void {
  writeFileAtomic(file, serializeSafetensors(tensors, metadata));
}

/** Rust's `String` order (by UTF-8 bytes); differs from JS `<` only for astral characters. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function checkTensor(name: string, t: SafeTensor): void {
  if (name === '' || name === '__metadata__' || name === '__proto__') throw new UserError(`safetensors: "${name}" cannot be a tensor name`);
  if (!(t.dtype in DTYPE_BYTES)) throw new UserError(`safetensors: tensor "${name}" has unsupported dtype ${String(t.dtype)}`);
  if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new UserError(`safetensors: tensor "${name}" has a bad shape [${t.shape.join(', ')}]`);
  const expected = t.dtype === 'I64' ? BigInt64Array : t.dtype === 'I32' ? Int32Array : Float32Array;
  if (!(t.data instanceof expected)) throw new UserError(`safetensors: tensor "${name}" (${t.dtype}) needs a ${expected.name}, got ${t.data.constructor.name}`);
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) throw new UserError(`safetensors: tensor "${name}" has shape [${t.shape.join(', ')}] (${count} values) but ${t.data.length} values`);
}

/** Write `t`'s values at byte `at` of `out`; returns the byte after them. */
function encodeTensor(t: SafeTensor, out: Uint8Array, at: number): number {
  const n = t.data.length;
  if (t.dtype === 'F16' || t.dtype === 'BF16') {
    const toBits = t.dtype === 'F16' ? float32ToFloat16Bits : float32ToBfloat16Bits;
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (let i = 0; i < n; i++, at += 2) view.setUint16(at, toBits(t.data[i]), true);
    return at;
  }
  // F32, I32, I64: the in-memory bytes are the file's bytes on a little-endian host.
  out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
  return at + t.data.byteLength;
}

// ---------------------------------------------------------------- reading

/** Read and validate a safetensors file; any defect is a one-line UserError naming `file`. */
export function readSafetensors(file: string): SafetensorsContents {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new UserError(`cannot read safetensors file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseSafetensors(bytes, file);
}

/** Parse a whole safetensors file held in memory; `label` names it in errors. */
export function parseSafetensors(bytes: Uint8Array, label = 'safetensors buffer'): SafetensorsContents {
  function fail(problem: string): never {
    throw new UserError(`bad safetensors file ${label}: ${problem}`);
  }
  checkLittleEndian();
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) fail(`header length ${declared} is over the ${MAX_HEADER_BYTES}-byte limit`);
  const headerLength = Number(declared);
  if (8 + headerLength > bytes.length) fail(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes): truncated or not safetensors`);

  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
    if (!text.startsWith('{')) fail('header does not start with "{"');
    header = JSON.parse(text);
  } catch (err) {
    if (err instanceof UserError) throw err;
    fail(`header is not valid UTF-8 JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (!isPlainObject(header)) fail('header is not a JSON object');

  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!isPlainObject(info)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(info)) {
        if (typeof v !== 'string') fail(`__metadata__ "${k}" is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    if (name === '__proto__') fail('a tensor named "__proto__" is not supported');
    if (!isPlainObject(info)) fail(`tensor "${name}" is not an object`);
    const { dtype, shape, data_offsets: offsets } = info;
    if (typeof dtype !== 'string' || !DTYPE_ORDER.includes(dtype)) fail(`tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}`);
    if (!(dtype in DTYPE_BYTES)) fail(`tensor "${name}" has dtype ${dtype}, which this reader does not decode (it reads ${Object.keys(DTYPE_BYTES).join(', ')})`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor "${name}" has a bad shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`tensor "${name}" has bad data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    if (end < begin) fail(`tensor "${name}" has data_offsets [${begin}, ${end}] that end before they begin`);
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const size = count * DTYPE_BYTES[dtype as Dtype];
    if (end - begin !== size) fail(`tensor "${name}" is ${dtype} [${(shape as number[]).join(', ')}] = ${size} bytes but its data_offsets [${begin}, ${end}] span ${end - begin}`);
    entries.push({ name, dtype: dtype as Dtype, shape: shape as number[], begin, end });
  }

  // The tensors must tile the buffer exactly: no overlap, no gap, nothing left over.
  const bufferStart = 8 + headerLength;
  const bufferLength = bytes.length - bufferStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of entries) {
    if (e.begin < cursor) fail(`tensor "${e.name}" data_offsets [${e.begin}, ${e.end}] overlap the previous tensor (which ends at ${cursor})`);
    if (e.begin > cursor) fail(`tensor "${e.name}" data_offsets [${e.begin}, ${e.end}] leave a gap after byte ${cursor}`);
    if (e.end > bufferLength) fail(`tensor "${e.name}" data_offsets [${e.begin}, ${e.end}] run past the end of the data (${bufferLength} bytes): truncated`);
    cursor = e.end;
  }
  if (cursor !== bufferLength) fail(`the tensors cover ${cursor} bytes of data but the file holds ${bufferLength}`);

  const tensors: Record<string, SafeTensor> = {};
  for (const e of entries) {
    tensors[e.name] = decodeTensor(e.dtype, e.shape, bytes.subarray(bufferStart + e.begin, bufferStart + e.end));
  }
  return { tensors, metadata };
}

/** Copy the raw bytes into an aligned buffer (the file offsets need not be aligned) and decode. */
function decodeTensor(dtype: Dtype, shape: number[], raw: Uint8Array): SafeTensor {
  // A copy, never raw.slice(): on a Node Buffer that is a view of the whole file. Host is
  // little-endian (checked on entry), so the bytes can be viewed directly.
  const aligned = new Uint8Array(raw).buffer;
  switch (dtype) {
    case 'F32':
      return { dtype, shape, data: new Float32Array(aligned) };
    case 'I32':
      return { dtype, shape, data: new Int32Array(aligned) };
    case 'I64':
      return { dtype, shape, data: new BigInt64Array(aligned) };
    case 'F16': {
      const bits = new Uint16Array(aligned);
      const table = float16Table();
      const data = new Float32Array(bits.length);
      for (let i = 0; i < bits.length; i++) data[i] = table[bits[i]];
      return { dtype, shape, data };
    }
    case 'BF16': {
      const bits = new Uint16Array(aligned);
      const words = new Uint32Array(bits.length);
      for (let i = 0; i < bits.length; i++) words[i] = bits[i] << 16;
      return { dtype, shape, data: new Float32Array(words.buffer) };
    }
  }
}

function checkLittleEndian(): void {
  if (os.endianness() !== 'LE') throw new UserError('safetensors: only little-endian machines are supported');
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
