import { describe, expect, it } from 'vitest';
import { toStateFile } from '../../datasets/interchange.js';
import { BACKGROUND, COLOR_NAMES, OCCLUDER_COLOR, PALETTE, type Rgb } from '../../datasets/world/palette.js';
import { Rasterizer } from '../../datasets/world/render.js';
import { makeSample } from '../../datasets/world/sample.js';
import { FAMILIES, type Family } from '../../datasets/world/spec.js';
import { UserError } from '../../base/errors.js';
import type { Video } from '../../base/video/video.js';
import { scoreVideo } from '../score.js';
import { colorsFrom, type ColorSet } from './colors.js';
import { estimatePalette } from './palette.js';
import { parseVideo, type ParsedVideo } from './tracks.js';

/**
 * An unknown palette: every object drawn in another palette colour (shifted by three names),
 * then every pixel, background included, put through a colour map the parser does not know
 * (channels rotated, scaled by 0.85, lifted by 25). The map is affine, so anti-aliased edges
 * stay exact blends of the new background and colours (up to rounding).
 */
const unknown = (c: readonly number[]): Rgb => [c[2], c[0], c[1]].map((v) => Math.round(0.85 * v + 25)) as unknown as Rgb;
const swapped = (name: string): Rgb => (name === 'gray' ? OCCLUDER_COLOR : PALETTE[COLOR_NAMES[(COLOR_NAMES.indexOf(name as never) + 3) % COLOR_NAMES.length]]);

function recoloured(family: Family, index: number) {
  const { frames: original, meta } = makeSample({ family, split: 'id', seed: 3, index });
  const objects = meta.spec.objects.map((o) => ({ ...o, rgb: swapped(o.color) }));
  const raster = new Rasterizer({ width: meta.width, height: meta.height, scale: meta.constants.scale });
  const bytes = meta.width * meta.height * 3;
  const frames = new Uint8Array(bytes * meta.numFrames);
  for (let t = 0; t < meta.numFrames; t++) raster.renderFrame(frames.subarray(t * bytes, (t + 1) * bytes), objects, meta.tracks.map((tr) => tr[t]));
  for (let i = 0; i < frames.length; i += 3) frames.set(unknown([frames[i], frames[i + 1], frames[i + 2]]), i);
  const shape = { numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps };
  return { video: { frames, ...shape } as Video, original: { frames: original, ...shape } as Video, meta, truth: toStateFile(meta) };
}

/** The unknown palette itself, as the parser would need it: named after the world colour each object stands for. */
function truePalette(): ColorSet {
  const set = colorsFrom(unknown(BACKGROUND), COLOR_NAMES.map((c) => unknown(swapped(c))));
  set.rays.forEach((r, k) => (r.name = COLOR_NAMES[k]));
  set.rays.push({ ...colorsFrom(unknown(BACKGROUND), [unknown(OCCLUDER_COLOR)]).rays[0], name: 'gray', occluder: true });
  return set;
}

/** Largest centroid distance (units) between matching points of two parses with the same track structure. */
function trackDifference(a: ParsedVideo, b: ParsedVideo): number {
  expect(b.tracks.map((t) => t.points.map((p) => p.frame))).toEqual(a.tracks.map((t) => t.points.map((p) => p.frame)));
  expect(b.occluders.length).toBe(a.occluders.length);
  let worst = 0;
  a.tracks.forEach((t, k) => t.points.forEach((p, i) => (worst = Math.max(worst, Math.hypot(p.x - b.tracks[k].points[i].x, p.y - b.tracks[k].points[i].y)))));
  return worst;
}

const samples = FAMILIES.flatMap((family) => [0, 1].map((index) => recoloured(family, index)));

describe('estimatePalette', () => {
  it('recovers an unknown palette from a set of videos: background, every colour used, the occluder', () => {
    const { colors, support } = estimatePalette(samples.map((s) => s.video));
    expect(colors.background).toEqual(unknown(BACKGROUND));
    const used = [...new Set(samples.flatMap((s) => s.meta.spec.objects.map((o) => o.color)))];
    expect(colors.rays).toHaveLength(used.length); // K: one cluster per colour on screen, no blends, no noise
    for (const name of used) {
      const want = unknown(swapped(name));
      const ray = colors.rays.find((r) => Math.max(...r.rgb.map((v, c) => Math.abs(v - want[c]))) <= 1);
      expect(ray, `${name} → ${want}`).toBeDefined();
      expect(ray!.occluder, name).toBe(name === 'gray');
    }
    expect(colors.rays.map((r) => r.name)).toEqual(used.map((_, k) => `cluster-${k}`));
    expect([...support].sort((a, b) => b - a)).toEqual(support); // named by support, largest first
  });

  it('the parser finds the same tracks with the estimated palette as with the true one', () => {
    const pooled = estimatePalette(samples.map((s) => s.video)).colors;
    const truth = truePalette();
    let worstPooled = 0, worstSingle = 0;
    for (const s of samples) {
      const want = parseVideo(s.video, truth);
      worstPooled = Math.max(worstPooled, trackDifference(want, parseVideo(s.video, pooled)));
      // One video on its own: fewer pixels per colour, so a small colour can come out a level off.
      worstSingle = Math.max(worstSingle, trackDifference(want, parseVideo(s.video, estimatePalette([s.video]).colors)));
    }
    // Measured: 0 pooled (every colour exact), 0.028 units (0.09 px) from single videos.
    expect(worstPooled).toBe(0);
    expect(worstSingle).toBeLessThan(0.04);
  });

  it('is deterministic and does not depend on the order of the videos', () => {
    const videos = samples.slice(0, 6).map((s) => s.video);
    const a = estimatePalette(videos);
    expect(estimatePalette(videos)).toEqual(a);
    expect(estimatePalette([...videos].reverse())).toEqual(a);
  });

  it('on the world\'s own renders it finds the world palette', () => {
    const { colors } = estimatePalette(samples.map((s) => s.original));
    expect(colors.background).toEqual(BACKGROUND);
    const occluder = colors.rays.filter((r) => r.occluder);
    expect(occluder.map((r) => r.rgb)).toEqual([OCCLUDER_COLOR]);
    for (const r of colors.rays) if (!r.occluder) expect(COLOR_NAMES.some((c) => PALETTE[c].every((v, i) => v === r.rgb[i])), String(r.rgb)).toBe(true);
  });

  it('refuses videos that show nothing but the background', () => {
    const blank = { ...samples[0].video, frames: new Uint8Array(samples[0].video.frames.length).fill(40) };
    expect(() => estimatePalette([blank])).toThrow(UserError);
    expect(() => estimatePalette([])).toThrow(UserError);
  });
});

describe('scoring with an estimated palette', () => {
  it('names tracks after the true objects, scores as with the true palette, and leaves colour unjudged', () => {
    const colors = estimatePalette(samples.map((s) => s.video)).colors;
    const truth = truePalette();
    for (const s of samples) {
      const input = { video: s.video, caption: s.meta.caption, truth: s.truth };
      const known = scoreVideo(input, { physicsIq: false, colors: truth });
      const estimated = scoreVideo(input, { physicsIq: false, colors });
      expect(estimated.tracks).toEqual(known.tracks);
      expect(estimated.metrics).toEqual(known.metrics);
      expect(estimated.attributes).toEqual({ ...known.attributes, color: null });
      expect(known.attributes.color).toBe(true);
    }
  });
});
