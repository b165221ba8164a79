/**
 * Word swaps: a caption with each word of a pair replaced by its partner ("left" ↔ "right").
 * The caption probe (eval/check/caption-probe.ts) measures with them whether a model reads
 * a kind of word; training's hard negatives (src/train/hard-negatives.ts, `--negatives`) teach it to.
 *
 *   swapWords('a ball moves to the left', parseSwaps('left=right')) // 'a ball moves to the right'
 */
import { UserError } from '../../base/errors.js';

/** The caption with every whole word of a pair replaced by its partner (case kept lower). */
export function swapWords(caption: string, swaps: readonly [string, string][]): string {
  const partner = new Map<string, string>();
  for (const [a, b] of swaps) {
    partner.set(a, b);
    partner.set(b, a);
  }
  return caption.replace(/[a-z-]+/gi, (word) => partner.get(word.toLowerCase()) ?? word);
}

/** Pairs back to "left=right,leftward=rightward" (what parseSwaps reads). */
export function formatSwaps(swaps: readonly [string, string][]): string {
  return swaps.map((pair) => pair.join('=')).join(',');
}

/** Parse "left=right,leftward=rightward" into pairs; `flag` names the option in the error. */
export function parseSwaps(spec: string, flag = '--swap'): [string, string][] {
  const pairs = spec.split(',').map((p) => p.trim().toLowerCase().split('='));
  for (const p of pairs) {
    if (p.length !== 2 || !p[0] || !p[1] || p[0] === p[1]) throw new UserError(`${flag}: "${p.join('=')}" is not a pair of two different words A=B`);
  }
  return pairs as [string, string][];
}
