/**
 * A suite's ground truth in the interchange layout (what `spacetime data export` writes):
 * videos/PROMPT.mp4 (the true render), captions.csv (the prompts), states/PROMPT.json.
 * It is the prompt list to hand another generator — its videos, named PROMPT-sN.mp4 or
 * listed with the same captions, are then scored with `spacetime eval --videos DIR --suite
 * NAME` — and, scored itself, the clean baseline (the parser's error floor).
 *
 *   await exportSuite(resolveSuite('gravity-id'), 'exports/gravity-id');
 */
import path from 'node:path';
import { CAPTIONS_HEADER, writeInterchangeItem } from '../../datasets/interchange.js';
import { DEFAULT_CLIP, type ClipConfig } from '../../datasets/world/sample.js';
import { ensureWritableDir, writeFileAtomic } from '../../base/io/atomic.js';
import { formatCsv } from '../../base/io/csv.js';
import { suiteItemAt, suiteTruth, type Suite } from './suites.js';

export async function exportSuite(suite: Suite, out: string, clip: Partial<ClipConfig> = {}): Promise<number> {
  const c: ClipConfig = { ...DEFAULT_CLIP, ...Object.fromEntries(Object.entries(clip).filter(([, v]) => v !== undefined)) };
  ensureWritableDir(path.join(out, 'videos'));
  ensureWritableDir(path.join(out, 'states'));
  const rows: (string | number)[][] = [];
  for (const item of suite.items) {
    const { video, state } = suiteTruth(suiteItemAt(item, c), c); // the scene (and its caption) at this clip
    rows.push(await writeInterchangeItem(out, item.promptId, video, state));
  }
  writeFileAtomic(path.join(out, 'captions.csv'), formatCsv(CAPTIONS_HEADER, rows));
  const { items, ...about } = suite;
  writeFileAtomic(
    path.join(out, 'suite.json'),
    JSON.stringify({ ...about, clip: c, items: items.map(({ promptId, category, family, split, worldSeed, index, counterfactual }) => ({ promptId, category, family, split, worldSeed, index, ...(counterfactual && { counterfactual }) })) }, null, 2) + '\n',
  );
  return items.length;
}
