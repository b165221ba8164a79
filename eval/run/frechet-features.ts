/**
 * The features behind a run's Fréchet distances, gathered one video at a time so that a run
 * never holds its videos: `fd_encoder` on the trained video encoder's features
 * (eval/encoder/video-encoder.ts; 32×32×16 clips only), `fd_pixel` on the fixed pixel
 * features (eval/encoder/pixel-features.ts: kept because it is bit-identical on every backend
 * and machine and reads any clip size), `fvmd` on track velocity/acceleration histograms.
 * Each distance needs at least two prompts with ground truth; otherwise it is listed as
 * skipped, with why.
 *
 *   const collector = new FrechetCollector();
 *   for (const { input, score } of scored) item.features = await collector.add(input, score);
 *   const { results, skipped } = await collector.summaries(kept, 'all-id');
 */
import type { Video } from '../../base/video/index.js';
import { pixelFeatures } from '../encoder/pixel-features.js';
import { ENCODER_BATCH, ENCODER_CLIP, ENCODER_VERSION, ENCODER_WEIGHTS_FILE, ensureEncoderBackend, loadVideoEncoder, type VideoEncoder } from '../encoder/video-encoder.js';
import { frechetWithInterval, type FrechetResult } from '../frechet/frechet.js';
import { motionFeatures } from '../frechet/motion-features.js';
import type { VideoScore } from '../types.js';
import type { EvalInput } from './inputs.js';

/** Bootstrap resamples of each Fréchet interval. */
export const FRECHET_RESAMPLES = 200;

export interface FrechetSummary extends FrechetResult {
  features: string;
}

/** One clip's features; `encoder` is filled in when its batch runs, null for clips the encoder cannot read. */
export interface ClipFeatures {
  shape: string;
  pixel: number[];
  encoder: number[] | null;
}

/** What a scored video leaves for the distances: its features, its truth's, its motion histograms. */
export interface VideoFeatures {
  promptId: string;
  /** Both null for a video without ground truth (it takes no part in the distances). */
  video: ClipFeatures | null;
  truth: ClipFeatures | null;
  /** Motion features of the parsed tracks and of the true tracks (when the scorer gave them). */
  motion: { generated: number[]; truth: number[] } | null;
}

const shapeOf = (v: Video) => `${v.width}×${v.height} with ${v.numFrames} frames`;
const isEncoderClip = (v: Video) => v.numFrames === ENCODER_CLIP.numFrames && v.height === ENCODER_CLIP.height && v.width === ENCODER_CLIP.width;

export class FrechetCollector {
  private encoder: VideoEncoder | null = null;
  private backend = '';
  /** Clips waiting for the encoder: a full batch runs at once, so at most ENCODER_BATCH videos are held. */
  private pending: { video: Video; into: ClipFeatures }[] = [];
  private pendingTruths: { video: Video; into: ClipFeatures }[] = [];
  /** Truth features by truth render: the seeds of a prompt share one (checkpoint runs). */
  private truthFeatures = new WeakMap<Video, ClipFeatures>();

  /** Features of one scored video (encoder features arrive when its batch runs). */
  async add(input: EvalInput, score: VideoScore): Promise<VideoFeatures> {
    if (!input.truth) return { promptId: input.promptId, video: null, truth: null, motion: null };
    const video = await this.clip(input.video, this.pending);
    let truth = this.truthFeatures.get(input.truth.video);
    if (!truth) {
      truth = await this.clip(input.truth.video, this.pendingTruths);
      this.truthFeatures.set(input.truth.video, truth);
    }
    const fps = input.video.fps;
    const motion = score.truthTracks ? { generated: motionFeatures(score.tracks, fps), truth: motionFeatures(score.truthTracks, fps) } : null;
    return { promptId: input.promptId, video, truth, motion };
  }

  private async clip(video: Video, queue: { video: Video; into: ClipFeatures }[]): Promise<ClipFeatures> {
    const features: ClipFeatures = { shape: shapeOf(video), pixel: pixelFeatures(video), encoder: null };
    if (isEncoderClip(video)) {
      queue.push({ video, into: features });
      if (queue.length >= ENCODER_BATCH) await this.flush(queue);
    }
    return features;
  }

  private async flush(queue: { video: Video; into: ClipFeatures }[]): Promise<void> {
    if (queue.length === 0) return;
    if (!this.encoder) {
      this.backend = await ensureEncoderBackend();
      this.encoder = loadVideoEncoder();
    }
    const features = this.encoder.features(queue.map((q) => q.video));
    queue.forEach((q, k) => (q.into.encoder = features[k]));
    queue.length = 0;
  }

  /** Frees the encoder; safe to call twice. */
  dispose(): void {
    this.encoder?.dispose();
    this.encoder = null;
  }

  /**
   * The distances of the kept videos (in run order) against their truths: truth renders are
   * shared by the seeds of a prompt, so each prompt's truth counts once (the last seen), and the
   * bootstrap resamples prompts, taking a prompt's videos and its truth together.
   */
  async summaries(kept: readonly VideoFeatures[], seed: string): Promise<{ results: Record<string, FrechetSummary>; skipped: Record<string, string> }> {
    await this.flush(this.pending);
    await this.flush(this.pendingTruths);
    const results: Record<string, FrechetSummary> = {};
    const skipped: Record<string, string> = {};
    const withTruth = kept.filter((k) => k.truth);
    const unique = new Map(withTruth.map((k) => [k.promptId, k.truth!]));
    const groups = { a: withTruth.map((k) => k.promptId), b: [...unique.keys()] };
    const options = (name: string) => ({ seed: `${seed}/${name}`, resamples: FRECHET_RESAMPLES, groups });
    if (withTruth.length < 2) {
      for (const name of ['fd_encoder', 'fd_pixel', 'fvmd']) skipped[name] = 'needs ground truth for at least two videos';
      return { results, skipped };
    }
    if (unique.size < 2) {
      for (const name of ['fd_encoder', 'fd_pixel']) skipped[name] = 'needs ground truth for at least two prompts';
    } else {
      const clips = [...withTruth.map((k) => k.video!), ...unique.values()];
      const odd = clips.find((c) => c.encoder === null);
      if (odd) {
        skipped.fd_encoder = `the video encoder reads ${ENCODER_CLIP.width}×${ENCODER_CLIP.height} clips of ${ENCODER_CLIP.numFrames} frames; this run has ${odd.shape}`;
      } else {
        const features = `${ENCODER_VERSION} (${ENCODER_WEIGHTS_FILE} sha256:${this.encoder!.sha256.slice(0, 12)}, ${this.encoder!.config.featureDim}-d, backend ${this.backend})`;
        const generated = withTruth.map((k) => k.video!.encoder!);
        results.fd_encoder = { features, ...frechetWithInterval(generated, [...unique.values()].map((c) => c.encoder!), options('encoder')) };
      }
      const generated = withTruth.map((k) => k.video!.pixel);
      const reference = [...unique.values()].map((c) => c.pixel);
      results.fd_pixel = { features: 'pixel-features/v1 (eval/encoder/pixel-features.ts)', ...frechetWithInterval(generated, reference, options('pixel')) };
    }
    const tracked = withTruth.filter((k) => k.motion);
    if (tracked.length >= 2) {
      const uniqueTracks = new Map(tracked.map((k) => [k.promptId, k.motion!.truth]));
      const trackGroups = { a: tracked.map((k) => k.promptId), b: [...uniqueTracks.keys()] };
      if (uniqueTracks.size >= 2) {
        const generated = tracked.map((k) => k.motion!.generated);
        results.fvmd = { features: 'motion-histograms/v1 (eval/frechet/motion-features.ts)', ...frechetWithInterval(generated, [...uniqueTracks.values()], { ...options('motion'), groups: trackGroups }) };
      } else skipped.fvmd = 'needs true tracks for at least two prompts';
    } else skipped.fvmd = 'needs true tracks (from the scorer) for at least two videos';
    return { results, skipped };
  }
}
