/**
 * The fixed pixel features of the harness's `fd_pixel`: a deterministic feature set computed
 * from pixels, not a trained network. The trained encoder (video-encoder.ts, `fd_encoder`)
 * is the FVD-style distance; this one stays beside it because (1) the same bytes give the same
 * features on every backend and machine, bit for bit, so a distance is comparable across runs
 * forever, with no weights to version; (2) it reads any clip size or length, where the encoder
 * reads only 32×32×16; (3) it cannot be fooled the way a classifier's features can (right
 * labels, wrong pixels), since it reads what this world's clips differ in — which colours are
 * on screen, where, and how much they move — directly. It is blind to frame order beyond
 * its four time quarters, which the encoder and the motion features (motion-features.ts,
 * FVMD-style) see.
 *
 * The vector (PIXEL_FEATURE_DIM = 39), at any clip size or length:
 *   - colour occupancy: share of foreground pixels nearest each palette colour and the grey
 *     occluder (9);
 *   - layout: foreground share in each cell of a 4×4 grid, averaged over frames (16);
 *   - motion energy: mean absolute luma change between frames, in 4 time quarters (4);
 *   - foreground area share in 4 time quarters (4);
 *   - foreground centroid (x, y in [0, 1], y up) at the first, middle and last frame (6).
 *
 *   const f = pixelFeatures(video);   // number[39]
 */
import { BACKGROUND, COLOR_NAMES, OCCLUDER_COLOR, PALETTE, type Rgb } from '../../datasets/world/palette.js';
import type { Video } from '../../base/video/video.js';

const GRID = 4;
const QUARTERS = 4;
/** A pixel is foreground when some channel differs from the background by more than this. */
const FOREGROUND_THRESHOLD = 40;
const COLOURS: readonly Rgb[] = [...COLOR_NAMES.map((c) => PALETTE[c]), OCCLUDER_COLOR];

export const PIXEL_FEATURE_DIM = COLOURS.length + GRID * GRID + 2 * QUARTERS + 6;

export function pixelFeatures(video: Video): number[] {
  const { numFrames: T, height: H, width: W, frames } = video;
  const colour = new Array(COLOURS.length).fill(0);
  const layout = new Array(GRID * GRID).fill(0);
  const energy = new Array(QUARTERS).fill(0);
  const energyFrames = new Array(QUARTERS).fill(0);
  const area = new Array(QUARTERS).fill(0);
  const areaFrames = new Array(QUARTERS).fill(0);
  const centroids: [number, number][] = [];
  let foregroundTotal = 0;
  const quarter = (t: number) => Math.min(QUARTERS - 1, Math.floor((t / T) * QUARTERS));
  for (let t = 0; t < T; t++) {
    let fg = 0;
    let cx = 0;
    let cy = 0;
    let change = 0;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const i = ((t * H + y) * W + x) * 3;
        const [r, g, b] = [frames[i], frames[i + 1], frames[i + 2]];
        if (t > 0) {
          const j = i - H * W * 3;
          change += Math.abs(0.299 * (r - frames[j]) + 0.587 * (g - frames[j + 1]) + 0.114 * (b - frames[j + 2]));
        }
        const diff = Math.max(Math.abs(r - BACKGROUND[0]), Math.abs(g - BACKGROUND[1]), Math.abs(b - BACKGROUND[2]));
        if (diff <= FOREGROUND_THRESHOLD) continue;
        fg++;
        cx += (x + 0.5) / W;
        cy += 1 - (y + 0.5) / H;
        layout[Math.floor((y * GRID) / H) * GRID + Math.floor((x * GRID) / W)] += 1 / (T * (H / GRID) * (W / GRID));
        let best = 0;
        let bestDistance = Infinity;
        COLOURS.forEach((c, k) => {
          const d = (r - c[0]) ** 2 + (g - c[1]) ** 2 + (b - c[2]) ** 2;
          if (d < bestDistance) [best, bestDistance] = [k, d];
        });
        colour[best]++;
      }
    foregroundTotal += fg;
    area[quarter(t)] += fg / (H * W);
    areaFrames[quarter(t)]++;
    if (t > 0) {
      energy[quarter(t)] += change / (H * W * 255);
      energyFrames[quarter(t)]++;
    }
    centroids.push(fg > 0 ? [cx / fg, cy / fg] : [0.5, 0.5]);
  }
  const mean = (sum: number[], count: number[]) => sum.map((s, k) => (count[k] > 0 ? s / count[k] : 0));
  const picks = [centroids[0], centroids[Math.floor((T - 1) / 2)], centroids[T - 1]];
  return [
    ...colour.map((c) => c / Math.max(foregroundTotal, 1)),
    ...layout,
    ...mean(energy, energyFrames),
    ...mean(area, areaFrames),
    ...picks.flat(),
  ];
}
