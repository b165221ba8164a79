/**
 * Physics-IQ motion masks (Motamed et al. 2025, as written down in ../shared/METRICS.md), with
 * OpenCV's semantics where the paper's code leans on it: grayscale 0.299R + 0.587G + 0.114B
 * rounded to 8 bits; 5×5 Gaussian blur with OpenCV's fixed kernel [1 4 6 4 1]/16 and
 * reflect-101 borders, rounded; running background A_0 = G_0, A_t = 0.7·A_{t−1} + 0.3·G_t
 * (updated before the difference); M_t = round(|G_t − A_t|) > 10; then a 5×5 opening and a
 * 5×5 closing (pixels outside the image are ignored); the first mask is empty. The `official`
 * conventions swap in OpenCV's own grey and background rounding (see PhysiqConventions).
 *
 * How it is computed (every step exact, so the masks equal the plain definition bit for bit;
 * masks.test.ts checks this against a direct implementation on random videos):
 * - the blur is done in integers: the taps are k/16 with k ∈ {1, 4, 6, 4, 1}, so on 8-bit
 *   grey values the floating-point passes of the definition are exact (no product or sum
 *   rounds), and round(Σ/256) with Σ an integer is (Σ + 128) >> 8;
 * - round(|G − A|) > 10 is |G − A| ≥ 10.5;
 * - masks are bit-packed rows (32 pixels a word), so erosion and dilation are shifts, ANDs
 *   and ORs of whole words;
 * - closing ∘ opening = erode ∘ dilate ∘ dilate ∘ erode, and two 5×5 dilations are one 9×9
 *   dilation (also with the border ignored: the image is a box, so every intermediate point
 *   a 9×9 neighbour needs lies inside it), so three passes instead of four.
 */
import type { Video } from '../../base/video/video.js';
import { cvRound, grayFixedPoint } from './opencv.js';

/**
 * Which arithmetic the masks (and metrics.ts) follow: `exact`, the definition in real numbers
 * (grey rounded from 0.299R + 0.587G + 0.114B, a float32 background, round(|G − A|) > 10);
 * `official`, what DeepMind's Physics-IQ code computes through OpenCV (fixed-point grey, a
 * float64 background rounded half-to-even before the difference: |G − cvRound(A)| > 10), plus
 * its 8-bit resize and float32 MSE in metrics (official.ts).
 */
export type PhysiqConventions = 'exact' | 'official';
export const PHYSIQ_CONVENTIONS: readonly PhysiqConventions[] = ['exact', 'official'];

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

/**
 * Motion masks of one video, frame by frame, with every buffer allocated once. `next` takes
 * the frames in order; the mask it returns is bit-packed (`words` 32-bit words per row, bit
 * b of word w is pixel 32w + b) and valid until the following call.
 *
 *   const masker = new MotionMasker(32, 32);
 *   for (let t = 0; t < T; t++) { const m = masker.next(video.frames, t); masker.get(m, x, y); }
 */
export class MotionMasker {
  /** 32-bit words per packed mask row. */
  readonly words: number;
  private readonly ty: Int32Array;
  /** One grey row with two reflected pixels each side. */
  private readonly line: Int32Array;
  private readonly rows: Int32Array;
  /** Blurred grey G_t, integers 0..255. */
  readonly blurred: Int32Array;
  /** Running background A_t: float32 as the definition stores it (exact), float64 as the official code does. */
  private readonly background: Float32Array | Float64Array;
  private readonly raw: Int32Array;
  private readonly a: Int32Array;
  private readonly b: Int32Array;
  private readonly mask: Int32Array;
  /** Bits past the image's right edge in the last word of a row (set), for erosion. */
  private readonly pad: number;
  private frame = 0;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly conventions: PhysiqConventions = 'exact',
  ) {
    const n = width * height;
    this.words = Math.ceil(width / 32);
    this.ty = taps(height);
    this.line = new Int32Array(width + 4);
    this.rows = new Int32Array(n);
    this.blurred = new Int32Array(n);
    this.background = conventions === 'official' ? new Float64Array(n) : new Float32Array(n);
    const packed = this.words * height;
    this.raw = new Int32Array(packed);
    this.a = new Int32Array(packed);
    this.b = new Int32Array(packed);
    this.mask = new Int32Array(packed);
    const used = width - 32 * (this.words - 1);
    this.pad = used === 32 ? 0 : ~((1 << used) - 1);
  }

  /** Start a new video (the next frame given must be frame 0). */
  reset(): void {
    this.frame = 0;
  }

  /** The mask of frame `t` of `frames` ([T][H][W][3] bytes); frames must come in order 0, 1, 2, …. */
  next(frames: Uint8Array, t: number): Int32Array {
    if (t !== this.frame) throw new RangeError(`MotionMasker: frame ${t} given, ${this.frame} expected next`);
    this.frame++;
    this.blur(frames, t);
    const { blurred, background, raw, words, width: W, height: H } = this;
    if (t === 0) {
      for (let p = 0; p < W * H; p++) background[p] = blurred[p];
      this.mask.fill(0);
      return this.mask;
    }
    let any = 0;
    const official = this.conventions === 'official';
    for (let j = 0; j < H; j++) {
      for (let w = 0; w < words; w++) {
        let bits = 0;
        const end = Math.min(W, 32 * w + 32);
        for (let i = 32 * w, p = j * W + i; i < end; i++, p++) {
          const g = blurred[p];
          if (official) {
            // cv2.accumulateWeighted (dst·(1 − α) + src·α in doubles), convertScaleAbs, absdiff, threshold.
            const a = (background[p] = background[p] * (1 - ALPHA) + g * ALPHA);
            if (Math.abs(g - cvRound(a)) > THRESHOLD) bits |= 1 << (i & 31);
          } else {
            background[p] = (1 - ALPHA) * background[p] + ALPHA * g;
            // round(|G − A|) > THRESHOLD  ⇔  |G − A| ≥ THRESHOLD + 0.5
            if (Math.abs(g - background[p]) >= THRESHOLD + 0.5) bits |= 1 << (i & 31);
          }
        }
        raw[j * words + w] = bits;
        any |= bits;
      }
    }
    if (!any) {
      // Opening and closing an empty mask leaves it empty.
      this.mask.fill(0);
      return this.mask;
    }
    this.erode(raw, this.a);
    this.dilate(this.a, this.b, 2 * MORPH);
    this.erode(this.b, this.mask);
    return this.mask;
  }

  /** Pixel (x, y) of a packed mask: 0 or 1. */
  get(mask: Int32Array, x: number, y: number): number {
    return (mask[y * this.words + (x >> 5)] >>> (x & 31)) & 1;
  }

  /** Grey, then the 5×5 blur in integers: G = round(Σ kᵢkⱼ·grey / 256). */
  private blur(frames: Uint8Array, t: number): void {
    const { width: W, height: H, line, rows, blurred, ty } = this;
    const official = this.conventions === 'official';
    let o = t * W * H * 3;
    for (let j = 0; j < H; j++) {
      // One grey row, padded by two reflect-101 pixels each side, then the horizontal taps.
      for (let i = 0; i < W; i++, o += 3) {
        line[i + 2] = official ? grayFixedPoint(frames[o], frames[o + 1], frames[o + 2]) : Math.round(0.299 * frames[o] + 0.587 * frames[o + 1] + 0.114 * frames[o + 2]);
      }
      line[0] = line[2 + reflect(-2, W)];
      line[1] = line[2 + reflect(-1, W)];
      line[W + 2] = line[2 + reflect(W, W)];
      line[W + 3] = line[2 + reflect(W + 1, W)];
      const row = j * W;
      for (let i = 0; i < W; i++) rows[row + i] = line[i] + 4 * (line[i + 1] + line[i + 3]) + 6 * line[i + 2] + line[i + 4];
    }
    for (let j = 0; j < H; j++) {
      const q = j * 5;
      const r0 = ty[q] * W, r1 = ty[q + 1] * W, r2 = ty[q + 2] * W, r3 = ty[q + 3] * W, r4 = ty[q + 4] * W;
      const row = j * W;
      for (let i = 0; i < W; i++) {
        blurred[row + i] = (rows[r0 + i] + 4 * (rows[r1 + i] + rows[r3 + i]) + 6 * rows[r2 + i] + rows[r4 + i] + 128) >> 8;
      }
    }
  }

  /** 5×5 erosion (pixels outside the image count as set, i.e. are ignored): rows, then columns. */
  private erode(src: Int32Array, dst: Int32Array): void {
    const { words: nw, height: H, pad } = this;
    const tmp = this.rows; // free between blurs; large enough (W·H ≥ words·H)
    for (let j = 0; j < H; j++) {
      const base = j * nw;
      for (let w = 0; w < nw; w++) {
        const last = w === nw - 1;
        const cur = last ? src[base + w] | pad : src[base + w];
        const prev = w > 0 ? src[base + w - 1] : -1;
        const next = last ? -1 : w + 1 === nw - 1 ? src[base + w + 1] | pad : src[base + w + 1];
        let v = cur;
        for (let s = 1; s <= MORPH; s++) v &= (cur << s) | (prev >>> (32 - s));
        for (let s = 1; s <= MORPH; s++) v &= (cur >>> s) | (next << (32 - s));
        tmp[base + w] = last ? v & ~pad : v;
      }
    }
    for (let j = 0; j < H; j++) {
      const lo = Math.max(0, j - MORPH), hi = Math.min(H - 1, j + MORPH);
      for (let w = 0; w < nw; w++) {
        let v = -1;
        for (let jj = lo; jj <= hi; jj++) v &= tmp[jj * nw + w];
        dst[j * nw + w] = v;
      }
    }
  }

  /** (2r+1)×(2r+1) dilation (pixels outside the image count as unset): rows, then columns. */
  private dilate(src: Int32Array, dst: Int32Array, r: number): void {
    const { words: nw, height: H, pad } = this;
    const tmp = this.rows;
    for (let j = 0; j < H; j++) {
      const base = j * nw;
      for (let w = 0; w < nw; w++) {
        const cur = src[base + w];
        const prev = w > 0 ? src[base + w - 1] : 0;
        const next = w < nw - 1 ? src[base + w + 1] : 0;
        let v = cur;
        for (let s = 1; s <= r; s++) v |= (cur << s) | (prev >>> (32 - s)) | (cur >>> s) | (next << (32 - s));
        tmp[base + w] = w === nw - 1 ? v & ~pad : v;
      }
    }
    for (let j = 0; j < H; j++) {
      const lo = Math.max(0, j - r), hi = Math.min(H - 1, j + r);
      for (let w = 0; w < nw; w++) {
        let v = 0;
        for (let jj = lo; jj <= hi; jj++) v |= tmp[jj * nw + w];
        dst[j * nw + w] = v;
      }
    }
  }
}

/** Blurred grayscale of every frame, [T][H·W], 8-bit values. */
export function blurredGray(video: Video, conventions: PhysiqConventions = 'exact'): Float32Array[] {
  const masker = new MotionMasker(video.width, video.height, conventions);
  const out: Float32Array[] = [];
  for (let t = 0; t < video.numFrames; t++) {
    masker.next(video.frames, t);
    out.push(Float32Array.from(masker.blurred));
  }
  return out;
}

/** Binary motion masks [T][H·W] (0/1), unpacked. */
export function motionMasks(video: Video, conventions: PhysiqConventions = 'exact'): Uint8Array[] {
  const { width: W, height: H } = video;
  const masker = new MotionMasker(W, H, conventions);
  const masks: Uint8Array[] = [];
  for (let t = 0; t < video.numFrames; t++) {
    const packed = masker.next(video.frames, t);
    const m = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) m[y * W + x] = masker.get(packed, x, y);
    masks.push(m);
  }
  return masks;
}
