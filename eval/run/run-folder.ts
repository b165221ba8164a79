/**
 * Writing a run folder (eval/FORMAT.md) as the run goes: each scored video's files are
 * written as soon as it is scored, under a temporary name beside DIR, and the folder is
 * renamed into place only when run.json — written last — is there. A failed run removes it,
 * so DIR never holds a half-written run.
 *
 *   const folder = new RunFolder('evals/gravity-id');
 *   await folder.writeInput(input, score);
 *   folder.commit({ 'run.json': … });
 */
import fs from 'node:fs';
import path from 'node:path';
import { CAPTIONS_HEADER } from '../../datasets/interchange.js';
import { makeStagingFolder, replaceFolderAtomically, writeFileSynced } from '../../base/io/atomic.js';
import { formatCsv } from '../../base/io/csv.js';
import { encodeMp4, probeVideo } from '../../base/video/index.js';
import type { VideoScore } from '../types.js';
import type { EvalInput } from './inputs.js';

/** Truth MP4s kept for the next videos of the same prompt (its seeds come together). */
const TRUTH_CACHE = 16;

export class RunFolder {
  private tmp: string | null = null;
  /** The run's videos in the interchange layout, by id (captions.csv). */
  private captionRows = new Map<string, (string | number)[]>();
  private truthBytes = new Map<string, Uint8Array>();

  constructor(readonly out: string) {}

  /** The temporary folder, made on the first write (a run that scores nothing leaves nothing). */
  private folder(): string {
    if (this.tmp) return this.tmp;
    this.tmp = makeStagingFolder(this.out); // a file in the way (or procfs) is a one-line error, not ENOTDIR / a spin
    for (const sub of ['videos', 'truth', 'tracks']) fs.mkdirSync(path.join(this.tmp, sub));
    return this.tmp;
  }

  write(rel: string, data: string | Uint8Array): void {
    writeFileSynced(path.join(this.folder(), rel), data);
  }

  /**
   * One scored video: `videos/ID.mp4` (exactly the bytes its scored frames were decoded from),
   * `truth/ID.mp4`, `tracks/ID.json`, and its captions.csv row (the stored file's size).
   * `truthKey` names truths that are the same render (a suite prompt at one size), so one
   * encode serves its seeds.
   */
  async writeInput(input: EvalInput, score: VideoScore, truthKey: string): Promise<void> {
    const stored = input.sourceFile ? fs.readFileSync(input.sourceFile) : input.mp4;
    if (!stored) throw new Error(`input ${input.id} has no stored video to write`);
    const videoFile = `videos/${input.id}.mp4`;
    this.write(videoFile, stored);
    const size = await probeVideo(path.join(this.folder(), videoFile));
    this.captionRows.set(input.id, [videoFile, input.caption, input.video.numFrames, size.height, size.width, input.video.fps]);
    if (input.truth) {
      let bytes = this.truthBytes.get(truthKey);
      if (!bytes) {
        bytes = await encodeMp4(input.truth.video);
        if (this.truthBytes.size >= TRUTH_CACHE) this.truthBytes.delete(this.truthBytes.keys().next().value!);
        this.truthBytes.set(truthKey, bytes);
      }
      this.write(`truth/${input.id}.mp4`, bytes);
    }
    this.write(`tracks/${input.id}.json`, JSON.stringify({ generated: score.tracks, truth: score.truthTracks }) + '\n');
  }

  /** Take back a written video (one left out of the run after all). */
  removeInput(id: string): void {
    if (!this.tmp) return;
    for (const rel of [`videos/${id}.mp4`, `truth/${id}.mp4`, `tracks/${id}.json`]) fs.rmSync(path.join(this.tmp, rel), { force: true });
    this.captionRows.delete(id);
  }

  /**
   * Write the tables (in the order given; run.json last: a folder with run.json is complete)
   * and captions.csv, then move the folder to `out`, replacing an earlier run there.
   */
  commit(files: [string, () => string][]): void {
    // With it the run folder is itself a --videos folder: `eval --suite S --videos DIR`
    // re-scores exactly what was scored.
    this.write('captions.csv', formatCsv(CAPTIONS_HEADER, [...this.captionRows.values()]));
    for (const [rel, data] of files) this.write(rel, data());
    replaceFolderAtomically(this.folder(), this.out);
    this.tmp = null;
  }

  /** Remove the temporary folder (a failed run). */
  abort(): void {
    if (this.tmp) fs.rmSync(this.tmp, { recursive: true, force: true });
    this.tmp = null;
  }
}
