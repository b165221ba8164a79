/**
 * Palette estimation: the background and object colours of videos whose palette is unknown,
 * from their pixels alone, as a ColorSet the parser can use in place of the world's.
 *
 *   const colors = estimatePalette(videos);          // one palette for a set of videos
 *   const parsed = parseVideo(videos[0], colors);     // tracks named cluster-0, cluster-1, …
 *
 * The rule, in order (deterministic: no random start, ties broken by colour value):
 * 1. Background: the most frequent exact colour over all pixels, refined to the per-channel
 *    median of the pixels within BACKGROUND_RADIUS levels of it (exact on clean renders,
 *    robust to codec noise).
 * 2. Candidates: a pixel over CLUSTER_RADIUS levels from the background is a candidate colour when none of its 8
 *    neighbours lies farther out along its own ray from the background (by EXTREME_MARGIN
 *    levels, within the parser's residual). An anti-aliased edge pixel bg + α(c − bg) always
 *    has an inward neighbour farther along the ray, so edges drop out; interiors, and the
 *    centre pixel of a ball too small to have an interior, stay.
 * 3. Clusters: distinct candidate colours, most frequent first, each join the nearest cluster
 *    seeded within CLUSTER_RADIUS levels or seed a new one; a cluster's colour is the
 *    count-weighted per-channel median of its members.
 * 4. K: clusters with fewer than MIN_CLUSTER_PIXELS candidates are noise; a cluster explained
 *    as a blend of the background and one or two other clusters (the parser's residual) with
 *    under BLEND_SUPPORT of their support is where two colours meet (a ball's rim over the
 *    occluder), not a colour. K is the number of clusters left, named `cluster-k` by support
 *    (largest first).
 * 5. Occluder: a colour whose pixels stay put and fill a rectangle in every video that shows
 *    it, and next to which another colour shows only part of itself in some frame (something
 *    passes behind it), is the static occluder, as the world's grey bar is (`occluderRays`).
 *
 * With an estimated palette, colour names mean nothing to the truth or the prompt:
 * `nameByTruth` renames the tracks after the true objects they follow (by position), so the
 * ground-truth metrics can pair them; whether the colour itself is right cannot be judged.
 */
import type { StateFile } from '../../datasets/interchange.js';
import type { Rgb } from '../../datasets/world/palette.js';
import { UserError } from '../../base/errors.js';
import type { Video } from '../../base/video/video.js';
import { BACKGROUND_NOISE, RESIDUAL_ABSOLUTE, RESIDUAL_RELATIVE } from '../thresholds.js';
import { colorsFrom, type ColorSet } from './colors.js';
import type { ParsedTrack } from './tracks.js';

/** Pixels within this many levels of the most frequent colour refine the background (≈ 2× mp4 noise). */
export const BACKGROUND_RADIUS = 2 * BACKGROUND_NOISE;
/** A neighbour this many levels farther out along a pixel's ray makes the pixel an edge, not a colour (above rounding and mild noise). */
export const EXTREME_MARGIN = 3;
/** Candidate colours within this many levels are one colour (palettes far apart, noise well inside). */
export const CLUSTER_RADIUS = 24;
/** A colour needs this many candidate pixels over all videos (a one-pixel ball seen in 8 frames). */
export const MIN_CLUSTER_PIXELS = 8;
/** A blend of other colours is dropped when its support is under this share of theirs. */
export const BLEND_SUPPORT = 0.5;
/** The occluder holds this share of its pixels in every frame (a moving object keeps few; stray edge blends are a few). */
export const STATIC_SHARE = 0.8;
/** ... and fill this share of their box (a rectangle's interior; a disc's is π/4 at most). */
export const RECTANGLE_FILL = 0.9;
/** A colour showing under this share of its largest pixel count in a frame is partly hidden there. */
export const HIDDEN_SHARE = 0.9;

export interface EstimatedPalette {
  colors: ColorSet;
  /** Candidate pixels behind each ray's colour, in ray order. */
  support: number[];
}

const key = (r: number, g: number, b: number) => (r << 16) | (g << 8) | b;
const rgbOf = (k: number): [number, number, number] => [(k >> 16) & 255, (k >> 8) & 255, k & 255];

/**
 * The palette of `videos` (one palette for all of them: a folder from one generator).
 * Throws a UserError when no video shows any colour but the background.
 */
export function estimatePalette(videos: readonly Video[]): EstimatedPalette {
  if (videos.length === 0) throw new UserError('estimatePalette needs at least one video');
  const background = estimateBackground(videos);
  const candidates = candidateColors(videos, background);
  const clusters = dropBlends(clusterColors(candidates).filter((c) => c.support >= MIN_CLUSTER_PIXELS), background);
  if (clusters.length === 0) throw new UserError('no colour but the background in these videos: nothing to estimate a palette from');
  clusters.sort((a, b) => b.support - a.support || key(...a.rgb) - key(...b.rgb));
  const plain = colorsFrom(background, clusters.map((c) => c.rgb));
  const occluders = occluderRays(videos, plain);
  const colors: ColorSet = { background, rays: plain.rays.map((r, k) => ({ ...r, occluder: occluders.has(k) })) };
  return { colors, support: clusters.map((c) => c.support) };
}

/** Most frequent exact colour, refined to the per-channel median of the pixels near it. */
function estimateBackground(videos: readonly Video[]): Rgb {
  const counts = new Map<number, number>();
  for (const v of videos) {
    const f = v.frames;
    for (let o = 0; o < f.length; o += 3) {
      const k = key(f[o], f[o + 1], f[o + 2]);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  let mode = 0, best = -1;
  for (const [k, n] of counts) if (n > best || (n === best && k < mode)) [mode, best] = [k, n];
  const [mr, mg, mb] = rgbOf(mode);
  const hist = [new Float64Array(256), new Float64Array(256), new Float64Array(256)];
  let total = 0;
  for (const [k, n] of counts) {
    const [r, g, b] = rgbOf(k);
    if ((r - mr) ** 2 + (g - mg) ** 2 + (b - mb) ** 2 > BACKGROUND_RADIUS ** 2) continue;
    hist[0][r] += n;
    hist[1][g] += n;
    hist[2][b] += n;
    total += n;
  }
  const median = (h: Float64Array) => {
    let acc = 0;
    for (let v = 0; v < 256; v++) if ((acc += h[v]) * 2 >= total) return v;
    return 255;
  };
  return [median(hist[0]), median(hist[1]), median(hist[2])];
}

/** Exact colour → number of candidate pixels (pixels no neighbour outreaches along their ray). */
function candidateColors(videos: readonly Video[], background: Rgb): Map<number, number> {
  const [bR, bG, bB] = background;
  const out = new Map<number, number>();
  // A colour within CLUSTER_RADIUS of the background would be one cluster with it: faint edges and noise.
  const near2 = CLUSTER_RADIUS * CLUSTER_RADIUS;
  for (const { frames: f, width: W, height: H, numFrames: T } of videos) {
    for (let t = 0; t < T; t++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const o = ((t * H + y) * W + x) * 3;
          const vr = f[o] - bR, vg = f[o + 1] - bG, vb = f[o + 2] - bB;
          const m2 = vr * vr + vg * vg + vb * vb;
          if (m2 <= near2) continue;
          const m = Math.sqrt(m2);
          let extreme = true;
          for (let dy = -1; dy <= 1 && extreme; dy++) {
            const yy = y + dy;
            if (yy < 0 || yy >= H) continue;
            for (let dx = -1; dx <= 1; dx++) {
              const xx = x + dx;
              if ((dx === 0 && dy === 0) || xx < 0 || xx >= W) continue;
              const q = ((t * H + yy) * W + xx) * 3;
              const qr = f[q] - bR, qg = f[q + 1] - bG, qb = f[q + 2] - bB;
              const along = (qr * vr + qg * vg + qb * vb) / m;
              if (along <= m + EXTREME_MARGIN) continue;
              const q2 = qr * qr + qg * qg + qb * qb;
              const limit = RESIDUAL_ABSOLUTE + RESIDUAL_RELATIVE * Math.sqrt(q2);
              if (q2 - along * along <= limit * limit) {
                extreme = false;
                break;
              }
            }
          }
          if (!extreme) continue;
          const k = key(f[o], f[o + 1], f[o + 2]);
          out.set(k, (out.get(k) ?? 0) + 1);
        }
      }
    }
  }
  return out;
}

interface Cluster {
  rgb: Rgb;
  support: number;
}

/** Greedy clustering of candidate colours, most frequent first; colour = weighted per-channel median. */
function clusterColors(candidates: Map<number, number>): Cluster[] {
  const colors = [...candidates.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const seeds: { rgb: [number, number, number]; members: [number, number][] }[] = [];
  for (const [k, n] of colors) {
    const c = rgbOf(k);
    let best = -1, bestD = CLUSTER_RADIUS ** 2;
    seeds.forEach((s, i) => {
      const d = (s.rgb[0] - c[0]) ** 2 + (s.rgb[1] - c[1]) ** 2 + (s.rgb[2] - c[2]) ** 2;
      if (d <= bestD) [best, bestD] = [i, d];
    });
    if (best < 0) seeds.push({ rgb: c, members: [[k, n]] });
    else seeds[best].members.push([k, n]);
  }
  return seeds.map(({ members }) => {
    const support = members.reduce((s, [, n]) => s + n, 0);
    const median = (channel: number) => {
      const values = members.map(([k, n]) => [rgbOf(k)[channel], n] as const).sort((a, b) => a[0] - b[0]);
      let acc = 0;
      for (const [v, n] of values) if ((acc += n) * 2 >= support) return v;
      return values[values.length - 1][0];
    };
    return { rgb: [median(0), median(1), median(2)] as Rgb, support };
  });
}

/**
 * Drop clusters that are blends: bg + a·(A − bg) + b·(B − bg) with a, b ≥ 0, a + b ≤ 1 (within
 * the parser's residual) for better-supported clusters A, B (B may be absent), with under
 * BLEND_SUPPORT of their support. Considered from the least supported up.
 */
function dropBlends(clusters: Cluster[], background: Rgb): Cluster[] {
  const vec = (c: Rgb) => [c[0] - background[0], c[1] - background[1], c[2] - background[2]];
  const kept = [...clusters].sort((a, b) => a.support - b.support || key(...a.rgb) - key(...b.rgb));
  for (let i = 0; i < kept.length; ) {
    const c = kept[i];
    const v = vec(c.rgb);
    const norm = Math.hypot(v[0], v[1], v[2]);
    const limit = RESIDUAL_ABSOLUTE + RESIDUAL_RELATIVE * norm;
    const others = kept.filter((o) => o !== c && c.support < BLEND_SUPPORT * o.support);
    let blend = false;
    for (let a = 0; a < others.length && !blend; a++) {
      for (let b = a; b < others.length && !blend; b++) {
        blend = mixResidual(v, vec(others[a].rgb), a === b ? null : vec(others[b].rgb)) <= limit;
      }
    }
    if (blend) kept.splice(i, 1);
    else i++;
  }
  return kept;
}

/** Distance from v to the set {a·A + b·B : a, b ≥ 0, a + b ≤ 1} (B null: the segment 0→A). */
function mixResidual(v: number[], A: number[], B: number[] | null): number {
  const dot = (x: number[], y: number[]) => x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
  const dist = (a: number, b: number) => {
    const r = [0, 1, 2].map((i) => v[i] - a * A[i] - (B ? b * B[i] : 0));
    return Math.sqrt(dot(r, r));
  };
  const clamp = (x: number) => Math.min(1, Math.max(0, x));
  const onA = dist(clamp(dot(v, A) / Math.max(1e-9, dot(A, A))), 0);
  if (!B) return onA;
  const onB = dist(0, clamp(dot(v, B) / Math.max(1e-9, dot(B, B))));
  // Between A and B (a + b = 1), and inside the triangle (unconstrained least squares).
  const AB = [B[0] - A[0], B[1] - A[1], B[2] - A[2]];
  const s = clamp(dot([v[0] - A[0], v[1] - A[1], v[2] - A[2]], AB) / Math.max(1e-9, dot(AB, AB)));
  let best = Math.min(onA, onB, dist(1 - s, s));
  const aa = dot(A, A), bb = dot(B, B), ab = dot(A, B), det = aa * bb - ab * ab;
  if (det > 1e-9) {
    const a = (bb * dot(v, A) - ab * dot(v, B)) / det, b = (aa * dot(v, B) - ab * dot(v, A)) / det;
    if (a >= 0 && b >= 0 && a + b <= 1) best = Math.min(best, dist(a, b));
  }
  return best;
}

/**
 * Occluder rays, from which pixels are nearest to each colour (within CLUSTER_RADIUS, so most
 * edge blends belong to none). A colour's fixed pixels are those it holds in every frame. It is
 * the occluder when, in every video that shows it (a whole 3×3 block of it somewhere), its fixed pixels are at least STATIC_SHARE of
 * its pixels in every frame and fill their box as a rectangle does (RECTANGLE_FILL); and, in some
 * video, another colour's pixels come within two pixels of its fixed ones in a frame where that
 * colour shows less than HIDDEN_SHARE of its largest extent (something passes behind it). A
 * static square nothing hides behind stays an object.
 */
function occluderRays(videos: readonly Video[], colors: ColorSet): Set<number> {
  const K = colors.rays.length;
  const staticRectangle = new Array<boolean>(K).fill(true);
  const shown = new Array<boolean>(K).fill(false);
  const hides = new Array<boolean>(K).fill(false);
  const rgb = Float64Array.from(colors.rays.flatMap((r) => [...r.rgb]));
  for (const { frames: f, width: W, height: H, numFrames: T } of videos) {
    const n = W * H;
    const labels = new Int8Array(T * n);
    const counts = Array.from({ length: K }, () => new Array<number>(T).fill(0));
    for (let p = 0; p < T * n; p++) {
      let best = -1, bestD = CLUSTER_RADIUS ** 2;
      for (let k = 0; k < K; k++) {
        const d = (f[3 * p] - rgb[3 * k]) ** 2 + (f[3 * p + 1] - rgb[3 * k + 1]) ** 2 + (f[3 * p + 2] - rgb[3 * k + 2]) ** 2;
        if (d <= bestD) {
          best = k;
          bestD = d;
        }
      }
      labels[p] = best;
      if (best >= 0) counts[best][Math.floor(p / n)]++;
    }
    const largest = counts.map((c) => Math.max(...c));
    // fixed[p] = the colour pixel p shows in every frame, else −1.
    const fixed = labels.slice(0, n);
    for (let t = 1; t < T; t++) for (let p = 0; p < n; p++) if (labels[t * n + p] !== fixed[p]) fixed[p] = -1;
    for (let c = 0; c < K; c++) {
      const most = largest[c];
      if (!hasInterior(labels, c, W, H, T)) continue;
      shown[c] = true;
      let x0 = W, y0 = H, x1 = -1, y1 = -1, held = 0;
      for (let p = 0; p < n; p++) {
        if (fixed[p] !== c) continue;
        const x = p % W, y = (p - x) / W;
        [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
        held++;
      }
      const ok = held >= STATIC_SHARE * most && held >= RECTANGLE_FILL * (x1 - x0 + 1) * (y1 - y0 + 1);
      staticRectangle[c] &&= ok;
    }
    for (let t = 0; t < T; t++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const d = labels[t * n + y * W + x];
          if (d < 0 || counts[d][t] >= HIDDEN_SHARE * largest[d]) continue;
          for (let yy = Math.max(0, y - 2); yy <= Math.min(H - 1, y + 2); yy++) {
            for (let xx = Math.max(0, x - 2); xx <= Math.min(W - 1, x + 2); xx++) {
              const c = fixed[yy * W + xx];
              if (c >= 0 && c !== d) hides[c] = true;
            }
          }
        }
      }
    }
  }
  return new Set(staticRectangle.map((ok, c) => (ok && shown[c] && hides[c] ? c : -1)).filter((c) => c >= 0));
}

/** Whether colour c holds a whole 3×3 block in some frame (its own interior, not stray edge blends). */
function hasInterior(labels: Int8Array, c: number, W: number, H: number, T: number): boolean {
  for (let t = 0; t < T; t++) {
    for (let y = 1; y + 1 < H; y++) {
      for (let x = 1; x + 1 < W; x++) {
        let all = true;
        for (let dy = -1; dy <= 1 && all; dy++) for (let dx = -1; dx <= 1; dx++) all &&= labels[(t * H + y + dy) * W + x + dx] === c;
        if (all) return true;
      }
    }
  }
  return false;
}

/**
 * Tracks renamed after the true objects they follow: each true object (the occluder aside) takes
 * the colour name of the nearest track colour (mean distance of that colour's longest track to
 * the true positions over the frames both have), nearest pairs first, one each. Tracks of a
 * colour no true object claims keep their cluster name.
 */
export function nameByTruth(tracks: readonly ParsedTrack[], truth: StateFile): ParsedTrack[] {
  const longest = new Map<string, ParsedTrack>();
  for (const t of tracks) if ((longest.get(t.color)?.points.length ?? -1) < t.points.length) longest.set(t.color, t);
  const pairs: { d: number; from: string; to: string }[] = [];
  for (const o of truth.objects) {
    if (o.shape === 'bar') continue;
    for (const [color, track] of longest) {
      let sum = 0, n = 0;
      for (const p of track.points) {
        const q = o.track[p.frame];
        if (!q) continue;
        sum += Math.hypot(p.x - q.x, p.y - q.y);
        n++;
      }
      if (n > 0) pairs.push({ d: sum / n, from: color, to: o.color });
    }
  }
  pairs.sort((a, b) => a.d - b.d || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  const rename = new Map<string, string>();
  const taken = new Set<string>();
  for (const { from, to } of pairs) {
    if (rename.has(from) || taken.has(to)) continue;
    rename.set(from, to);
    taken.add(to);
  }
  return tracks.map((t) => ({ ...t, color: rename.get(t.color) ?? t.color }));
}
