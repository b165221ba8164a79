/**
 * Evaluation runs made from the world's ground truth, in the `spacetime-eval/v1` layout
 * (eval/FORMAT.md), for the server's tests, benchmark and notebook while the real harness
 * is not needed: each run's "generated" video is the true render with every object drifted
 * sideways at a speed set per run (and varied per video), its tracks are the true tracks
 * moved the same way, and its metrics are what that drift implies (position errors exactly;
 * the others plausible functions of it). Truth videos and tracks are the world's own.
 *
 *   await writeFixtureRuns('tmp/evals', { runs: [{ name: 'good', drift: 0.2 }, { name: 'bad', drift: 1.5 }] });
 *   // tmp/evals/good/run.json, videos.json, videos/bounce-000-s1.mp4, truth/…, tracks/…
 */
import fs from 'node:fs';
import path from 'node:path';
import { formatCsv } from '../../base/io/csv.js';
import { writeMp4, type Video } from '../../base/video/index.js';
import { CAPTIONS_HEADER } from '../../datasets/interchange.js';
import { BACKGROUND } from '../../datasets/world/palette.js';
import { makeSample } from '../../datasets/world/sample.js';
import type { Family } from '../../datasets/world/spec.js';
import { mulberry32 } from './ranking.js';

export interface FixtureRunSpec {
  name: string;
  /** Mean sideways drift of the objects, world units per second. */
  drift: number;
  /** Recorded as the run's sampling setting. */
  guidance?: number;
  /** Clip size, width × height pixels (default the world's 32×32): the run's videos and truth are drawn at it. */
  size?: { width: number; height: number };
}

export interface FixtureOptions {
  runs: FixtureRunSpec[];
  families?: Family[];
  /** Prompts per family. */
  perFamily?: number;
  seeds?: number[];
  suite?: string;
}

export const FIXTURE_METRICS = ['position_ade', 'position_fde', 'velocity_error', 'gravity_error', 'physiq_score', 'temporal_flickering', 'attribute_accuracy'];
const GRAVITY_FAMILIES: Family[] = ['parabola', 'bounce', 'slide'];

interface FixtureTrack {
  color: string;
  points: { frame: number; x: number; y: number; area: number }[];
}

/** Write one run folder per spec under `dir`; returns the run folders. */
export async function writeFixtureRuns(dir: string, options: FixtureOptions): Promise<string[]> {
  const families = options.families ?? ['bounce', 'parabola', 'collision'];
  const perFamily = options.perFamily ?? 2;
  const seeds = options.seeds ?? [1];
  const suite = options.suite ?? 'fixture-id';
  const truthCache = new Map<string, Uint8Array>();
  const folders: string[] = [];
  for (const [r, spec] of options.runs.entries()) {
    const out = path.join(dir, spec.name);
    for (const sub of ['videos', 'truth', 'tracks']) fs.mkdirSync(path.join(out, sub), { recursive: true });
    const random = mulberry32(1000 + r);
    const rows: Record<string, string | number | null>[] = [];
    const captions: (string | number)[][] = [];
    for (const family of families) {
      for (let index = 0; index < perFamily; index++) {
        for (const seed of seeds) {
          const promptId = `${family}-${String(index).padStart(3, '0')}`;
          const id = `${promptId}-s${seed}`;
          const { frames, meta } = makeSample({ family, split: 'id', seed: 1, index, ...spec.size });
          const truth: Video = { frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps };
          const drift = spec.drift * (0.5 + random()) * (seed % 2 ? 1 : -1);
          const truthFile = path.join(out, 'truth', `${id}.mp4`);
          const truthKey = `${id}/${meta.width}x${meta.height}`;
          if (!truthCache.has(truthKey)) {
            await writeMp4(truth, truthFile);
            truthCache.set(truthKey, fs.readFileSync(truthFile));
          } else fs.writeFileSync(truthFile, truthCache.get(truthKey)!);
          // Stored at 2× (writeMp4), as a run's captions.csv records it.
          captions.push([`videos/${id}.mp4`, meta.caption, meta.numFrames, 2 * meta.height, 2 * meta.width, meta.fps]);
          await writeMp4(drifted(truth, drift, meta.constants.scale), path.join(out, 'videos', `${id}.mp4`));
          const truthTracks: FixtureTrack[] = meta.spec.objects.map((o, k) => ({
            color: o.color,
            points: meta.tracks[k].map((p) => ({ frame: p.t, x: p.x, y: p.y, area: p.visible })),
          }));
          const generated = truthTracks.map((t) => ({ ...t, points: t.points.map((p) => ({ ...p, x: p.x + (drift * p.frame) / meta.fps })) }));
          fs.writeFileSync(path.join(out, 'tracks', `${id}.json`), JSON.stringify({ generated, truth: truthTracks }));
          const T = meta.numFrames;
          const ade = (Math.abs(drift) * (T - 1)) / 2 / meta.fps;
          const gravity = GRAVITY_FAMILIES.includes(family) ? Math.abs(drift) * 0.4 + random() * 0.1 : null;
          const violations = [...(gravity !== null && gravity > 0.5 ? ['gravity'] : []), ...(Math.abs(drift) > 1.2 ? ['teleport'] : [])];
          const attributes = Math.max(0, 1 - Math.abs(drift) * 0.3 - random() * 0.1);
          rows.push({
            id,
            prompt_id: promptId,
            seed,
            category: family,
            split: 'id',
            family,
            caption: meta.caption,
            video: `videos/${id}.mp4`,
            truth: `truth/${id}.mp4`,
            position_ade: round(ade),
            position_fde: round((Math.abs(drift) * (T - 1)) / meta.fps),
            velocity_error: round(Math.abs(drift)),
            gravity_error: gravity === null ? null : round(gravity),
            physiq_score: round(1 / (1 + ade)),
            temporal_flickering: round(0.99 - 0.01 * random()),
            attribute_accuracy: round(attributes),
            abnormal: violations.length ? 1 : 0,
            violations: violations.join(';'),
            joint_correct: !violations.length && attributes > 0.8 ? 1 : 0,
          });
        }
      }
    }
    writeTables(out, rows);
    fs.writeFileSync(path.join(out, 'captions.csv'), formatCsv(CAPTIONS_HEADER, captions));
    const mean = (k: string) => round(rows.reduce((a, r) => a + Number(r[k] ?? 0), 0) / rows.length);
    const run = {
      format: 'spacetime-eval/v1',
      name: spec.name,
      suite: { name: suite, version: 1, split: 'id', categories: families },
      source: { kind: 'videos', path: `fixture:${spec.name}`, config: null, generate: spec.guidance === undefined ? null : { steps: 25, guidance: spec.guidance, sampler: 'heun' } },
      seeds,
      code: { version: '0.1.0', commit: null },
      created: new Date(Date.UTC(2026, 0, 1 + r)).toISOString(),
      timings: { generate_s: 0, score_s: 0, total_s: 0 },
      headline: { videos: rows.length, abnormal_rate: mean('abnormal'), joint_accuracy: mean('joint_correct'), position_ade: mean('position_ade'), physiq_score: mean('physiq_score') },
      skipped_metrics: {},
      bad_inputs: [],
    };
    fs.writeFileSync(path.join(out, 'run.json'), JSON.stringify(run, null, 2) + '\n');
    folders.push(out);
  }
  return folders;
}

/** The clip with everything moved sideways by `drift` units/s (background fills in). */
function drifted(video: Video, drift: number, scale: number): Video {
  const { numFrames: T, height: H, width: W } = video;
  const frames = new Uint8Array(video.frames.length);
  for (let t = 0; t < T; t++) {
    const dx = Math.round(((drift * t) / video.fps) * scale);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const from = x - dx;
        const to = ((t * H + y) * W + x) * 3;
        if (from < 0 || from >= W) frames.set(BACKGROUND, to);
        else frames.set(video.frames.subarray(((t * H + y) * W + from) * 3, ((t * H + y) * W + from) * 3 + 3), to);
      }
  }
  return { ...video, frames };
}

function writeTables(out: string, rows: Record<string, string | number | null>[]): void {
  const header = Object.keys(rows[0]);
  fs.writeFileSync(path.join(out, 'videos.json'), JSON.stringify({ rows }, null, 1) + '\n');
  fs.writeFileSync(path.join(out, 'videos.csv'), formatCsv(header, rows.map((r) => header.map((h) => r[h] ?? ''))));
  const categories = [...new Set(rows.map((r) => String(r.category)))].map((category) => {
    const mine = rows.filter((r) => r.category === category);
    const mean = (k: string) => {
      const values = mine.map((r) => r[k]).filter((v): v is number => typeof v === 'number');
      return values.length ? round(values.reduce((a, b) => a + b, 0) / values.length) : null;
    };
    return {
      category,
      split: 'id',
      videos: mine.length,
      ...Object.fromEntries(FIXTURE_METRICS.map((m) => [m, mean(m)])),
      abnormal_rate: mean('abnormal'),
      joint_accuracy: mean('joint_correct'),
    };
  });
  fs.writeFileSync(path.join(out, 'categories.json'), JSON.stringify({ rows: categories }, null, 1) + '\n');
  const cHeader = Object.keys(categories[0]);
  fs.writeFileSync(path.join(out, 'categories.csv'), formatCsv(cHeader, categories.map((c) => cHeader.map((h) => (c as Record<string, unknown>)[h] as string | number ?? ''))));
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;
