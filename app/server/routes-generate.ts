/**
 * Generate on demand: type a prompt, get one video per checkpoint (one or two) from the
 * queue, one job at a time.
 *
 *   GET  /api/checkpoints
 *   POST /api/jobs        {"prompt": "…", "checkpoints": ["default"], "seed"?: 1, "steps"?: 25, "guidance"?: 3} → 202 job
 *                         + "upload"?: {"type": "image/png", "data": BASE64}, "keepFrames"?: K, "strength"?: S (uploads.ts)
 *   GET  /api/jobs        newest first
 *   GET  /api/jobs/:id    status, queue position, progress, video URLs when done
 *   GET  /api/jobs/:id/0.mp4
 */
import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import { UserError } from '../../base/errors.js';
import { GENERATE_DEFAULTS } from '../../src/diffusion/generation-defaults.js';
import { readPipelineConfig } from '../../src/infer/pipeline.js';
import { givenFrameGroup, pixelModel } from '../../src/model/latent-space.js';
import type { DiTConfig } from '../../src/model/config.js';
import { HttpError } from './http-error.js';
import type { GenerationQueue } from './queue.js';
import { openFile } from './files.js';
import { parse } from './routes-runs.js';
import { sendFile } from './send-file.js';
import { checkTargets, checkUploadFile, decodeUpload, uploadName, UPLOAD_TYPES, type GivenUpload, type UploadTarget } from './uploads.js';

export const MAX_PROMPT_CHARS = 300;
/** Uploads decoded at once (each an ffmpeg process); more wait for a 429. */
const MAX_UPLOADS_CHECKED = 2;

const jobBody = z
  .object({
    prompt: z.string().trim().min(1, 'the prompt is empty').max(MAX_PROMPT_CHARS, `at most ${MAX_PROMPT_CHARS} characters`),
    checkpoints: z.array(z.string().max(64)).min(1).max(2, 'one or two checkpoints'),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    steps: z.number().int().min(1).max(200).default(GENERATE_DEFAULTS.steps),
    guidance: z.number().min(0).max(20).default(GENERATE_DEFAULTS.guidance),
    upload: z.object({ type: z.enum(UPLOAD_TYPES), data: z.string() }).strict().optional(),
    keepFrames: z.number().int().min(1).optional(),
    strength: z.number().gt(0).max(1).optional(),
  })
  .strict();

export function generateRouter(queue: GenerationQueue): Router {
  const router = Router();

  router.get('/api/checkpoints', (_req, res) => {
    res.json({ checkpoints: queue.checkpoints.map(({ id, label }) => ({ id, label })) });
  });

  let checking = 0;
  router.post('/api/jobs', async (req, res) => {
    if (queue.checkpoints.length === 0) throw new HttpError(409, 'no checkpoint to generate from (start the server with --checkpoints, or ship models/default)');
    const { upload, keepFrames, strength, ...request } = parse(jobBody, req.body ?? {}, 'body');
    if (keepFrames !== undefined && strength !== undefined) throw new HttpError(400, 'keepFrames and strength do not go together');
    if (!upload) {
      if (keepFrames !== undefined || strength !== undefined) throw new HttpError(400, `${keepFrames !== undefined ? 'keepFrames' : 'strength'} needs an upload`);
      res.status(202).json(queue.submit(request));
      return;
    }
    const bytes = decodeUpload(upload.type, upload.data);
    queue.checkAccepts(request);
    const targets = request.checkpoints.map((id) => targetOf(queue, id));
    const given: GivenUpload = { file: uploadName(upload.type), type: upload.type, keepFrames, strength };
    checkTargets(targets, given);
    if (checking >= MAX_UPLOADS_CHECKED) throw new HttpError(429, 'other uploads are being checked; try again in a moment');
    // Written into the job's own folder under our name, checked there; refused, the folder goes.
    const id = queue.newJobId();
    const dir = queue.jobFolder(id);
    fs.mkdirSync(queue.outDir, { recursive: true });
    fs.mkdirSync(dir); // a new folder, ours to remove
    checking++;
    try {
      fs.writeFileSync(path.join(dir, given.file), bytes, { flag: 'wx' });
      await checkUploadFile(path.join(dir, given.file), targets, given);
      res.status(202).json(queue.submit({ ...request, given }, id));
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    } finally {
      checking--;
    }
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

/** A checkpoint's model config in pixels, read without its weights; one that cannot be read is a 409 naming it. */
function targetOf(queue: GenerationQueue, id: string): UploadTarget {
  try {
    const config = readPipelineConfig(queue.checkpoints.find((c) => c.id === id)!.path);
    return { id, model: pixelModel(config), givenFrameGroup: givenFrameGroup(config) };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    throw new HttpError(409, `checkpoint "${id}" cannot be read: ${err.message.split('\n')[0]}`);
  }
}
