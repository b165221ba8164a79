/**
 * Frozen frames from the tracks, robust to codecs: a frame pair is *moving* when some object
 * tracked whole in both frames moves at least STUTTER_STEP_PX (visible motion). Between two
 * moving pairs, a pair is *still* when no object moves more than codec noise explains:
 * STILL_STEP_PX, or up to STILL_NOISE_PX when that is also at most STILL_RATIO of the motion on
 * both sides. A repeated frame moves its blobs by codec noise only (0.00–0.14 px measured after
 * VP9, which re-codes the first repeat of a frame, 0.17 px on a refresh); a codec holding a slow
 * object still for a frame (a skipped block) leaves steps of the same order as the object's own
 * motion, not a fraction of it, and so does a ball at the apex of its arc. A stutter is
 * STUTTER_MIN_PAIRS or more still pairs in a row between moving pairs (pairs in between that
 * are neither, like that refresh, may separate them from the moving ones).
 */
import type { ParsedVideo } from '../parse/tracks.js';
import { STILL_NOISE_PX, STILL_RATIO, STILL_STEP_PX, STUTTER_MIN_PAIRS, STUTTER_STEP_PX } from '../thresholds.js';

/** Per frame pair t → t+1: the largest step of any object tracked whole in both (px), or null when none is. */
export function largestSteps(parsed: ParsedVideo): (number | null)[] {
  const out: (number | null)[] = new Array(Math.max(0, parsed.numFrames - 1)).fill(null);
  for (const tr of parsed.tracks) {
    for (let i = 1; i < tr.points.length; i++) {
      const [a, b] = [tr.points[i - 1], tr.points[i]];
      if (b.frame !== a.frame + 1 || a.cut || b.cut) continue;
      const step = Math.hypot(b.x - a.x, b.y - a.y) * parsed.scale;
      out[a.frame] = Math.max(out[a.frame] ?? 0, step);
    }
  }
  return out;
}

export function stutterCount(parsed: ParsedVideo): number {
  const steps = largestSteps(parsed);
  const moving = (s: number | null | undefined): s is number => s !== null && s !== undefined && s >= STUTTER_STEP_PX;
  let count = 0;
  for (let i = 0; i < steps.length; ) {
    if (steps[i] === null || moving(steps[i])) {
      i++;
      continue;
    }
    let j = i;
    while (j < steps.length && steps[j] !== null && !moving(steps[j])) j++;
    // Pairs i..j−1 are not moving; judge the run when moving pairs bound it on both sides.
    const [before, after] = [steps[i - 1], steps[j]];
    if (moving(before) && moving(after)) {
      const still = Math.max(STILL_STEP_PX, Math.min(STILL_NOISE_PX, STILL_RATIO * Math.min(before, after)));
      let inRow = 0, longest = 0;
      for (let k = i; k < j; k++) {
        inRow = steps[k]! <= still ? inRow + 1 : 0;
        longest = Math.max(longest, inRow);
      }
      if (longest >= STUTTER_MIN_PAIRS) count++;
    }
    i = j;
  }
  return count;
}
