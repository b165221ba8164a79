/**
 * Frozen frames from the tracks, robust to codecs: a frame pair is *moving* when some object
 * tracked whole in both frames moves at least STUTTER_STEP_PX (visible motion), and *still*
 * when none moves more than codec noise explains: STILL_STEP_PX, or, next to moving pairs, up
 * to STILL_NOISE_PX when that is also at most STILL_RATIO of the motion on both sides. A
 * repeated frame moves its blobs by codec noise only (0.00–0.14 px measured after VP9, which
 * re-codes the first repeat of a frame); a codec holding a slow object still for a frame (a
 * skipped block) leaves steps of the same order as the object's own motion, not a fraction of it.
 * A stutter is a run of pairs no larger than STILL_NOISE_PX, moving pairs on both sides, with
 * STUTTER_MIN_PAIRS or more still pairs in it. One still pair can happen in a clean clip (a
 * ball at the apex of its arc).
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
  const moving = (s: number | null | undefined) => s !== null && s !== undefined && s >= STUTTER_STEP_PX;
  const small = (s: number | null) => s !== null && s <= STILL_NOISE_PX;
  let count = 0;
  for (let i = 0; i < steps.length; ) {
    if (!small(steps[i])) {
      i++;
      continue;
    }
    let j = i;
    while (j < steps.length && small(steps[j])) j++;
    // Pairs i..j−1 are small; judge the run when moving pairs bound it on both sides.
    const [before, after] = [steps[i - 1], steps[j]];
    if (moving(before) && moving(after)) {
      const still = Math.max(STILL_STEP_PX, STILL_RATIO * Math.min(before!, after!));
      let pairs = 0;
      for (let k = i; k < j; k++) if (steps[k]! <= still) pairs++;
      if (pairs >= STUTTER_MIN_PAIRS) count++;
    }
    i = j;
  }
  return count;
}
