/**
 * Send an open run file (files.ts `openInside`) as the answer: streamed from its descriptor,
 * never reopened by path, with what express's `res.sendFile` gave before — a content type
 * from the extension, `ETag` and `Last-Modified`, conditional GET (304, 412), a single byte
 * range (206; an unsatisfiable one 416; several ranges or a stale `If-Range` get the whole
 * file, as `send` does), HEAD — plus the sandboxing CSP of run files.
 *
 *   sendFile(req, res, openInside(run.dir, 'videos/bounce-000-s1.mp4'));   // closes the descriptor
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream';
import type { Request, Response } from 'express';
import { CONTENT_TYPES, type OpenedFile } from './files.js';
import { HttpError } from './http-error.js';
import { FILE_CSP } from './security.js';

/** Only `bytes` ranges are honoured; any other unit gets the whole file. */
const BYTES_RANGE = /^ *bytes=/;

/** Answer with `file` and close its descriptor, whatever happens. Throws HttpError 412/416 (descriptor closed). */
export function sendFile(req: Request, res: Response, file: OpenedFile): void {
  let streaming = false;
  try {
    const { stat } = file;
    res.setHeader('Accept-Ranges', 'bytes');
    // A route may ask for stricter caching (the blind pairs: no-store); run files are otherwise revalidated.
    if (!res.getHeader('Cache-Control')) res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Last-Modified', stat.mtime.toUTCString());
    res.setHeader('ETag', `W/"${stat.size.toString(16)}-${stat.mtime.getTime().toString(16)}"`);
    res.setHeader('Content-Type', CONTENT_TYPES[path.extname(file.path).toLowerCase()] ?? 'application/octet-stream');
    res.setHeader('Content-Security-Policy', FILE_CSP);

    if (preconditionFailed(req, res)) throw new HttpError(412, 'precondition failed');
    if (req.fresh) {
      for (const name of ['Content-Length', 'Content-Range', 'Content-Type']) res.removeHeader(name);
      res.status(304).end();
      return;
    }

    let start = 0;
    let length = stat.size;
    const rangeHeader = req.headers.range;
    if (rangeHeader !== undefined && BYTES_RANGE.test(rangeHeader) && rangeFresh(req, res)) {
      const ranges = req.range(stat.size, { combine: true });
      if (ranges === -1) {
        res.setHeader('Content-Range', `bytes */${stat.size}`);
        throw new HttpError(416, `range not satisfiable (the file has ${stat.size} bytes)`);
      }
      if (Array.isArray(ranges) && ranges.length === 1) {
        res.status(206).setHeader('Content-Range', `bytes ${ranges[0].start}-${ranges[0].end}/${stat.size}`);
        start = ranges[0].start;
        length = ranges[0].end - ranges[0].start + 1;
      }
    }
    res.setHeader('Content-Length', length);
    if (req.method === 'HEAD' || length === 0) {
      res.end();
      return;
    }
    const stream = fs.createReadStream(file.path, { fd: file.fd, start, end: start + length - 1, autoClose: true });
    streaming = true;
    // pipeline destroys the stream (closing the descriptor) when the client goes away.
    pipeline(stream, res, (err) => {
      if (err && !res.destroyed) res.destroy();
    });
  } finally {
    if (!streaming) fs.closeSync(file.fd);
  }
}

/** If-Match / If-Unmodified-Since that the file does not meet (as `send` decides it). */
function preconditionFailed(req: Request, res: Response): boolean {
  const match = req.headers['if-match'];
  if (match) {
    const etag = String(res.getHeader('ETag'));
    return match !== '*' && tokens(match).every((m) => m !== etag && `W/${m}` !== etag && m !== `W/${etag}`);
  }
  const unmodifiedSince = Date.parse(req.headers['if-unmodified-since'] ?? '');
  if (!Number.isNaN(unmodifiedSince)) return Date.parse(String(res.getHeader('Last-Modified'))) > unmodifiedSince;
  return false;
}

/** Whether If-Range (an ETag or a date), when present, still matches the file. */
function rangeFresh(req: Request, res: Response): boolean {
  const ifRange = req.get('If-Range');
  if (!ifRange) return true;
  if (ifRange.includes('"')) return ifRange.includes(String(res.getHeader('ETag')));
  return Date.parse(String(res.getHeader('Last-Modified'))) <= Date.parse(ifRange);
}

function tokens(list: string): string[] {
  return list.split(',').map((t) => t.trim()).filter(Boolean);
}
