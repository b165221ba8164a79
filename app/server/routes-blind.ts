/**
 * Blind A/B: a pair of runs' videos for the same prompt and seed, in random left/right
 * order and without names; a vote; the leaderboard; the votes as CSV.
 *
 *   POST /api/blind/pairs            {"runs"?: ["a", "b"]}  → { token, caption, videos: { left, right } }
 *   GET  /api/blind/pairs/:token/left.mp4 (right.mp4)
 *   POST /api/blind/pairs/:token/vote {"choice": "left" | "right" | "tie" | "both_bad"} → the vote, with the names revealed
 *   GET  /api/leaderboard?resamples=200&seed=1
 *   GET  /api/votes.csv
 */
import crypto from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { openInside } from './files.js';
import { HttpError } from './http-error.js';
import { leaderboard, OUTCOMES, type Outcome, type Standing } from './ranking.js';
import { RUN_ID, type RunIndex } from './runs.js';
import { parse } from './routes-runs.js';
import { sendFile } from './send-file.js';
import type { VoteStore } from './votes.js';

const pairBody = z
  .object({ runs: z.array(z.string().regex(RUN_ID, 'bad run id')).length(2).refine(([a, b]) => a !== b, 'two different runs').optional() })
  .strict();
const voteBody = z.object({ choice: z.enum(OUTCOMES as [Outcome, ...Outcome[]]) }).strict();
const boardQuery = z
  .object({
    resamples: z.string().regex(/^\d{1,4}$/).transform(Number).pipe(z.number().max(2000)).optional(),
    seed: z.string().regex(/^\d{1,9}$/).transform(Number).optional(),
  })
  .strict();

export function blindRouter(runs: RunIndex, votes: VoteStore): Router {
  const router = Router();
  let board: { key: string; value: Standing[] } | null = null;

  router.post('/api/blind/pairs', (req, res) => {
    const body = parse(pairBody, req.body ?? {}, 'body');
    const [a, b, videoId] = body.runs ? pickVideo(runs, body.runs[0], body.runs[1]) : pickPair(runs);
    const [left, right] = crypto.randomInt(2) === 0 ? [a, b] : [b, a];
    const pair = votes.createPair({ videoId, left, right });
    const row = runs.table(left).byId.get(videoId)!;
    const base = `/api/blind/pairs/${pair.token}`;
    res.status(201).json({ token: pair.token, caption: row.caption, videos: { left: `${base}/left.mp4`, right: `${base}/right.mp4` } });
  });

  router.get('/api/blind/pairs/:token/:side', (req, res) => {
    const side = req.params.side;
    if (side !== 'left.mp4' && side !== 'right.mp4') throw new HttpError(404, 'expected left.mp4 or right.mp4');
    const pair = votes.pair(req.params.token);
    const runId = side === 'left.mp4' ? pair.left : pair.right;
    const run = runs.usable(runId);
    const row = runs.table(run.id).byId.get(pair.videoId);
    if (!row?.video) throw new HttpError(404, 'the video of this pair is gone');
    res.setHeader('Cache-Control', 'no-store');
    sendFile(req, res, openInside(run.dir, row.video));
  });

  router.post('/api/blind/pairs/:token/vote', (req, res) => {
    const { choice } = parse(voteBody, req.body ?? {}, 'body');
    const vote = votes.vote(req.params.token, choice);
    res.status(201).json({ id: vote.id, choice: vote.choice, videoId: vote.videoId, left: vote.left, right: vote.right });
  });

  router.get('/api/leaderboard', (req, res) => {
    const q = parse(boardQuery, req.query, 'query');
    const resamples = q.resamples ?? 200;
    const seed = q.seed ?? 1;
    const key = `${votes.version}/${resamples}/${seed}`;
    if (board?.key !== key) {
      const all = votes.votes().map((v) => ({ left: v.left, right: v.right, choice: v.choice }));
      board = { key, value: leaderboard(all, { resamples, seed }) };
    }
    res.json({ votes: votes.votes().length, resamples, seed, standings: board.value });
  });

  router.get('/api/votes.csv', (_req, res) => {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="votes.csv"');
    res.send(votes.csv());
  });

  return router;
}

/** Videos (ids) both runs have, with a video file. */
function common(runs: RunIndex, a: string, b: string): string[] {
  const [ta, tb] = [runs.table(runs.usable(a).id), runs.table(runs.usable(b).id)];
  return ta.rows.filter((r) => r.video && tb.byId.get(r.id)?.video).map((r) => r.id);
}

/** Whether the run's videos.json reads (one unreadable run must not stop blind pairs among the others). */
function readable(runs: RunIndex, id: string): boolean {
  try {
    runs.table(id);
    return true;
  } catch (err) {
    if (err instanceof HttpError) return false;
    throw err;
  }
}

function pickVideo(runs: RunIndex, a: string, b: string): [string, string, string] {
  const ids = common(runs, a, b);
  if (ids.length === 0) throw new HttpError(409, `runs "${a}" and "${b}" share no video (same prompt and seed)`);
  return [a, b, ids[crypto.randomInt(ids.length)]];
}

/** Two random runs of the same suite (or both without one) that share videos, and one of those videos. */
function pickPair(runs: RunIndex): [string, string, string] {
  const usable = runs.list().filter((r) => r.run && readable(runs, r.id));
  const pairs: [string, string][] = [];
  for (let i = 0; i < usable.length; i++)
    for (let j = i + 1; j < usable.length; j++)
      if (usable[i].run!.suite?.name === usable[j].run!.suite?.name && common(runs, usable[i].id, usable[j].id).length > 0) pairs.push([usable[i].id, usable[j].id]);
  if (pairs.length === 0) throw new HttpError(409, 'no two runs share a suite and a video: nothing to compare blind');
  const [a, b] = pairs[crypto.randomInt(pairs.length)];
  return pickVideo(runs, a, b);
}
