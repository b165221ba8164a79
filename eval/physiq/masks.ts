/**
 * Physics-IQ motion masks (Motamed et al. 2025, as written down in eval/METRICS.md), with
 * OpenCV's semantics where the paper's code leans on it: grayscale 0.299R + 0.587G + 0.114B
 * rounded to 8 bits; 5×5 Gaussian blur with OpenCV's fixed kernel [1 4 6 4 1]/16 and
 * reflect-101 borders, rounded; running background A_0 = G_0, A_t = 0.7·A_{t−1} + 0.3·G_t
 * (updated before the difference); M_t = round(|G_t − A_t|) > 10; then a 5×5 opening and a
 * 5×5 closing (pixels outside the image are ignored); the first mask is empty.
 */
import type { Video } from '../../src/video/video.js';

const KERNEL = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16];
const THRESHOLD = 10;
const ALPHA = 0.3;
const MORPH = 2; // 5×5 structuring element: radius 2

/** Reflect-101 index (OpenCV's default border): -1 → 1, n → n − 2. */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

/** For each position 0..n−1, the 5 reflect-101 source indices of the blur window. */
function taps(n: number): Int32Array {
  const out = new Int32Array(n * 5);
  for (let i = 0; i < n; i++) for (let k = -2; k <= 2; k++) out[i * 5 + k + 2] = reflect(i + k, n);
  return out;
}

/** Blurred grayscale of every frame, [T][H·W], 8-bit values as floats. */
export function blurredGray(video: Video): Float32Array[] {
  const { width: W, height: H, numFrames: T, frames } = video;
  const out: Float32Array[] = [];
  const gray = new Float32Array(W * H);
  const tmp = new Float32Array(W * H);
  const tx = taps(W);
  const ty = taps(H);
  const [k0, k1, k2, k3, k4] = KERNEL;
  for (let t = 0; t < T; t++) {
    const o = t * W * H * 3;
    for (let p = 0; p < W * H; p++) gray[p] = Math.round(0.299 * frames[o + 3 * p] + 0.587 * frames[o + 3 * p + 1] + 0.114 * frames[o + 3 * p + 2]);
    for (let j = 0; j < H; j++) {
      const row = j * W;
      for (let i = 0; i < W; i++) {
        const q = i * 5;
        tmp[row + i] = k0 * gray[row + tx[q]] + k1 * gray[row + tx[q + 1]] + k2 * gray[row + tx[q + 2]] + k3 * gray[row + tx[q + 3]] + k4 * gray[row + tx[q + 4]];
      }
    }
    const g = new Float32Array(W * H);
    for (let j = 0; j < H; j++) {
      const q = j * 5;
      const r0 = ty[q] * W, r1 = ty[q + 1] * W, r2 = ty[q + 2] * W, r3 = ty[q + 3] * W, r4 = ty[q + 4] * W;
      for (let i = 0; i < W; i++) {
        g[j * W + i] = Math.round(k0 * tmp[r0 + i] + k1 * tmp[r1 + i] + k2 * tmp[r2 + i] + k3 * tmp[r3 + i] + k4 * tmp[r4 + i]);
      }
    }
    out.push(g);
  }
  return out;
}

/** Binary motion masks [T][H·W] (0/1). */
export function motionMasks(video: Video): Uint8Array[] {
  const { width: W, height: H } = video;
  const gray = blurredGray(video);
  const background = Float32Array.from(gray[0]);
  const masks: Uint8Array[] = [new Uint8Array(W * H)];
  for (let t = 1; t < gray.length; t++) {
    const raw = new Uint8Array(W * H);
    let any = 0;
    for (let p = 0; p < W * H; p++) {
      background[p] = (1 - ALPHA) * background[p] + ALPHA * gray[t][p];
      raw[p] = Math.round(Math.abs(gray[t][p] - background[p])) > THRESHOLD ? 1 : 0;
      any |= raw[p];
    }
    // Opening an empty mask leaves it empty, and closing an empty one too.
    masks.push(any ? close(open(raw, W, H), W, H) : raw);
  }
  return masks;
}

/**
 * Erode (min) or dilate (max) with a 5×5 square, separably: rows then columns. Pixels
 * outside the image are ignored, as OpenCV's default morphology border does.
 */
function morph(m: Uint8Array, W: number, H: number, erode: boolean): Uint8Array {
  const rows = new Uint8Array(W * H);
  const out = new Uint8Array(W * H);
  const pass = erode ? 1 : 0;
  for (let j = 0; j < H; j++) {
    for (let i = 0; i < W; i++) {
      let v = pass;
      const lo = Math.max(0, i - MORPH), hi = Math.min(W - 1, i + MORPH);
      for (let ii = lo; ii <= hi; ii++) if (m[j * W + ii] !== pass) v = 1 - pass;
      rows[j * W + i] = v;
    }
  }
  for (let j = 0; j < H; j++) {
    const lo = Math.max(0, j - MORPH), hi = Math.min(H - 1, j + MORPH);
    for (let i = 0; i < W; i++) {
      let v = pass;
      for (let jj = lo; jj <= hi; jj++) if (rows[jj * W + i] !== pass) v = 1 - pass;
      out[j * W + i] = v;
    }
  }
  return out;
}

function open(m: Uint8Array, W: number, H: number): Uint8Array {
  return morph(morph(m, W, H, true), W, H, false);
}

function close(m: Uint8Array, W: number, H: number): Uint8Array {
  return morph(morph(m, W, H, false), W, H, true);
}
