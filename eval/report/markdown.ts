/** report.md: the same tables as report.html, as Markdown, with links to the run's videos. */
import type { LoadedRun } from './load.js';
import { counterfactualTable, formatValue, keepFramesText, presentMetrics, scoringText, splitTables, splitTablesNote, worstVideos, type SplitTable } from './summary.js';

const table = (header: string[], rows: string[][]) =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- |').join('')}`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

const escape = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function splitTableMarkdown(t: SplitTable): string {
  return table(['category', ...t.splits.map((s) => s.toUpperCase())], t.rows.map((r) => [r.category, ...r.values.map(formatValue)]));
}

export const GALLERY_SIZE = 8;

export function reportMarkdown(runs: readonly LoadedRun[]): string {
  const [self] = runs;
  const { run } = self;
  const metrics = presentMetrics(self.categories);
  const lines: string[] = [];
  lines.push(`# Evaluation: ${run.suite?.name ?? run.name}`, '');
  lines.push(`Source: ${run.source.kind} \`${run.source.path}\`. ${run.headline.videos} videos. True frames given: ${keepFramesText(run.keep_frames)}. Interactive version: report.html.`, '');

  lines.push('## Headline', '');
  const head: string[][] = [
    ['videos', String(run.headline.videos)],
    ['abnormal rate', formatValue(run.headline.abnormal_rate)],
    ['joint accuracy', formatValue(run.headline.joint_accuracy)],
  ];
  for (const [name, f] of Object.entries(run.frechet ?? {})) {
    head.push([`${name} (n = ${f.n.join(' vs ')})`, `${formatValue(f.fd)} (95% bootstrap ${formatValue(f.ci95[0])}–${formatValue(f.ci95[1])})`]);
  }
  for (const m of metrics) if (m in run.headline) head.push([m, formatValue(run.headline[m])]);
  lines.push(table(['', 'value'], head), '');

  lines.push('## Scores per category', '');
  lines.push(
    table(
      ['category', 'split', 'videos', 'abnormal', 'joint acc.', ...metrics],
      self.categories.map((c) => [String(c.category), String(c.split), String(c.videos), formatValue(c.abnormal_rate), formatValue(c.joint_accuracy), ...metrics.map((m) => formatValue(c[m]))]),
    ),
    '',
  );

  const counterfactual = counterfactualTable(run);
  if (counterfactual) lines.push('## Counterfactual pairs', '', counterfactual.note, '', table(counterfactual.header, counterfactual.rows), '');

  lines.push('## ID vs OOD vs combo', '');
  if (runs.length > 1) lines.push(`From this run and ${runs.length - 1} sibling run(s) of the same source: ${runs.slice(1).map((r) => `\`${r.run.name}\``).join(', ')}.`, '');
  else lines.push('Only this run was found (no sibling runs of the same source beside it): one split.', '');
  lines.push(splitTablesNote(runs), '');
  for (const t of splitTables(runs, ['abnormal_rate', 'joint_accuracy', ...presentMetrics(runs.flatMap((r) => r.categories), ['velocity_error', 'position_ade'])])) {
    lines.push(`**${t.metric}**`, '', splitTableMarkdown(t), '');
  }

  lines.push('## Failure gallery', '');
  const worst = worstVideos(self.videos, GALLERY_SIZE);
  if (!worst.some((v) => v.abnormal === 1)) lines.push('No video was judged abnormal; the videos with the largest errors are shown.', '');
  for (const v of worst) {
    const violated = v.violations ? String(v.violations).split(';').join(', ') : 'none';
    lines.push(`- **${v.id}** (${v.category}, ${v.split}) — "${escape(String(v.caption))}"`);
    lines.push(`  violated: ${violated}; position ADE ${formatValue(v.position_ade)}, velocity error ${formatValue(v.velocity_error)}`);
    lines.push(`  [generated](${v.video})${v.truth ? ` · [truth](${v.truth})` : ''} · tracks: tracks/${v.id}.json`);
  }
  lines.push('');

  lines.push('## Provenance', '');
  const prov: string[][] = [
    ['suite', run.suite ? `${run.suite.name} v${run.suite.version} (split ${run.suite.split}, ${run.suite.prompts} prompts${run.suite.limit ? `, limit ${run.suite.limit} per category` : ''})` : 'none (a folder scored as is)'],
    ['source', `${run.source.kind}: ${run.source.path}${run.source.step !== undefined ? ` (step ${run.source.step})` : ''}`],
    ['generation', run.source.generate ? `${run.source.generate.sampler}, ${run.source.generate.steps} steps, time shift ${run.source.generate.shift ?? 1}, guidance ${run.source.generate.guidance}${run.source.generate.guidanceMethod ? ` (${run.source.generate.guidanceMethod})` : ''}${run.source.generate.frameGuidance !== undefined ? `, frame guidance ${run.source.generate.frameGuidance}` : ''}` : '—'],
    ['seeds', run.seeds.join(', ')],
    ['true frames given', keepFramesText(run.keep_frames)],
    ['scoring', scoringText(run.scoring)],
    ['code', `${run.code.version}${run.code.commit ? ` @ ${run.code.commit.slice(0, 12)}${run.code.dirty ? ' (uncommitted changes)' : ''}` : ' (no git commit)'}`],
    ['created', run.created],
    ['timings', Object.entries(run.timings).map(([k, v]) => `${k} ${v}`).join(', ')],
  ];
  lines.push(table(['', ''], prov), '');
  const skipped = Object.entries(run.skipped_metrics ?? {});
  if (skipped.length) lines.push('Skipped metrics:', '', ...skipped.map(([m, why]) => `- ${m}: ${escape(why)}`), '');
  if (run.bad_inputs.length) lines.push('Inputs not scored:', '', ...run.bad_inputs.map((b) => `- ${escape(b.file)}${b.row ? ` line ${b.row}` : ''}: ${escape(b.reason)}`), '');
  return lines.join('\n');
}
