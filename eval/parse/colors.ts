/**
 * The colours the parser looks for: the world's palette plus the occluder's grey, each as a
 * ray from the background colour (an anti-aliased edge pixel is bg + α·(colour − bg) exactly,
 * because the renderer blends linearly in RGB).
 */
import { BACKGROUND, COLOR_NAMES, OCCLUDER_COLOR, OCCLUDER_COLOR_NAME, PALETTE, type Rgb } from '../../datasets/world/palette.js';

export interface ColorRay {
  name: string;
  rgb: Rgb;
  /** colour − background */
  u: [number, number, number];
  /** |u|² */
  norm2: number;
  /** Whether this is the static occluder, not an object. */
  occluder: boolean;
}

export interface ColorSet {
  background: Rgb;
  rays: ColorRay[];
}

function ray(name: string, rgb: Rgb, background: Rgb, occluder: boolean): ColorRay {
  const u: [number, number, number] = [rgb[0] - background[0], rgb[1] - background[1], rgb[2] - background[2]];
  return { name, rgb, u, norm2: u[0] * u[0] + u[1] * u[1] + u[2] * u[2], occluder };
}

/** The world's known palette: eight object colours and the grey occluder, on the slate background. */
export function worldColors(): ColorSet {
  const rays = COLOR_NAMES.map((name) => ray(name, PALETTE[name], BACKGROUND, false));
  rays.push(ray(OCCLUDER_COLOR_NAME, OCCLUDER_COLOR, BACKGROUND, true));
  return { background: BACKGROUND, rays };
}

/** A colour set from explicit colours (e.g. estimated by clustering, eval/parse/palette.ts); names are `cluster-k`. */
export function colorsFrom(background: Rgb, colors: readonly Rgb[]): ColorSet {
  return { background, rays: colors.map((c, k) => ray(`cluster-${k}`, c, background, false)) };
}
