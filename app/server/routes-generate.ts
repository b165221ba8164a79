/**
 * Generate on demand: type a prompt, get one video per checkpoint (one or two) from the
 * queue, one job at a time.
 *
 *   GET  /api/checkpoints
 *   POST /api/jobs        {"prompt": "…", "checkpoints": ["default"], "seed"?: 1, "steps"?: 25, "guidance"?: 3} → 202 job
 *   GET  /api/jobs        newest first
 *   GET  /api/jobs/:id    status, queue position, progress, video URLs when done
 *   GET  /api/jobs/:id/0.mp4
 */
import { Router } from 'express';
import { z } from 'zod';
import { GENERATE_DEFAULTS } from '../../src/diffusion/generation-defaults.js';
import { HttpError } from './http-error.js';
import type { GenerationQueue } from './queue.js';
import { openFile } from './files.js';
import { parse } from './routes-runs.js';
import { sendFile } from './send-file.js';

export const MAX_PROMPT_CHARS = 300;

const jobBody = z
  .object({
    prompt: z.string().trim().min(1, 'the prompt is empty').max(MAX_PROMPT_CHARS, `at most ${MAX_PROMPT_CHARS} characters`),
    checkpoints: z.array(z.string().max(64)).min(1).max(2, 'one or two checkpoints'),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    steps: z.number().int().min(1).max(200).default(GENERATE_DEFAULTS.steps),
    guidance: z.number().min(0).max(20).default(GENERATE_DEFAULTS.guidance),
  })
  .strict();

export function generateRouter(queue: GenerationQueue): Router {
  const router = Router();

  router.get('/api/checkpoints', (_req, res) => {
    res.json({ checkpoints: queue.checkpoints.map(({ id, label }) => ({ id, label })) });
  });

  router.post('/api/jobs', (req, res) => {
    if (queue.checkpoints.length === 0) throw new HttpError(409, 'no checkpoint to generate from (start the server with --checkpoints, or ship models/default)');
    const body = parse(jobBody, req.body ?? {}, 'body');
    res.status(202).json(queue.submit(body));
  });

  router.get('/api/jobs', (_req, res) => {
    res.json({ jobs: queue.list() });
  });

  router.get('/api/jobs/:id', (req, res) => {
    res.json(queue.get(req.params.id));
  });

  router.get('/api/jobs/:id/:file', (req, res) => {
    const match = /^(\d)\.mp4$/.exec(req.params.file);
    if (!match) throw new HttpError(404, 'expected K.mp4');
    sendFile(req, res, openFile(queue.file(req.params.id, Number(match[1]))));
  });

  return router;
}
