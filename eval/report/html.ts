/**
 * report.html: one self-contained page — plotly inlined once (eval/figures/plotly.ts), every
 * video embedded as a data: URI — so it opens offline and can be mailed as one file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PALETTE, isColorName } from '../../datasets/world/palette.js';
import { dataUri, escapeHtml } from '../figures/display.js';
import { PlotlyPage, type PlotlyFigure, type PlotlyTrace } from '../figures/plotly.js';
import { cssRgb } from '../figures/trajectories.js';
import type { Track } from '../types.js';
import type { VideoRow } from '../run/run-schema.js';
import { letterbox, type PixelSize } from '../figures/letterbox.js';
import { loadTracks, videoSizes, type LoadedRun } from './load.js';
import { GALLERY_SIZE } from './markdown.js';
import { counterfactualTable, formatValue, keepFramesText, presentMetrics, scoringText, splitTables, splitTablesNote, worstVideos, type SplitTable } from './summary.js';

const GALLERY_STYLE = `.gallery{display:flex;flex-direction:column;gap:18px}.gallery .item{display:flex;gap:16px;align-items:flex-start;border-top:1px solid #ddd;padding-top:12px}
.gallery .clipbox{display:flex;align-items:center;justify-content:center;background:#1c1e26}
.gallery video{image-rendering:pixelated;display:block}.gallery .label{font-size:12px;color:#555}.gallery .bad{color:#a00}`;
/** Display height of every clip in the gallery (CSS px): the world's 10 units, whatever the clip's size. */
const GALLERY_CLIP_HEIGHT = 160;
const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.label{font-size:12px;color:#555}
.bad{color:#a00}code{background:#f3f3f3;padding:0 3px}`;

function htmlTable(header: string[], rows: string[][]): string {
  const th = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><tr>${th}</tr>\n${body}</table>`;
}

function splitTableHtml(t: SplitTable): string {
  return `<h3>${escapeHtml(t.metric)}</h3>` + htmlTable(['category', ...t.splits.map((s) => s.toUpperCase())], t.rows.map((r) => [r.category, ...r.values.map(formatValue)]));
}

/** A clip shown `shown` big, centred in the gallery's common `box` (letterbox.ts). */
function videoTag(file: string, label: string, box: PixelSize, shown: PixelSize): string {
  if (!fs.existsSync(file)) return `<div class="label">${escapeHtml(label)}: missing</div>`;
  const src = dataUri('video/mp4', fs.readFileSync(file));
  const video = `<video autoplay loop muted playsinline width="${shown.width}" height="${shown.height}" src="${src}"></video>`;
  return `<figure style="margin:0"><div class="clipbox" style="width:${box.width}px;height:${box.height}px">${video}</div><figcaption class="label">${escapeHtml(label)}</figcaption></figure>`;
}

/** Generated tracks (dashed) over the true ones (solid), x against y in world units. */
export function trajectoryOverlay(tracks: { generated: Track[]; truth: Track[] | null }): PlotlyFigure {
  const colour = (c: string) => (isColorName(c) ? cssRgb(PALETTE[c]) : 'rgb(150,150,150)');
  const trace = (t: Track, kind: 'truth' | 'generated'): PlotlyTrace => ({
    type: 'scatter',
    mode: 'lines+markers',
    name: `${kind}: ${t.color}`,
    x: t.points.map((p) => p.x),
    y: t.points.map((p) => p.y),
    text: t.points.map((p) => `frame ${p.frame}`),
    line: { color: colour(t.color), width: 2, dash: kind === 'truth' ? 'solid' : 'dash' },
    marker: { color: colour(t.color), size: kind === 'truth' ? 4 : 6, symbol: kind === 'truth' ? 'circle' : 'x' },
  });
  const data = [...(tracks.truth ?? []).map((t) => trace(t, 'truth')), ...tracks.generated.map((t) => trace(t, 'generated'))];
  const layout = {
    width: 340,
    height: 300,
    margin: { l: 36, r: 8, t: 8, b: 30 },
    plot_bgcolor: 'rgb(28,30,38)',
    showlegend: false,
    xaxis: { title: { text: 'x (units)' }, zeroline: false, gridcolor: '#444' },
    yaxis: { title: { text: 'y (units)' }, zeroline: false, gridcolor: '#444', scaleanchor: 'x' },
  };
  return { data, layout };
}

export function reportHtml(runs: readonly LoadedRun[]): string {
  const [self] = runs;
  const { run } = self;
  const page = new PlotlyPage();
  const metrics = presentMetrics(self.categories);
  const parts: string[] = [];
  const title = `Evaluation: ${run.suite?.name ?? run.name}`;
  parts.push(`<h1>${escapeHtml(title)}</h1>`);
  parts.push(`<p>Source: ${escapeHtml(run.source.kind)} <code>${escapeHtml(run.source.path)}</code>; ${run.headline.videos} videos; true frames given: ${escapeHtml(keepFramesText(run.keep_frames))}; created ${escapeHtml(run.created)}.</p>`);

  // ---- headline
  const head: string[][] = [
    ['videos', String(run.headline.videos)],
    ['abnormal rate', formatValue(run.headline.abnormal_rate)],
    ['joint accuracy', formatValue(run.headline.joint_accuracy)],
    ...Object.entries(run.frechet ?? {}).map(([name, f]) => [`${name} (n = ${f.n.join(' vs ')}, ${f.features})`, `${formatValue(f.fd)}  [95%: ${formatValue(f.ci95[0])} – ${formatValue(f.ci95[1])}]`]),
    ...metrics.filter((m) => m in run.headline).map((m) => [m, formatValue(run.headline[m])]),
  ];
  parts.push('<h2>Headline</h2>', htmlTable(['', 'value'], head));

  // ---- per category
  parts.push('<h2>Scores per category</h2>');
  parts.push(
    htmlTable(
      ['category', 'split', 'videos', 'abnormal', 'joint acc.', ...metrics],
      self.categories.map((c) => [String(c.category), String(c.split), String(c.videos), formatValue(c.abnormal_rate), formatValue(c.joint_accuracy), ...metrics.map((m) => formatValue(c[m]))]),
    ),
  );
  const cats = self.categories.map((c) => `${c.category} (${c.split})`);
  parts.push(
    page.html(
      [
        { type: 'bar', name: 'abnormal rate', x: cats, y: self.categories.map((c) => c.abnormal_rate) },
        { type: 'bar', name: 'joint accuracy', x: cats, y: self.categories.map((c) => c.joint_accuracy) },
      ],
      { barmode: 'group', height: 320, yaxis: { range: [0, 1] }, margin: { t: 30, b: 90 }, title: { text: 'Abnormal rate and joint accuracy per category' } },
    ),
  );

  // ---- counterfactual pairs
  const counterfactual = counterfactualTable(run);
  if (counterfactual) parts.push('<h2>Counterfactual pairs</h2>', `<p>${escapeHtml(counterfactual.note)}</p>`, htmlTable(counterfactual.header, counterfactual.rows));

  // ---- ID vs OOD vs combo
  parts.push('<h2>ID vs OOD vs combo</h2>');
  parts.push(
    runs.length > 1
      ? `<p>This run and ${runs.length - 1} sibling run(s) of the same source: ${runs.slice(1).map((r) => `<code>${escapeHtml(r.run.name)}</code>`).join(', ')}.</p>`
      : '<p>Only this run was found (no sibling runs of the same source beside it): one split. Run the other suites into the same parent folder, or pass their folders too.</p>',
  );
  parts.push(`<p>${escapeHtml(splitTablesNote(runs))}</p>`);
  const tables = splitTables(runs, ['abnormal_rate', 'joint_accuracy', ...presentMetrics(runs.flatMap((r) => r.categories), ['velocity_error', 'position_ade'])]);
  parts.push(...tables.map(splitTableHtml));
  const velocity = tables.find((t) => t.metric === 'velocity_error') ?? tables[0];
  parts.push(
    page.html(
      velocity.splits.map((split, k) => ({ type: 'bar', name: split.toUpperCase(), x: velocity.rows.map((r) => r.category), y: velocity.rows.map((r) => r.values[k]) })),
      { barmode: 'group', height: 320, margin: { t: 30, b: 90 }, title: { text: `${velocity.metric} by category and split` } },
    ),
  );

  // ---- failure gallery
  parts.push('<h2>Failure gallery</h2>');
  const worst = worstVideos(self.videos, GALLERY_SIZE);
  if (!worst.some((v) => v.abnormal === 1)) parts.push('<p>No video was judged abnormal; the videos with the largest errors are shown.</p>');
  parts.push(galleryHtml(self, worst, (f) => page.html(f.data, f.layout, { responsive: false })));

  // ---- provenance
  parts.push('<h2>Provenance</h2>');
  const prov: string[][] = [
    ['suite', run.suite ? `${run.suite.name} v${run.suite.version} (split ${run.suite.split}, ${run.suite.prompts} prompts${run.suite.limit ? `, limit ${run.suite.limit} per category` : ''})` : 'none (a folder scored as is)'],
    ['source', `${run.source.kind}: ${run.source.path}${run.source.step !== undefined ? ` (step ${run.source.step})` : ''}`],
    ['generation', run.source.generate ? `${run.source.generate.sampler}, ${run.source.generate.steps} steps, time shift ${run.source.generate.shift ?? 1}, guidance ${run.source.generate.guidance}${run.source.generate.guidanceMethod ? ` (${run.source.generate.guidanceMethod})` : ''}${run.source.generate.frameGuidance !== undefined ? `, frame guidance ${run.source.generate.frameGuidance}` : ''}` : '—'],
    ['seeds', run.seeds.join(', ')],
    ['true frames given', keepFramesText(run.keep_frames)],
    ['scoring', scoringText(run.scoring)],
    ['code', `${run.code.version}${run.code.commit ? ` @ ${run.code.commit}${run.code.dirty ? ' (uncommitted changes)' : ''}` : ' (no git commit)'}`],
    ['timings (s)', Object.entries(run.timings).map(([k, v]) => `${k} ${v}`).join(', ')],
  ];
  parts.push(htmlTable(['', ''], prov));
  if (run.source.config) parts.push(`<details><summary>resolved model config</summary><pre>${escapeHtml(JSON.stringify(run.source.config, null, 2))}</pre></details>`);
  const skipped = Object.entries(run.skipped_metrics ?? {});
  if (skipped.length) parts.push('<h3>Skipped metrics</h3>', htmlTable(['metric', 'why'], skipped));
  if (run.bad_inputs.length) {
    parts.push('<h3 class="bad">Inputs not scored</h3>', htmlTable(['file', 'line', 'reason'], run.bad_inputs.map((b) => [b.file, b.row ? String(b.row) : '', b.reason])));
  }
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>\n<body>\n${parts.join('\n')}\n</body></html>\n`;
}

/**
 * The failure gallery: per video, the generated and true clips (data: URIs), the generated
 * trajectory over the true one (drawn by `draw`: a report's PlotlyPage, or `plotlyHtml` in
 * a notebook), the caption and the violated rules.
 *
 *   tslab.display.html(galleryHtml(run, worstVideos(run.videos, 4), (f) => plotlyHtml(f.data, f.layout)));
 */
export function galleryHtml(self: LoadedRun, videos: readonly VideoRow[], draw: (figure: PlotlyFigure) => string): string {
  // Clips of any size at the same scale in one common box (a truth is its video's size).
  const stored = videoSizes(self.dir);
  const square = { width: 1, height: 1 }; // a run from before captions.csv: as the gallery always showed it
  const { box, clips } = letterbox(videos.map((v) => stored.get(String(v.id)) ?? square), GALLERY_CLIP_HEIGHT);
  return `<style>${GALLERY_STYLE}</style><div class="gallery">${videos.map((v, k) => galleryItem(self, v, draw, box, clips[k])).join('\n')}</div>`;
}

function galleryItem(self: LoadedRun, v: VideoRow, draw: (figure: PlotlyFigure) => string, box: PixelSize, shown: PixelSize): string {
  const violated = v.violations ? String(v.violations).split(';').join(', ') : 'none';
  const media = [videoTag(path.join(self.dir, String(v.video)), 'generated', box, shown), v.truth ? videoTag(path.join(self.dir, String(v.truth)), 'truth', box, shown) : ''].join('');
  const tracks = loadTracks(self.dir, String(v.id));
  const plot = tracks && (tracks.generated.length || tracks.truth?.length) ? draw(trajectoryOverlay(tracks)) : '<div class="label">no tracks</div>';
  const text =
    `<div><b>${escapeHtml(String(v.id))}</b> <span class="label">${escapeHtml(`${v.category}, ${v.split}`)}</span><br>` +
    `“${escapeHtml(String(v.caption))}”<br><span class="bad">violated: ${escapeHtml(violated)}</span><br>` +
    `<span class="label">position ADE ${formatValue(v.position_ade)}, velocity error ${formatValue(v.velocity_error)}; solid = truth, dashed = generated</span></div>`;
  return `<div class="item">${media}<div style="width:340px">${plot}</div>${text}</div>`;
}
