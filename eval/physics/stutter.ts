/**
 * Frozen frames from the tracks, robust to codecs: a frame pair is *still* when at least one
 * object is tracked whole in both frames and none of them moves more than STILL_STEP_PX (a
 * repeated frame re-encoded by a codec moves its blobs by hundredths of a pixel; its pixels
 * may differ by a level, so a pixel test would read codec refresh as motion), and *moving*
 * when some object moves at least STUTTER_STEP_PX (visible motion: a codec may legitimately
 * hold a slower object still for a few frames, skipping its blocks, and a static scene only
 * flickers). A stutter is a run of STUTTER_MIN_PAIRS or more still pairs with moving pairs on
 * both sides. One still pair can happen in a clean clip (a ball at the apex of its arc).
 */
import type { ParsedVideo } from '../parse/tracks.js';
import { STILL_STEP_PX, STUTTER_MIN_PAIRS, STUTTER_STEP_PX } from '../thresholds.js';

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
  let count = 0, run = 0, sawMotion = false;
  for (const s of steps) {
    if (s !== null && s <= STILL_STEP_PX) {
      if (sawMotion) run++;
      continue;
    }
    const moving = s !== null && s >= STUTTER_STEP_PX;
    if (moving && run >= STUTTER_MIN_PAIRS) count++;
    run = 0;
    sawMotion = moving;
  }
  return count;
}
