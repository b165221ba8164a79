/**
 * What a run scores: one `EvalInput` per video, each with its prompt, its category and,
 * when there is one, its ground truth (the state file and the true render). Built either by
 * generating the suite's prompts with a checkpoint (generate.ts) or, here, by reading a
 * folder in the interchange layout — anyone's videos — row by row: a bad row is listed with
 * the reason and the rest are still scored.
 */
import path from 'node:path';
import {
  checkCaptionRow,
  openCaptions,
  readRowState,
  readRowVideo,
  videoName,
  type CaptionRow,
  type InterchangeFolder,
  type StateFile,
} from '../../datasets/interchange.js';
import { Rasterizer } from '../../datasets/world/render.js';
import { describeError } from '../../base/errors.js';
import type { Video } from '../../base/video/index.js';
import { FAMILY_CATEGORY, categoryFromCaption, suiteItemAt, suiteTruth, type Suite, type SuiteItem } from '../suites/suites.js';

export interface EvalInput {
  /** `<promptId>-s<seed>`: only [A-Za-z0-9._-]. */
  id: string;
  promptId: string;
  seed: number;
  category: string;
  split: string;
  family: string;
  caption: string;
  video: Video;
  /**
   * Where `video` was decoded from, stored into the run as is: the file it came from (a
   * --videos folder) or the MP4 bytes a generated video was written as. The scores are of
   * these decoded frames, so re-scoring the run's own folder gives the same figures.
   */
  sourceFile: string | null;
  mp4: Uint8Array | null;
  /** Its captions.csv line (a --videos folder). */
  row?: number;
  truth: { state: StateFile; video: Video } | null;
}

/** One row or file that could not be scored, and why (run.json `bad_inputs`). */
export interface BadInput {
  file: string;
  row?: number;
  reason: string;
}

/** Only [A-Za-z0-9._-]: anything else becomes `_`. */
export function safeId(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function inputId(promptId: string, seed: number): string {
  return `${safeId(promptId)}-s${seed}`;
}

/** The true render of a state file (any clip the world describes: objects at their tracked positions). */
export function renderState(state: StateFile): Video {
  const T = state.objects[0]?.track.length ?? 0;
  const { width, height } = state;
  const raster = new Rasterizer({ width, height, scale: state.constants.scale });
  const frameBytes = width * height * 3;
  const frames = new Uint8Array(T * frameBytes);
  for (let t = 0; t < T; t++) {
    raster.renderFrame(frames.subarray(t * frameBytes, (t + 1) * frameBytes), state.spec.objects, state.objects.map((o) => o.track[t]));
  }
  return { frames, numFrames: T, height, width, fps: state.fps };
}

/** Seed and prompt id from a file name `PROMPT-sN` (seed 0 when the name carries none). */
function nameParts(name: string): { promptId: string; seed: number } {
  const m = /^(.*)-s(\d+)$/.exec(name);
  return m ? { promptId: m[1], seed: Number(m[2]) } : { promptId: name, seed: 0 };
}

/** A captions.csv row checked without decoding anything: its id, and its suite prompt when there is a suite. */
export interface FolderRow {
  row: CaptionRow;
  id: string;
  promptId: string;
  seed: number;
  item: SuiteItem | null;
}

/**
 * A --videos folder's rows (captions.csv, videos, optional states/NAME.json), each checked on
 * its own without decoding (columns, numbers, a
 * video inside the folder, a caption, a suite prompt, one video per id): what reading it
 * will cost is known, and a bad row is listed at once. Holds only the rows' text.
 */
export function listVideoFolder(dir: string, suite: Suite | null): { folder: InterchangeFolder | null; rows: FolderRow[]; bad: BadInput[] } {
  const opened = openCaptions(dir);
  if (!('folder' in opened)) return { folder: null, rows: [], bad: [opened] };
  const { folder } = opened;
  const rows: FolderRow[] = [];
  const bad: BadInput[] = [];
  const seen = new Set<string>();
  for (const csvRow of opened.rows) {
    const fail = (reason: string, file = folder.captions) => bad.push({ file, row: csvRow.line, reason });
    const row = checkCaptionRow(folder, csvRow);
    if ('reason' in row) {
      fail(row.reason);
      continue;
    }
    if (row.text.trim() === '') {
      fail('empty caption');
      continue;
    }
    const file = path.join(folder.dir, row.path);
    const parts = nameParts(videoName(row.path));
    let item: SuiteItem | null = null;
    if (suite) {
      item = matchSuiteItem(suite, parts.promptId, row.text) ?? null;
      if (!item) {
        fail(`not a prompt of suite ${suite.name} (no prompt id "${parts.promptId}" and no prompt with this caption)`, file);
        continue;
      }
    }
    const promptId = item ? item.promptId : safeId(parts.promptId);
    const id = inputId(item ? item.promptId : parts.promptId, parts.seed);
    if (seen.has(id)) {
      fail(`a second video for ${id}`, file);
      continue;
    }
    seen.add(id);
    rows.push({ row, id, promptId, seed: parts.seed, item });
  }
  return { folder, rows, bad };
}

/**
 * Decode one listed row and attach its ground truth (the suite's, else its state file):
 * the input, or why it cannot be scored.
 */
export async function loadFolderInput(folder: InterchangeFolder, listed: FolderRow): Promise<EvalInput | BadInput> {
  const { row, item } = listed;
  const file = path.join(folder.dir, row.path);
  let video: Video;
  try {
    video = await readRowVideo(row);
  } catch (err) {
    return { file, row: row.line, reason: describeError(err) };
  }
  const common = { id: listed.id, promptId: listed.promptId, seed: listed.seed, caption: row.text, video, sourceFile: row.file, mp4: null, row: row.line };
  if (item) {
    // The prompt's scene at the video's clip: another size can be another scene (suites.ts), and a
    // video made from the standard clip's caption cannot be scored against it.
    const clip = { width: video.width, height: video.height, numFrames: video.numFrames, fps: video.fps };
    const sized = suiteItemAt(item, clip);
    if (sized.caption !== item.caption && row.text === item.caption) {
      const size = `${video.width}x${video.height}x${video.numFrames}`;
      return { file, row: row.line, reason: `its prompt is ${item.promptId}'s caption at the standard clip, but at ${size} (${video.fps} fps) that prompt's scene is "${sized.caption}": make the clips from the suite exported at this size (spacetime eval --suite NAME --export DIR --size ${video.width}x${video.height} --frames ${video.numFrames})` };
    }
    const truth = suiteTruth(sized, clip);
    return { ...common, category: item.category, split: item.split, family: item.family, truth };
  }
  const found = readRowState(folder, row, video);
  if (found && 'reason' in found) return { file: found.file, row: row.line, reason: found.reason };
  const truth = found && 'state' in found ? { state: found.state, video: renderState(found.state) } : null;
  const spec = truth?.state.spec;
  return {
    ...common,
    category: spec ? FAMILY_CATEGORY[spec.family] ?? categoryFromCaption(row.text) : categoryFromCaption(row.text),
    split: spec?.split ?? 'unknown',
    family: spec?.family ?? '',
    truth,
  };
}

function matchSuiteItem(suite: Suite, promptId: string, caption: string): SuiteItem | undefined {
  return suite.items.find((i) => i.promptId === promptId) ?? suite.items.find((i) => i.caption === caption);
}
