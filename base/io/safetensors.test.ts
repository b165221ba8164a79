import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import {
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  writeSafetensors,
  type SafeTensor,
} from './safetensors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-safetensors-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const f32 = (shape: number[], values: number[]): SafeTensor => ({ dtype: 'F32', shape, data: Float32Array.from(values) });

/** A file from a hand-written header object and body, padded as the reference pads. */
function handBuilt(header: unknown, body: number[] = []): Uint8Array {
  let json = JSON.stringify(header);
  while (json.length % 8) json += ' ';
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  out.set(body, 8 + json.length);
  return out;
}

describe('float16 conversion', () => {
  it('round-trips all 65,536 half bit patterns (NaNs stay NaN)', () => {
    for (let h = 0; h < 65536; h++) {
      const x = float16BitsToFloat32(h);
      if (Number.isNaN(x)) expect((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0).toBe(true);
      else if (float32ToFloat16Bits(x) !== h) throw new Error(`half 0x${h.toString(16)} → ${x} → 0x${float32ToFloat16Bits(x).toString(16)}`);
    }
  });

  it('rounds to nearest, ties to even, between every pair of adjacent finite halves', () => {
    const below = (x: number) => x - Math.abs(x) * 2 ** -20;
    const above = (x: number) => x + Math.abs(x) * 2 ** -20;
    for (let h = 0; h < 0x7bff; h++) {
      const lo = float16BitsToFloat32(h);
      const hi = float16BitsToFloat32(h + 1);
      const mid = (lo + hi) / 2; // exact in float32: a half has 11 significant bits
      const even = h % 2 === 0 ? h : h + 1;
      if (float32ToFloat16Bits(mid) !== even) throw new Error(`tie ${mid} between 0x${h.toString(16)} and its successor`);
      if (float32ToFloat16Bits(below(mid)) !== h || float32ToFloat16Bits(above(mid)) !== h + 1) throw new Error(`near ${mid}`);
      if (float32ToFloat16Bits(-mid) !== (even | 0x8000)) throw new Error(`tie -${mid}`);
    }
  });

  it('handles overflow, the subnormal floor, signed zero, inf and NaN', () => {
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff); // largest half
    expect(float32ToFloat16Bits(65519.99)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // the tie above 65504 rounds to even = inf
    expect(float32ToFloat16Bits(1e9)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-Infinity)).toBe(0xfc00);
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // exactly half of it: ties to even (0)
    expect(float32ToFloat16Bits(2 ** -25 * 1.0001)).toBe(0x0001);
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // 1.5 units: ties to even (2)
    expect(float32ToFloat16Bits(1e-45)).toBe(0x0000); // a float32 subnormal
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
    expect(float32ToFloat16Bits(NaN) & 0x7e00).toBe(0x7e00);
    expect(float32ToFloat16Bits(1 / 3)).toBe(0x3555);
  });

  it('bfloat16 keeps the top 16 bits, rounding to nearest even', () => {
    expect(float32ToBfloat16Bits(1)).toBe(0x3f80);
    expect(float32ToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(float32ToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie → even (up)
    expect(float32ToBfloat16Bits(-Infinity)).toBe(0xff80);
    expect(float32ToBfloat16Bits(NaN) & 0x7fc0).toBe(0x7fc0);
  });
});

describe('safetensors round trip', () => {
  const specials = [0, -0, 1, -1.5, Math.PI, 1e-40, -3.4028234663852886e38, Infinity, -Infinity, NaN, 2 ** -149];

  it('F32, I32 and I64 come back exactly, with metadata', () => {
    const file = path.join(dir, 'exact.safetensors');
    const tensors: Record<string, SafeTensor> = {
      'blocks.0.attn.qkv.weight': f32([3, 4], [...specials, 7]),
      empty: f32([0, 3], []),
      scalar: f32([], [42]),
      step: { dtype: 'I64', shape: [2], data: BigInt64Array.from([123n, -(2n ** 62n)]) },
      rng: { dtype: 'I32', shape: [4], data: Int32Array.from([1, -1, 2 ** 31 - 1, -(2 ** 31)]) },
    };
    writeSafetensors(file, tensors, { format: 'pt', note: 'ünïcode "quoted"\n' });
    const back = readSafetensors(file);
    expect(back.metadata).toEqual({ format: 'pt', note: 'ünïcode "quoted"\n' });
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      expect(back.tensors[name].dtype).toBe(t.dtype);
      expect(back.tensors[name].shape).toEqual(t.shape);
      expect(back.tensors[name].data).toEqual(t.data); // toEqual on typed arrays: NaN equals NaN, -0 ≠ 0
    }
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('F16 and BF16 come back within their precision', () => {
    const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 9) - 4));
    const bytes = serializeSafetensors({ h: { dtype: 'F16', shape: [1000], data: Float32Array.from(values) }, b: { dtype: 'BF16', shape: [10, 100], data: Float32Array.from(values) } });
    const back = parseSafetensors(bytes).tensors;
    values.forEach((x, i) => {
      const h = back.h.data[i] as number;
      const b = back.b.data[i] as number;
      // half: relative 2^-11 for normals, absolute 2^-25 below 2^-14
      expect(Math.abs(h - x)).toBeLessThanOrEqual(Math.max(Math.abs(x) * 2 ** -11, 2 ** -25));
      expect(Math.abs(b - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -8);
    });
  });

  it('is byte-stable: the same tensors in any insertion order give the same bytes', () => {
    const a = serializeSafetensors({ x: f32([1], [1]), y: f32([1], [2]) }, { b: '2', a: '1' });
    const b = serializeSafetensors({ y: f32([1], [2]), x: f32([1], [1]) }, { a: '1', b: '2' });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});

describe('safetensors bytes', () => {
  it("matches the reference implementation's own serialization test byte for byte", () => {
    // safetensors/src/tensor.rs, test_serialization: "attn.0", F32 [1, 2, 3], values 0..5
    const expected = [
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44,
      50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0,
      128, 64, 0, 0, 160, 64,
    ];
    expect(Array.from(serializeSafetensors({ 'attn.0': f32([1, 2, 3], [0, 1, 2, 3, 4, 5]) }))).toEqual(expected);
    // test_empty, with metadata {"framework": "pt"}: the header is padded with spaces
    expect(Array.from(serializeSafetensors({}, { framework: 'pt' }))).toEqual([
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125,
      125, 32, 32, 32, 32, 32,
    ]);
  });

  it('orders mixed dtypes widest first, then by name, metadata first, and pads the header', () => {
    const bytes = serializeSafetensors(
      {
        b: f32([2], [1, -2]),
        a: { dtype: 'F16', shape: [1], data: Float32Array.from([1]) },
        c: { dtype: 'I64', shape: [1], data: BigInt64Array.from([5n]) },
        d: { dtype: 'I32', shape: [1], data: Int32Array.from([-1]) },
        a2: f32([1], [0.5]),
      },
      { step: '7' },
    );
    const header =
      '{"__metadata__":{"step":"7"},' +
      '"c":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},' +
      '"a2":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},' +
      '"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]},' +
      '"d":{"dtype":"I32","shape":[1],"data_offsets":[20,24]},' +
      '"a":{"dtype":"F16","shape":[1],"data_offsets":[24,26]}}';
    expect(header.length).toBe(302); // → padded with 2 spaces to 304
    const expected = Buffer.concat([
      Buffer.from([0x30, 1, 0, 0, 0, 0, 0, 0]), // 304, little-endian u64
      Buffer.from(header + '  '),
      Buffer.from([5, 0, 0, 0, 0, 0, 0, 0]), // c = 5n
      Buffer.from([0, 0, 0, 0x3f]), // a2 = 0.5
      Buffer.from([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]), // b = [1, -2]
      Buffer.from([0xff, 0xff, 0xff, 0xff]), // d = -1
      Buffer.from([0x00, 0x3c]), // a = 1 in half
    ]);
    expect(Buffer.from(bytes).toString('hex')).toBe(expected.toString('hex'));
  });
});

describe('safetensors refusals', () => {
  const good = serializeSafetensors({ w: f32([2, 3], [1, 2, 3, 4, 5, 6]), b: { dtype: 'F16', shape: [3], data: Float32Array.from([1, 2, 3]) } }, { k: 'v' });
  const headerEnd = 8 + Number(new DataView(good.buffer).getBigUint64(0, true));

  function refusal(bytes: Uint8Array): string {
    const file = path.join(dir, 'bad.safetensors');
    fs.writeFileSync(file, bytes);
    try {
      readSafetensors(file);
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      const message = (err as Error).message;
      expect(message).toContain(file);
      expect(message).not.toContain('\n');
      return message;
    }
    throw new Error('the bad file was accepted');
  }

  it('refuses a file truncated anywhere', () => {
    expect(refusal(good.subarray(0, 0))).toMatch(/truncated: 0 bytes/);
    expect(refusal(good.subarray(0, 5))).toMatch(/truncated: 5 bytes/);
    expect(refusal(good.subarray(0, 8))).toMatch(/header length \d+ runs past the end of the file \(8 bytes\)/);
    expect(refusal(good.subarray(0, headerEnd - 10))).toMatch(/runs past the end of the file/);
    expect(refusal(good.subarray(0, headerEnd))).toMatch(/run past the end of the data \(0 bytes\): truncated/);
    expect(refusal(good.subarray(0, good.length - 1))).toMatch(/tensor "b" .* run past the end of the data \(29 bytes\): truncated/);
  });

  it('refuses a header length beyond the file or over the limit', () => {
    const big = good.slice();
    new DataView(big.buffer).setBigUint64(0, 1_000_000n, true);
    expect(refusal(big)).toMatch(/header length 1000000 runs past the end of the file/);
    new DataView(big.buffer).setBigUint64(0, 2n ** 63n, true);
    expect(refusal(big)).toMatch(/over the 100000000-byte limit/);
  });

  it('refuses bad JSON and bad entries', () => {
    const broken = good.slice();
    broken[8 + 1] = 0x7d; // '{}_metadata__…'
    expect(refusal(broken)).toMatch(/header is not valid UTF-8 JSON/);
    expect(refusal(handBuilt([1, 2]))).toMatch(/does not start with "\{"/);
    expect(refusal(handBuilt({ x: { dtype: 'Q8', shape: [1], data_offsets: [0, 1] } }, [0]))).toMatch(/tensor "x" has unknown dtype "Q8"/);
    expect(refusal(handBuilt({ x: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, new Array(8).fill(0)))).toMatch(/dtype F64, which this reader does not decode/);
    expect(refusal(handBuilt({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, [0, 0, 0, 0]))).toMatch(/bad shape \[-1\]/);
    expect(refusal(handBuilt({ __metadata__: { n: 1 } }))).toMatch(/__metadata__ "n" is not a string/);
  });

  it('refuses offsets that overlap, leave gaps, or disagree with shape × dtype', () => {
    const body = new Array(8).fill(0);
    const overlap = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [2, 6] } };
    expect(refusal(handBuilt(overlap, body))).toMatch(/tensor "b" data_offsets \[2, 6\] overlap the previous tensor/);
    const gap = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F16', shape: [1], data_offsets: [6, 8] } };
    expect(refusal(handBuilt(gap, body))).toMatch(/tensor "b" .* leave a gap after byte 4/);
    const size = { a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } };
    expect(refusal(handBuilt(size, body))).toMatch(/tensor "a" is F32 \[3\] = 12 bytes but its data_offsets \[0, 8\] span 8/);
    const trailing = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } };
    expect(refusal(handBuilt(trailing, body))).toMatch(/cover 4 bytes of data but the file holds 8/);
  });

  it('refuses to write inconsistent tensors', () => {
    expect(() => serializeSafetensors({ a: f32([2, 2], [1, 2, 3]) })).toThrow(/shape \[2, 2\] \(4 values\) but 3 values/);
    expect(() => serializeSafetensors({ a: { dtype: 'I32', shape: [1], data: Float32Array.from([1]) } as unknown as SafeTensor })).toThrow(/needs a Int32Array/);
  });
});

// ---------------------------------------------------------------- Python reads our files

const PYTHON = '/usr/bin/python3';
const hasPython = fs.existsSync(PYTHON);
const hasSafetensors = hasPython && spawnSync(PYTHON, ['-c', 'import numpy, safetensors.numpy'], { stdio: 'ignore' }).status === 0;

function python(code: string, ...args: string[]): string {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout.trim();
}

const pythonTensors: Record<string, SafeTensor> = {
  'blocks.0.attn.qkv.weight': f32([2, 3], [0.5, -1, 3.25, 1e-30, -0, 65504]),
  'blocks.0.attn.qkv.bias': { dtype: 'F16', shape: [3], data: Float32Array.from([1, -0.333251953125, 65504]) },
  step: { dtype: 'I64', shape: [1], data: BigInt64Array.from([2n ** 40n + 3n]) },
  cursor: { dtype: 'I32', shape: [2], data: Int32Array.from([-7, 9]) },
};
const pythonExpected = {
  'blocks.0.attn.qkv.weight': ['float32', [2, 3], [0.5, -1, 3.25, Math.fround(1e-30), -0, 65504]],
  'blocks.0.attn.qkv.bias': ['float16', [3], [1, -0.333251953125, 65504]],
  step: ['int64', [1], [2 ** 40 + 3]],
  cursor: ['int32', [2], [-7, 9]],
};

describe.skipIf(!hasSafetensors)(`Python's safetensors library (${hasSafetensors ? 'present' : `skipped: ${PYTHON} has no safetensors module; pip install safetensors`})`, () => {
  it('loads our file with the right dtypes, shapes and values', () => {
    const file = path.join(dir, 'for-python.safetensors');
    writeSafetensors(file, pythonTensors, { format: 'np' });
    const out = python(
      `import sys, json\nfrom safetensors.numpy import load_file\nfrom safetensors import safe_open\n` +
        `t = load_file(sys.argv[1])\nwith safe_open(sys.argv[1], 'np') as f: meta = f.metadata()\n` +
        `print(json.dumps({'meta': meta, 'tensors': {k: [str(v.dtype), list(v.shape), v.ravel().tolist()] for k, v in t.items()}}))`,
      file,
    );
    const got = JSON.parse(out);
    expect(got.meta).toEqual({ format: 'np' });
    expect(got.tensors).toEqual(pythonExpected);
  });

  it('writes the very same bytes as we do for the same tensors', () => {
    const file = path.join(dir, 'from-python.safetensors');
    python(
      `import sys, numpy as np\nfrom safetensors.numpy import save_file\n` +
        `save_file({'blocks.0.attn.qkv.weight': np.array([[0.5, -1, 3.25], [1e-30, -0.0, 65504]], np.float32),` +
        ` 'blocks.0.attn.qkv.bias': np.array([1, -0.333251953125, 65504], np.float16),` +
        ` 'step': np.array([2**40 + 3], np.int64), 'cursor': np.array([-7, 9], np.int32)}, sys.argv[1], metadata={'format': 'np'})`,
      file,
    );
    expect(Buffer.from(serializeSafetensors(pythonTensors, { format: 'np' })).equals(fs.readFileSync(file))).toBe(true);
  });
});

describe.skipIf(!hasPython)(`an independent stdlib Python reader (${hasPython ? 'present' : `skipped: no ${PYTHON}`})`, () => {
  // Stands in for the library where it is not installed: struct + json + array, written
  // from the format's description, not from our code.
  const reader = `
import sys, json, struct, array
raw = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', raw[:8])
assert n % 8 == 0 and raw[8 + n - 1:8 + n] in (b'}', b' ')
header = json.loads(raw[8:8 + n].decode('utf-8'))
meta = header.pop('__metadata__', {})
body = raw[8 + n:]
codes = {'F32': 'f', 'I32': 'i', 'I64': 'q', 'F16': 'e'}
out, end = {}, 0
for name, info in sorted(header.items(), key=lambda kv: kv[1]['data_offsets']):
    b, e = info['data_offsets']
    assert b == end, name
    end = e
    chunk = body[b:e]
    values = list(struct.unpack('<%d%s' % (len(chunk) // struct.calcsize(codes[info['dtype']]), codes[info['dtype']]), chunk))
    out[name] = [info['dtype'], info['shape'], values]
assert end == len(body)
print(json.dumps({'meta': meta, 'tensors': out}))
`;

  it('parses our file per the spec and finds the same values', () => {
    const file = path.join(dir, 'for-stdlib.safetensors');
    writeSafetensors(file, pythonTensors, { format: 'np' });
    const got = JSON.parse(python(reader, file));
    expect(got.meta).toEqual({ format: 'np' });
    const dtypes: Record<string, string> = { float32: 'F32', float16: 'F16', int64: 'I64', int32: 'I32' };
    for (const [name, [dtype, shape, values]] of Object.entries(pythonExpected)) {
      expect(got.tensors[name]).toEqual([dtypes[dtype as string], shape, values]);
    }
  });
});
