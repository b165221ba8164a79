/**
 * The validity suite: score clean ground-truth renders of every family and split (they must
 * come out normal and prompt-correct), and perturbed copies (each violation must be caught
 * by the metric meant for it, AUROC computed exactly from the scores). eval/validity.test.ts
 * asserts on it; eval/perturb/write-validity.ts writes the table in eval/VALIDITY.md.
 */
import { toStateFile } from '../../datasets/interchange.js';
import { Rng } from '../../base/rng.js';
import { makeSample } from '../../datasets/world/sample.js';
import { FAMILIES, SPLITS, type Family, type Split } from '../../datasets/world/spec.js';
import type { Video } from '../../base/video/video.js';
import { scoreVideo } from '../score.js';
import type { VideoScore } from '../types.js';
import { PERTURBATIONS } from './perturbations.js';

export interface ValidityOptions {
  /** Clean samples per family and split. */
  perFamilySplit: number;
  /** Samples per family offered to each perturbation (those it cannot apply to are skipped). */
  perturbPerFamily: number;
  seed: number;
  /** Called with each perturbed video's score (for inspecting misses). */
  onPerturbed?: (perturbation: string, sample: string, score: VideoScore) => void;
}

export const DEFAULT_VALIDITY: ValidityOptions = { perFamilySplit: 10, perturbPerFamily: 5, seed: 11 };

export interface FamilyRow {
  family: Family;
  videos: number;
  abnormalRate: number;
  jointAccuracy: number;
  /** Mean PhyWorld velocity error (units/s) and position error (units): the parser's floor. */
  velocityError: number | null;
  positionAde: number | null;
  /** Rule → count, and attribute → failures, for anything that went wrong. */
  violations: Record<string, number>;
  attributeFailures: Record<string, number>;
}

export interface PerturbationRow {
  name: string;
  metric: string;
  perturbed: number;
  clean: number;
  auroc: number;
  /** Perturbed videos flagged abnormal (some violations have no rule, e.g. shuffled frames against truth). */
  abnormalRate: number;
}

export interface ValidityReport {
  options: ValidityOptions;
  families: FamilyRow[];
  all: FamilyRow;
  perturbations: PerturbationRow[];
}

/**
 * Exact AUROC: the probability that a positive outscores a negative, ties counting half
 * (the Mann–Whitney U statistic over all pairs).
 */
export function auroc(positives: number[], negatives: number[]): number {
  if (positives.length === 0 || negatives.length === 0) return NaN;
  let wins = 0;
  for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (positives.length * negatives.length);
}

function videoOf(frames: Uint8Array, meta: { numFrames: number; height: number; width: number; fps: number }): Video {
  return { frames, numFrames: meta.numFrames, height: meta.height, width: meta.width, fps: meta.fps };
}

/** Abnormality as the perturbation's metric says: higher is more abnormal; a null is no evidence. */
export function evidence(score: VideoScore, metric: string, direction: 'higher' | 'lower'): number {
  const v = score.metrics[metric];
  if (v === null || v === undefined) return -Infinity;
  return direction === 'higher' ? v : -v;
}

export function familyRow(family: Family, scores: VideoScore[]): FamilyRow {
  const mean = (xs: (number | null)[]) => {
    const known = xs.filter((x): x is number => x !== null);
    return known.length ? known.reduce((s, x) => s + x, 0) / known.length : null;
  };
  const violations: Record<string, number> = {};
  const attributeFailures: Record<string, number> = {};
  for (const s of scores) {
    for (const v of s.violations) violations[v] = (violations[v] ?? 0) + 1;
    for (const [a, ok] of Object.entries(s.attributes)) if (ok === false) attributeFailures[a] = (attributeFailures[a] ?? 0) + 1;
  }
  return {
    family,
    videos: scores.length,
    abnormalRate: scores.filter((s) => s.abnormal).length / scores.length,
    jointAccuracy: scores.filter((s) => s.jointCorrect).length / scores.length,
    velocityError: mean(scores.map((s) => s.metrics.velocity_error)),
    positionAde: mean(scores.map((s) => s.metrics.position_ade)),
    violations,
    attributeFailures,
  };
}

export function runValiditySuite(options: ValidityOptions = DEFAULT_VALIDITY): ValidityReport {
  const clean: { family: Family; score: VideoScore }[] = [];
  for (const family of FAMILIES) {
    for (const split of SPLITS) {
      for (let index = 0; index < options.perFamilySplit; index++) {
        const { frames, meta } = makeSample({ family, split, seed: options.seed, index });
        clean.push({ family, score: scoreVideo({ video: videoOf(frames, meta), caption: meta.caption, truth: toStateFile(meta) }) });
      }
    }
  }
  const families = FAMILIES.map((f) => familyRow(f, clean.filter((c) => c.family === f).map((c) => c.score)));
  const all = familyRow('all' as Family, clean.map((c) => c.score));

  // Perturbations start from fresh in-distribution samples (speeds ≥ 1 unit/s, so every
  // violation is visible), indices past the clean ones.
  const perturbations: PerturbationRow[] = PERTURBATIONS.map((p, pi) => {
    const rng = Rng.from(`validity/${options.seed}/${p.name}`);
    const scores: VideoScore[] = [];
    for (const family of FAMILIES) {
      // Up to perturbPerFamily samples the perturbation applies to, from at most 4× as many tries.
      for (let i = 0, made = 0; i < 4 * options.perturbPerFamily && made < options.perturbPerFamily; i++) {
        const split: Split = 'id';
        const { frames, meta } = makeSample({ family, split, seed: options.seed, index: 1000 + 100 * pi + i });
        const video = p.apply(meta, videoOf(frames, meta), rng);
        if (!video) continue;
        made++;
        const score = scoreVideo({ video, caption: meta.caption, truth: toStateFile(meta) });
        scores.push(score);
        options.onPerturbed?.(p.name, meta.name, score);
      }
    }
    return {
      name: p.name,
      metric: p.metric,
      perturbed: scores.length,
      clean: clean.length,
      auroc: auroc(scores.map((s) => evidence(s, p.metric, p.direction)), clean.map((c) => evidence(c.score, p.metric, p.direction))),
      abnormalRate: scores.filter((s) => s.abnormal).length / Math.max(1, scores.length),
    };
  });
  return { options, families, all, perturbations };
}

const fmt = (x: number | null, digits = 3) => (x === null || Number.isNaN(x) ? '–' : x.toFixed(digits));

/** The report as the markdown tables of eval/VALIDITY.md. */
export function validityMarkdown(r: ValidityReport): string {
  const lines: string[] = [];
  lines.push(`Clean ground-truth renders (${r.options.perFamilySplit} per family × split id/ood/combo, seed ${r.options.seed}):`, '');
  lines.push('| family | videos | abnormal rate | joint accuracy | velocity error (units/s) | position error ADE (units) | violations | attribute failures |');
  lines.push('|---|---:|---:|---:|---:|---:|---|---|');
  const row = (f: FamilyRow) => {
    const list = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || '–';
    return `| ${f.family} | ${f.videos} | ${fmt(f.abnormalRate)} | ${fmt(f.jointAccuracy)} | ${fmt(f.velocityError, 4)} | ${fmt(f.positionAde, 4)} | ${list(f.violations)} | ${list(f.attributeFailures)} |`;
  };
  for (const f of r.families) lines.push(row(f));
  lines.push(row(r.all).replace('| all |', '| **all** |'));
  lines.push('', `Perturbations of in-distribution renders (up to ${r.options.perturbPerFamily} per family where the perturbation applies), each against all ${r.all.videos} clean videos:`, '');
  lines.push('| perturbation | metric meant to catch it | perturbed videos | AUROC | perturbed flagged abnormal |');
  lines.push('|---|---|---:|---:|---:|');
  for (const p of r.perturbations) lines.push(`| ${p.name} | \`${p.metric}\` | ${p.perturbed} | ${fmt(p.auroc, 4)} | ${fmt(p.abnormalRate, 2)} |`);
  return lines.join('\n') + '\n';
}
