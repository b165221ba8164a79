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
import { pointAt } from './kinematics.js';
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
    if (moving(before) && moving(after) && moverSeenThrough(parsed, i, j)) {
      const still = Math.max(STILL_STEP_PX, Math.min(STILL_NOISE_PX, STILL_RATIO * Math.min(before, after)));
      let inRow = 0, longest = 0;
      for (let k = i; k < j; k++) {
        inRow = steps[k]! <= still ? inRow + 1 : 0;
        longest = Math.max(longest, inRow);
      }
      const stutter = longest >= STUTTER_MIN_PAIRS || heldInPlace(parsed, steps, i, j, still);
      if (stutter && !(j - i <= STUTTER_MIN_PAIRS && overApex(parsed, i, j))) count++;
    }
    i = j;
  }
  return count;
}

/**
 * Whether frames a..b (STUTTER_MIN_PAIRS or more pairs, inside the not-moving pairs i..j−1)
 * show the scene held in place though single steps exceed `still`: every step is at most
 * STILL_NOISE_PX and every object tracked whole at both ends ends where it started (within
 * `still`). VP9 re-codes the first repeat of a frame and the next one returns (a slow ball
 * frozen over frames 5–8 at 32×32 steps 0.12, 0.13, 0 px, ending 0.006 px from where it
 * stopped, while its own motion is 0.35 px per frame); motion, even a codec holding a slow
 * object, adds up over the pairs, and next to an apex only one step is under 0.157 px (g at 32×32).
 */
function heldInPlace(parsed: ParsedVideo, steps: (number | null)[], i: number, j: number, still: number): boolean {
  for (let a = i; a < j; a++) {
    for (let b = a + 1; b <= j && steps[b - 1]! <= STILL_NOISE_PX; b++) {
      if (b - a < STUTTER_MIN_PAIRS) continue;
      const net = netStep(parsed, a, b);
      if (net !== null && net <= still) return true;
    }
  }
  return false;
}

/** The largest displacement (px) from frame a to frame b of any object tracked whole in both, or null when none is. */
function netStep(parsed: ParsedVideo, a: number, b: number): number | null {
  let net: number | null = null;
  for (const tr of parsed.tracks) {
    const [p, q] = [pointAt(tr, a), pointAt(tr, b)];
    if (!p || !q || p.cut || q.cut) continue;
    net = Math.max(net ?? 0, Math.hypot(q.x - p.x, q.y - p.y) * parsed.scale);
  }
  return net;
}

/**
 * Whether an object tracked whole from frame i − 1 to j + 1 rises into frame i and falls out of
 * frame j: the top of an arc, where a ball moves by g·dt²/2 per frame (0.16 px at 32²) and a
 * codec can hold it still for STUTTER_MIN_PAIRS pairs (a late, low bounce's apex after H.264 at
 * 32², measured on 32-frame clips). A frozen run longer than that is still a stutter.
 */
function overApex(parsed: ParsedVideo, i: number, j: number): boolean {
  return parsed.tracks.some((tr) => {
    const at = (f: number) => pointAt(tr, f);
    const [a, b, c, d] = [at(i - 1), at(i), at(j), at(j + 1)];
    if (!a || !b || !c || !d || [a, b, c, d].some((p) => p.cut)) return false;
    return b.y > a.y && d.y < c.y;
  });
}

/**
 * Whether an object moving visibly (STUTTER_STEP_PX) into frame i or out of frame j is tracked
 * whole in every frame i..j: only then do the pairs between show whether the scene froze. When the
 * fast ball of a collision is merged into the slow one for two frames (H.264 crf 18 at 32²), the
 * slow ball's 0.14 px steps are all that is left, and they say nothing about the fast one.
 */
function moverSeenThrough(parsed: ParsedVideo, i: number, j: number): boolean {
  const whole = (tr: ParsedVideo['tracks'][number], f: number) => {
    const p = pointAt(tr, f);
    return p !== undefined && !p.cut;
  };
  const stepPx = (tr: ParsedVideo['tracks'][number], a: number) =>
    whole(tr, a) && whole(tr, a + 1) ? Math.hypot(pointAt(tr, a + 1)!.x - pointAt(tr, a)!.x, pointAt(tr, a + 1)!.y - pointAt(tr, a)!.y) * parsed.scale : 0;
  return parsed.tracks.some((tr) => {
    if (stepPx(tr, i - 1) < STUTTER_STEP_PX && stepPx(tr, j) < STUTTER_STEP_PX) return false;
    for (let f = i; f <= j; f++) if (!whole(tr, f)) return false;
    return true;
  });
}
