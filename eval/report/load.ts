/**
 * Reading evaluation runs back (eval/FORMAT.md) for reports and notebooks, and finding a
 * run's siblings: runs in the same parent folder of the same source (checkpoint or folder,
 * same generation settings) on other suites, which the ID / OOD / combo table compares.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import { parseCsv } from '../../base/io/csv.js';
import type { PixelSize } from '../figures/letterbox.js';
import type { Track } from '../types.js';
import { firstIssue, RUN_FORMAT, runJsonSchema, type CategoryRow, type RunJson, type VideoRow } from '../run/run-schema.js';

export interface LoadedRun {
  dir: string;
  run: RunJson;
  videos: VideoRow[];
  categories: CategoryRow[];
}

export function isRunFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'run.json'));
}

export function loadRun(dir: string): LoadedRun {
  const file = path.join(dir, 'run.json');
  if (!fs.existsSync(file)) throw new UserError(`${dir} is not an evaluation run (no run.json; make one with \`spacetime eval\`)`, 1);
  const read = <T>(name: string): T => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as T;
    } catch (err) {
      throw new UserError(`${path.join(dir, name)}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'not valid JSON'}`, 1);
    }
  };
  const raw = read<{ format?: unknown }>('run.json');
  if (raw?.format !== RUN_FORMAT) throw new UserError(`${file} has format "${String(raw?.format)}", expected "${RUN_FORMAT}"`, 1);
  const parsed = runJsonSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(`${file}: ${firstIssue(parsed.error)}`, 1);
  const run = parsed.data;
  return { dir, run, videos: read<{ rows: VideoRow[] }>('videos.json').rows, categories: read<{ rows: CategoryRow[] }>('categories.json').rows };
}

export function loadTracks(dir: string, id: string): { generated: Track[]; truth: Track[] | null } | null {
  const file = path.join(dir, 'tracks', `${id}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { generated: Track[]; truth: Track[] | null }) : null;
}

/** Whether two runs scored the same source the same way (so their numbers compare): a conditioned run's siblings are given as many true frames. */
export function sameSource(a: RunJson, b: RunJson): boolean {
  return (
    a.source.kind === b.source.kind &&
    path.resolve(a.source.path) === path.resolve(b.source.path) &&
    JSON.stringify(a.source.generate) === JSON.stringify(b.source.generate) &&
    JSON.stringify(a.seeds) === JSON.stringify(b.seeds) &&
    a.keep_frames === b.keep_frames
  );
}

/** `dir`'s run plus the runs beside it (same parent) of the same source on other suites. */
export function siblingRuns(dir: string): LoadedRun[] {
  const self = loadRun(dir);
  const parent = path.dirname(path.resolve(dir));
  const others = fs
    .readdirSync(parent, { withFileTypes: true })
    .filter((e) => e.isDirectory() && path.join(parent, e.name) !== path.resolve(dir) && !e.name.startsWith('.'))
    .map((e) => path.join(parent, e.name))
    .filter(isRunFolder)
    .flatMap((d) => {
      try {
        return [loadRun(d)];
      } catch {
        return []; // a broken neighbour does not stop this run's report
      }
    })
    .filter((r) => sameSource(r.run, self.run) && r.run.suite?.name !== self.run.suite?.name);
  return [self, ...others.sort((a, b) => a.dir.localeCompare(b.dir))];
}

/**
 * The stored pixel size of each of the run's videos by id (captions.csv: path videos/ID.mp4,
 * height and width columns); a video without a row (a run from before captions.csv) is absent.
 */
export function videoSizes(dir: string): Map<string, PixelSize> {
  const file = path.join(dir, 'captions.csv');
  const sizes = new Map<string, PixelSize>();
  if (!fs.existsSync(file)) return sizes;
  const [header, ...rows] = parseCsv(fs.readFileSync(file, 'utf8'));
  const col = (name: string) => header?.cells.indexOf(name) ?? -1;
  const [at, h, w] = [col('path'), col('height'), col('width')];
  if (at < 0 || h < 0 || w < 0) return sizes;
  for (const { cells } of rows) {
    const id = /^videos\/(.+)\.mp4$/.exec(cells[at])?.[1];
    const size = { width: Number(cells[w]), height: Number(cells[h]) };
    if (id && size.width > 0 && size.height > 0) sizes.set(id, size);
  }
  return sizes;
}
