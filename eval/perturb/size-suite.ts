/**
 * The validity suite at other clip sizes and lengths (issue 19): clean ground-truth renders of
 * every family and split, drawn natively at landscape, portrait and larger sizes and at 32
 * frames, scored against their own truth and captions losslessly and after H.264 — the
 * scorer must call them as it calls the standard 32×32×16 clips (abnormal rate, joint
 * accuracy, the parser's velocity and position error floor).
 *
 *   const rows = await runSizeSuite(SIZE_VALIDITY);   // one row per shape × encoding
 */
import { toStateFile } from '../../datasets/interchange.js';
import { makeSample } from '../../datasets/world/sample.js';
import { FAMILIES, SPLITS, type Family } from '../../datasets/world/spec.js';
import type { Video } from '../../base/video/video.js';
import { scoreVideo } from '../score.js';
import { roundTrip, type Encoding } from './codec.js';
import { familyRow, type FamilyRow } from './validity-suite.js';

/** A clip's size and length, as `--size WxH --frames T` make it. */
export interface ClipShape {
  width: number;
  height: number;
  numFrames: number;
}

/** The standard clip first, then the sizes and lengths issue 19 asks the world and harness for. */
export const VALIDITY_SHAPES: readonly ClipShape[] = [
  { width: 32, height: 32, numFrames: 16 },
  { width: 48, height: 32, numFrames: 16 },
  { width: 32, height: 48, numFrames: 16 },
  { width: 64, height: 64, numFrames: 16 },
  { width: 32, height: 32, numFrames: 32 },
];

/** The lossy encoding each shape is also scored after (a typical generator's file). */
export const SIZE_ENCODING: Encoding = { name: 'H.264 4:2:0 crf 23', codec: 'h264', crf: 23 };

export interface SizeSuiteOptions {
  /** Clean samples per family and split. */
  perFamilySplit: number;
  seed: number;
}

/** What eval/perturb/write-validity.ts measures (VALIDITY.md); the test runs fewer. */
export const SIZE_VALIDITY: SizeSuiteOptions = { perFamilySplit: 10, seed: 11 };
export const SIZE_TEST: SizeSuiteOptions = { perFamilySplit: 3, seed: 11 };

export interface SizeRow {
  shape: ClipShape;
  /** `lossless` or the encoding's name. */
  encoding: string;
  /** Every family together. */
  scores: FamilyRow;
}

export const shapeLabel = (s: ClipShape) => `${s.width}×${s.height}, ${s.numFrames} frames`;

/** Score the clean clips of one shape, losslessly and after SIZE_ENCODING. */
export async function runSizeShape(shape: ClipShape, options: SizeSuiteOptions): Promise<SizeRow[]> {
  const clips: { family: Family; video: Video; caption: string; truth: ReturnType<typeof toStateFile> }[] = [];
  for (const family of FAMILIES) {
    for (const split of SPLITS) {
      for (let index = 0; index < options.perFamilySplit; index++) {
        const { frames, meta } = makeSample({ family, split, seed: options.seed, index, ...shape });
        const video = { frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps };
        clips.push({ family, video, caption: meta.caption, truth: toStateFile(meta) });
      }
    }
  }
  const score = (videos: Video[]) =>
    familyRow('all' as Family, clips.map((c, k) => scoreVideo({ video: videos[k], caption: c.caption, truth: c.truth }, { physicsIq: false })));
  const lossless = score(clips.map((c) => c.video));
  const lossy = score(await roundTrip(clips.map((c) => c.video), SIZE_ENCODING));
  return [
    { shape, encoding: 'lossless', scores: lossless },
    { shape, encoding: SIZE_ENCODING.name, scores: lossy },
  ];
}

export async function runSizeSuite(options: SizeSuiteOptions = SIZE_VALIDITY): Promise<SizeRow[]> {
  const rows: SizeRow[] = [];
  for (const shape of VALIDITY_SHAPES) rows.push(...(await runSizeShape(shape, options)));
  return rows;
}

const fmt = (x: number | null, digits: number) => (x === null || Number.isNaN(x) ? '–' : x.toFixed(digits));

/** Rows as the markdown table of eval/VALIDITY.md. */
export function sizeMarkdown(rows: SizeRow[], options: SizeSuiteOptions): string {
  const lines = [
    `Clean renders (${options.perFamilySplit} per family × split id/ood/combo, seed ${options.seed}) drawn natively at each size and length, scored against their own truth and captions:`,
    '',
    '| clip | encoding | videos | abnormal rate | joint accuracy | velocity error (units/s) | position error ADE (units) | violations | attribute failures |',
    '|---|---|---:|---:|---:|---:|---:|---|---|',
  ];
  const list = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || '–';
  for (const { shape, encoding, scores: s } of rows) {
    lines.push(
      `| ${shapeLabel(shape)} | ${encoding} | ${s.videos} | ${fmt(s.abnormalRate, 3)} | ${fmt(s.jointAccuracy, 3)} | ${fmt(s.velocityError, 4)} | ${fmt(s.positionAde, 4)} | ${list(s.violations)} | ${list(s.attributeFailures)} |`,
    );
  }
  return lines.join('\n') + '\n';
}
