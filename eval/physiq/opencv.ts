/**
 * The arithmetic of the library calls the official Physics-IQ code makes (OpenCV 4.x, NumPy),
 * written out so `--physiq official` reproduces its numbers bit for bit. Each function names
 * the call it stands for; official.test.ts pins them to values OpenCV and NumPy printed
 * (official-check.py).
 */

/**
 * OpenCV 4's fixed-point greyscale weights (cvtColor *2GRAY on 8-bit): 0.299, 0.587, 0.114 in
 * 1/2^15 (OpenCV 3 used 4899/9617/1868 in 1/2^14; 4.x rounds differently, e.g. RGB (3,1,44) →
 * 6 where 0.299·3 + 0.587·1 + 0.114·44 = 6.5 rounds to 7). Checked against OpenCV 4.6 on all
 * 2^24 colours (official-check.py).
 */
export const GRAY_R = 9798;
export const GRAY_G = 19235;
export const GRAY_B = 3735;
const GRAY_SHIFT = 15;

/** cv2.cvtColor(BGR2GRAY) of one 8-bit pixel: (R·9798 + G·19235 + B·3735 + 2^14) >> 15. */
export function grayFixedPoint(r: number, g: number, b: number): number {
  return (r * GRAY_R + g * GRAY_G + b * GRAY_B + (1 << (GRAY_SHIFT - 1))) >> GRAY_SHIFT;
}

/** cvRound of a double: to nearest, ties to even (the FPU's default mode, as lrint / cvtsd2si). */
export function cvRound(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** INTER_RESIZE_COEF_BITS: cv2.resize's bilinear weights on 8-bit images are integers in 1/2^11. */
const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

/** For one axis of cv2.resize(INTER_LINEAR): each output's two source indices and fixed-point weights. */
interface FixedTaps {
  lo: Int32Array;
  hi: Int32Array;
  w0: Int32Array;
  w1: Int32Array;
}

/**
 * OpenCV's resizeGeneric set-up for one axis, n → m: fx = float((i + 0.5)·(n/m) − 0.5), clamped
 * at the edges (weight all on the edge pixel), weights saturate_cast<short>((1 − fx)·2048) and
 * saturate_cast<short>(fx·2048), each rounded on its own.
 */
function fixedTaps(n: number, m: number): FixedTaps {
  const lo = new Int32Array(m), hi = new Int32Array(m), w0 = new Int32Array(m), w1 = new Int32Array(m);
  const scale = 1 / (m / n);
  for (let i = 0; i < m; i++) {
    let f = Math.fround((i + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (s < 0) (f = 0), (s = 0);
    if (s >= n - 1) (f = 0), (s = n - 1);
    lo[i] = s;
    hi[i] = Math.min(n - 1, s + 1);
    w0[i] = cvRound(Math.fround(1 - f) * COEF_SCALE);
    w1[i] = cvRound(f * COEF_SCALE);
  }
  return { lo, hi, w0, w1 };
}

/**
 * cv2.resize(src, (w, h)) with INTER_LINEAR on an 8-bit image of `cn` interleaved channels,
 * [H·W·cn] → [h·w·cn]. Horizontal pass in integers (S·w0 + S'·w1, 1/2^11), vertical pass as
 * OpenCV's SIMD path does it (VResizeLinearVec_32s8u): ((r0 >> 4)·b0 >> 16) + ((r1 >> 4)·b1 >> 16),
 * then (+2) >> 2, saturated, for every byte of the row (OpenCV 4.6 on x86-64 matched this on
 * every output, row tails included; the scalar formula (r0·b0 + r1·b1 + 2^21) >> 22 rounds up
 * by one on ~3 % of outputs when the weights are not powers of two). At an exact 4× shrink
 * every weight is 1024 and both give the mean of the 2×2 block rounded half up.
 */
export function resizeLinearU8(src: ArrayLike<number>, W: number, H: number, cn: number, w: number, h: number, out = new Uint8Array(w * h * cn)): Uint8Array {
  const xs = fixedTaps(W, w), ys = fixedTaps(H, h);
  const rowLo = new Int32Array(w * cn), rowHi = new Int32Array(w * cn);
  const horizontal = (y: number, row: Int32Array) => {
    const base = y * W * cn;
    for (let i = 0; i < w; i++) {
      const a = base + xs.lo[i] * cn, b = base + xs.hi[i] * cn;
      for (let c = 0; c < cn; c++) row[i * cn + c] = src[a + c] * xs.w0[i] + src[b + c] * xs.w1[i];
    }
  };
  for (let j = 0; j < h; j++) {
    horizontal(ys.lo[j], rowLo);
    horizontal(ys.hi[j], rowHi);
    const b0 = ys.w0[j], b1 = ys.w1[j];
    const o = j * w * cn;
    for (let k = 0; k < w * cn; k++) {
      const v = (((rowLo[k] >> 4) * b0) >> 16) + (((rowHi[k] >> 4) * b1) >> 16);
      out[o + k] = Math.min(255, Math.max(0, (v + 2) >> 2));
    }
  }
  return out;
}

/**
 * NumPy's pairwise summation (np.add.reduce over a contiguous array, as np.sum and np.mean do):
 * under 8 values a plain loop; up to 128, eight running sums combined as ((r0+r1)+(r2+r3)) +
 * ((r4+r5)+(r6+r7)) plus the rest in order; above, the two halves (split at a multiple of 8)
 * summed the same way and added. `float32` rounds every addition to single precision (a
 * float32 array's sum).
 */
export function pairwiseSum(a: ArrayLike<number>, float32 = false, start = 0, n = a.length - start): number {
  const f = float32 ? Math.fround : (x: number) => x;
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = f(res + a[start + i]);
    return res;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = a[start + j];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = f(r[j] + a[start + i + j]);
    let res = f(f(f(r[0] + r[1]) + f(r[2] + r[3])) + f(f(r[4] + r[5]) + f(r[6] + r[7])));
    for (; i < n; i++) res = f(res + a[start + i]);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return f(pairwiseSum(a, float32, start, n2) + pairwiseSum(a, float32, start + n2, n - n2));
}

/** np.mean of a float64 array: pairwise sum, then ÷ n. */
export function numpyMean(a: ArrayLike<number>): number {
  return pairwiseSum(a) / a.length;
}
