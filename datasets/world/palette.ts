/**
 * The world's named colours. Objects are drawn in exactly these RGB values on a plain
 * background, so a parser that knows the palette can segment a frame by colour.
 */
export const COLOR_NAMES = ['red', 'orange', 'yellow', 'green', 'cyan', 'blue', 'purple', 'white'] as const;
export type ColorName = (typeof COLOR_NAMES)[number];
export type Rgb = readonly [number, number, number];

export const PALETTE: Readonly<Record<ColorName, Rgb>> = {
  red: [230, 41, 55],
  orange: [255, 150, 20],
  yellow: [250, 230, 40],
  green: [40, 200, 70],
  cyan: [40, 210, 230],
  blue: [40, 80, 245],
  purple: [160, 60, 230],
  white: [245, 245, 245],
};

/** The plain background every scene is drawn on (a dark slate, so every colour stands out). */
export const BACKGROUND: Rgb = [28, 30, 38];

/** The static occluder bar of the `occlusion` family: a neutral grey, not a palette colour. */
export const OCCLUDER_COLOR: Rgb = [120, 120, 128];
export const OCCLUDER_COLOR_NAME = 'gray';

export function isColorName(name: string): name is ColorName {
  return (COLOR_NAMES as readonly string[]).includes(name);
}
