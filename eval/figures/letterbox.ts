/**
 * Clips of any size side by side at the same scale. The world is 10 units high in every clip
 * (its width follows the aspect), so the same pixels per world unit on screen means the same
 * display height: each clip is shown as wide as its aspect makes it, centred in a box common
 * to all of them, as wide as the widest clip — letterboxed, never squashed. A 48×32 clip is
 * 1.5 times as wide as a 32×32 one; a 64×64 clip is as big as a 32×32 one (the same world at
 * twice the pixels). The comparison server's page does the same in CSS (public/compare.js).
 *
 *   letterbox([{ width: 32, height: 32 }, { width: 48, height: 32 }], 160)
 *   // { box: { width: 240, height: 160 }, clips: [{ width: 160, height: 160 }, { width: 240, height: 160 }] }
 */
export interface PixelSize {
  width: number;
  height: number;
}

export function letterbox(clips: readonly PixelSize[], boxHeight: number): { box: PixelSize; clips: PixelSize[] } {
  const shown = clips.map((c) => ({ width: Math.round((boxHeight * c.width) / c.height), height: boxHeight }));
  return { box: { width: shown.length ? Math.max(...shown.map((c) => c.width)) : boxHeight, height: boxHeight }, clips: shown };
}
