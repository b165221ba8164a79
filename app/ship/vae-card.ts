/**
 * The shipped VAE's MODEL_CARD.md: what it is, how it was trained, its reconstruction
 * figures per split and family against the targets, and the training PSNR curve.
 */
import path from 'node:path';
import type { ReconstructionReport } from '../../eval/reconstruction/reconstruction.js';
import type { VaeFolderConfig } from '../../src/model/vae-folder.js';
import type { VaeTrainConfig } from '../../src/train/vae-train-config.js';
import type { VaeStepMetrics } from '../../src/train/vae-trainer.js';

/** Rows of the training curve in the card. */
const CURVE_ROWS = 12;

export interface VaeCardInput {
  out: string;
  config: VaeFolderConfig;
  train: VaeTrainConfig;
  report: ReconstructionReport;
  metrics: VaeStepMetrics[];
  shipCommand: string;
  /** Hand-written notes on the training (markdown), placed under its paragraph. */
  notes?: string;
}

/** The codec's map from encoder output z, as text: "(z − 0.0123) × 1.7076" or "(z + 0.0099) × 1.7076". */
export function latentMap({ shift, scale }: VaeFolderConfig['latent']): string {
  return `(z ${shift < 0 ? '+' : '−'} ${Math.abs(shift).toFixed(4)}) × ${scale.toFixed(4)}`;
}

export function vaeCard({ out, config, train, report, metrics, shipCommand, notes }: VaeCardInput): string {
  const v = config.vae;
  const [c, t, h, w] = [v.latentChannels, v.frames / v.patch[0], v.height / v.patch[1], v.width / v.patch[2]];
  const ratio = (v.channels * v.frames * v.height * v.width) / (c * t * h * w);
  const { targets, meets } = report;
  const mark = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? 'met' : 'missed');
  const split = (s: 'id' | 'ood') => report.splits[s];
  const lost = (f: { objects_lost: number; colours_lost: number; points_lost: number }) => `${f.objects_lost} / ${f.colours_lost} / ${f.points_lost}`;
  const lines = [
    `# Video autoencoder (${out})`,
    '',
    `The compression network of latent mode (src/model/vae.ts): a ${v.patch.join('×')} tubelet transformer autoencoder`,
    `(encoder ${v.encoderDepth} blocks, decoder ${v.decoderDepth}, width ${v.hidden}) mapping a ${v.frames}×${v.height}×${v.width} RGB clip to`,
    `${c} × ${t}×${h}×${w} latents: ${ratio.toFixed(0)}× fewer values. ${config.weights.parameters.toLocaleString('en-US')} parameters, ${config.weights.dtype} weights (${(config.weights.bytes / 1e6).toFixed(2)} MB, the EMA).`,
    `Codec latents are ${latentMap(config.latent)}: unit variance on training clips.`,
    '',
    '## Training',
    '',
    `${config.training.step.toLocaleString('en-US')} steps of batch ${train.batchSize} (${config.training.samples.toLocaleString('en-US')} clips seen) on ${train.data}, ` +
      `${(config.training.seconds / 60).toFixed(0)} min of steps on two shared CPU cores; lr ${train.lr} (warm-up ${train.warmup}, cosine), ` +
      `loss MSE + ${train.latentPenalty} · mean(z²)${train.temporalWeight > 0 ? ` + ${train.temporalWeight} · MSE of frame differences` : ''}, EMA ${train.emaDecay}` +
      `${train.initFrom ? `; started from ${path.relative(process.cwd(), train.initFrom.vae) || '.'} (sha256 ${train.initFrom.sha256.slice(0, 12)}…), whose steps are not counted here` : ''}.`,
    '',
    ...(notes ? [notes.trim(), ''] : []),
    '## Reconstruction',
    '',
    `Held-out clips (world seed ${report.settings.seed}; training used 0), ${report.settings.perFamily} per family and split, encode → decode with the shipped weights.`,
    'Centroids: the eval parser\'s object centroids in the truth clip and its round trip (eval/reconstruction).',
    '',
    '| target | wanted | measured | |',
    '|---|---|---|---|',
    `| PSNR, id | ≥ ${targets.psnrId} dB | ${split('id')?.psnr ?? '—'} dB | ${mark(meets.psnr_id)} |`,
    `| PSNR, ood | ≥ ${targets.psnrOod} dB | ${split('ood')?.psnr ?? '—'} dB | ${mark(meets.psnr_ood)} |`,
    `| centroid displacement p95 | ≤ ${targets.centroidP95Px} px | ${Math.max(...Object.values(report.splits).map((f) => f!.centroid_p95_px))} px | ${mark(meets.centroids)} |`,
    `| objects / colours / points lost | 0 | ${Object.values(report.splits).map((f) => lost(f!)).join(' (id), ')} (ood) | ${mark(meets.nothing_lost)} |`,
    '',
    '| split | family | clips | PSNR dB | worst dB | centroid p95 px | max px | objects | lost (objects / colours / points) | added |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...report.groups.map((g) => `| ${g.split} | ${g.family} | ${g.clips} | ${g.psnr} | ${g.psnr_min} | ${g.centroid_p95_px} | ${g.centroid_max_px} | ${g.objects} | ${lost(g)} | ${g.objects_added} |`),
    '',
    '## Training curve',
    '',
    'PSNR of the training batches (dB), averaged over the steps up to each row:',
    '',
    '| steps | PSNR dB |',
    '|---|---|',
    ...curve(metrics).map(([step, psnr]) => `| ${step} | ${psnr.toFixed(2)} |`),
    '',
    '## Reproduce',
    '',
    '```',
    `npx spacetime vae train --data ${train.data} --out ${config.training.run} --config ${train.preset} --steps ${train.steps} --batch-size ${train.batchSize} --lr ${train.lr}`,
    shipCommand,
    `npx spacetime vae info --vae ${out}`,
    '```',
    '',
  ];
  return lines.join('\n');
}

/** [last step, mean PSNR] of CURVE_ROWS equal spans of the run. */
function curve(metrics: VaeStepMetrics[]): [number, number][] {
  if (metrics.length === 0) return [];
  const span = Math.ceil(metrics.length / CURVE_ROWS);
  const rows: [number, number][] = [];
  for (let i = 0; i < metrics.length; i += span) {
    const part = metrics.slice(i, i + span);
    rows.push([part[part.length - 1].step, part.reduce((s, m) => s + m.psnr, 0) / part.length]);
  }
  return rows;
}
