/**
 * What a run scores: one `EvalInput` per video, each with its prompt, its category and,
 * when there is one, its ground truth (the state file and the true render). Built either by
 * generating the suite's prompts with a checkpoint (generate.ts) or, here, by reading a
 * folder in the interchange layout — anyone's videos — row by row: a bad row is listed with
 * the reason and the rest are still scored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CAPTIONS_HEADER, type StateFile } from '../../datasets/interchange.js';
import { Rasterizer } from '../../datasets/world/render.js';
import { describeError } from '../../src/errors.js';
import { parseCsv } from '../../src/io/csv.js';
import { readVideo, type Video } from '../../src/video/index.js';
import { FAMILY_CATEGORY, categoryFromCaption, suiteTruth, type Suite, type SuiteItem } from '../suites/suites.js';

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
  /** The file the video came from (a --videos folder), copied into the run as is. */
  sourceFile: string | null;
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

/** Why a state file does not describe a video of this shape, or null when it does. */
function stateMismatch(state: StateFile, video: Video): string | null {
  if (!state || typeof state !== 'object' || !Array.isArray(state.objects) || !state.spec || !state.constants) return 'is not a spacetime state file';
  if (state.width !== video.width || state.height !== video.height) return `is for ${state.width}×${state.height} but the video is ${video.width}×${video.height}`;
  const lengths = new Set(state.objects.map((o) => o.track?.length));
  if (lengths.size !== 1 || !lengths.has(video.numFrames)) return `has tracks of ${[...lengths].join('/')} frames but the video has ${video.numFrames}`;
  return null;
}

/** Seed and prompt id from a file name `PROMPT-sN` (seed 0 when the name carries none). */
function nameParts(name: string): { promptId: string; seed: number } {
  const m = /^(.*)-s(\d+)$/.exec(name);
  return m ? { promptId: m[1], seed: Number(m[2]) } : { promptId: name, seed: 0 };
}

/**
 * Read a --videos folder: captions.csv, videos, optional states/NAME.json. With a suite,
 * each row is matched to a suite prompt by file name (`PROMPT` or `PROMPT-sN`) or else by
 * its caption, and its ground truth is the suite's; a row matching no prompt is a bad input.
 */
export async function readVideoFolder(dir: string, suite: Suite | null): Promise<{ inputs: EvalInput[]; bad: BadInput[] }> {
  const captions = path.join(dir, 'captions.csv');
  const bad: BadInput[] = [];
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return { inputs: [], bad: [{ file: dir, reason: 'folder not found' }] };
  if (!fs.existsSync(captions)) {
    const reason = fs.readdirSync(dir).length === 0 ? 'the folder is empty' : 'no captions.csv (expected the interchange layout: captions.csv + videos/)';
    return { inputs: [], bad: [{ file: captions, reason }] };
  }
  let rows;
  try {
    rows = parseCsv(fs.readFileSync(captions, 'utf8'));
  } catch (err) {
    return { inputs: [], bad: [{ file: captions, reason: describeError(err) }] };
  }
  const [header, ...body] = rows;
  if (!header || CAPTIONS_HEADER.some((h, k) => header.cells[k] !== h)) {
    return { inputs: [], bad: [{ file: captions, row: 1, reason: `header must be "${CAPTIONS_HEADER.join(',')}"` }] };
  }
  if (body.length === 0) return { inputs: [], bad: [{ file: captions, reason: 'has no rows' }] };

  const candidates: EvalInput[] = [];
  const rowOf = new Map<EvalInput, number>();
  const seen = new Set<string>();
  for (const { line, cells } of body) {
    const fail = (reason: string, file = captions) => bad.push({ file, row: line, reason });
    if (cells.length !== CAPTIONS_HEADER.length) {
      fail(`expected ${CAPTIONS_HEADER.length} columns, got ${cells.length}`);
      continue;
    }
    const [rel, caption, ...nums] = cells;
    const [numFrames, height, width, fps] = nums.map(Number);
    if (![numFrames, height, width].every((v) => Number.isInteger(v) && v > 0) || !(fps > 0)) {
      fail('num_frames, height, width and fps must be positive numbers');
      continue;
    }
    if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) {
      fail(`path "${rel}" must be relative to the folder and stay inside it`);
      continue;
    }
    if (caption.trim() === '') {
      fail('empty caption');
      continue;
    }
    const file = path.join(dir, rel);
    if (!fs.existsSync(file)) {
      fail(`video ${rel} not found`);
      continue;
    }
    let video: Video;
    try {
      video = await readVideo(file);
    } catch (err) {
      fail(`cannot decode: ${describeError(err)}`, file);
      continue;
    }
    if (video.numFrames !== numFrames || video.height !== height || video.width !== width) {
      fail(`decodes to ${video.numFrames}×${video.height}×${video.width} (frames×height×width), the row says ${numFrames}×${height}×${width}`, file);
      continue;
    }
    const name = path.basename(rel).replace(/\.[^.]+$/, '');
    const parts = nameParts(name);
    let input: EvalInput;
    if (suite) {
      const item = matchSuiteItem(suite, parts.promptId, caption);
      if (!item) {
        fail(`not a prompt of suite ${suite.name} (no prompt id "${parts.promptId}" and no prompt with this caption)`, file);
        continue;
      }
      const truth = suiteTruth(item, { width: video.width, height: video.height, numFrames: video.numFrames, fps: video.fps });
      input = { id: inputId(item.promptId, parts.seed), promptId: item.promptId, seed: parts.seed, category: item.category, split: item.split, family: item.family, caption, video, sourceFile: file, truth };
    } else {
      const stateFile = path.join(dir, 'states', `${name}.json`);
      let truth: EvalInput['truth'] = null;
      if (fs.existsSync(stateFile)) {
        let state: StateFile;
        try {
          state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as StateFile;
        } catch {
          fail('is not valid JSON', stateFile);
          continue;
        }
        const mismatch = stateMismatch(state, video);
        if (mismatch) {
          fail(`${mismatch}: it does not match its video ${rel}`, stateFile);
          continue;
        }
        truth = { state, video: renderState(state) };
      }
      const family = truth?.state.spec.family ?? '';
      input = {
        id: inputId(parts.promptId, parts.seed),
        promptId: safeId(parts.promptId),
        seed: parts.seed,
        category: truth ? FAMILY_CATEGORY[truth.state.spec.family] ?? categoryFromCaption(caption) : categoryFromCaption(caption),
        split: truth?.state.spec.split ?? 'unknown',
        family,
        caption,
        video,
        sourceFile: file,
        truth,
      };
    }
    if (seen.has(input.id)) {
      fail(`a second video for ${input.id}`, file);
      continue;
    }
    seen.add(input.id);
    candidates.push(input);
    rowOf.set(input, line);
  }
  // One run compares like with like: every video the size and length most of them have.
  const shape = (v: Video) => `${v.numFrames}×${v.height}×${v.width}`;
  const counts = new Map<string, number>();
  for (const c of candidates) counts.set(shape(c.video), (counts.get(shape(c.video)) ?? 0) + 1);
  const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const inputs = candidates.filter((c) => {
    if (shape(c.video) === common) return true;
    bad.push({ file: c.sourceFile ?? '', row: rowOf.get(c), reason: `is ${shape(c.video)} (frames×height×width) but most videos of the folder are ${common}` });
    return false;
  });
  bad.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  return { inputs, bad };
}

function matchSuiteItem(suite: Suite, promptId: string, caption: string): SuiteItem | undefined {
  return suite.items.find((i) => i.promptId === promptId) ?? suite.items.find((i) => i.caption === caption);
}
