/**
 * Security middleware: response headers every page and API answer carries, exactly one
 * well-formed Host header (and, when the server listens on loopback only, one of its names,
 * against DNS rebinding), JSON-only POST bodies (a cross-site form cannot send
 * `application/json` without a CORS preflight, which this server never grants), a declared
 * body over the limit refused from its headers, and answers with a reason to requests that
 * Node's parser rejects before express sees them.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './http-error.js';

/** Pages and API: scripts and styles from this server only (plotly needs inline styles). */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Files from run folders (report.html is self-contained, with inline scripts): sandboxed
 * into an opaque origin, so a report can run its plots but not read the server's API.
 */
export const FILE_CSP = "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; media-src 'self' data: blob:";

export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
  next();
}

/** RFC 3986 `host [ ":" port ]`: an IP literal in brackets or a reg-name (IPv4 is a reg-name too). */
const HOST_VALUE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]*)(?::\d*)?$/;

/**
 * RFC 9112 §3.2: a request with more than one Host field line, or a Host that is not
 * `host[:port]`, is answered 400 (Node keeps the first of two Host lines and says nothing;
 * an HTTP/1.1 request without Host it refuses itself).
 */
export function singleHost(req: Request, _res: Response, next: NextFunction): void {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === 'host') count++;
  if (count > 1) return next(new HttpError(400, `${count} Host headers: a request carries exactly one`));
  const host = req.headers.host;
  if (host !== undefined && !HOST_VALUE.test(host)) return next(new HttpError(400, `malformed Host header "${host.slice(0, 80)}"`));
  next();
}

/** Refuse requests whose Host is not one of `allowed` (hostnames, any port). */
export function hostCheck(allowed: readonly string[]) {
  const names = new Set(allowed.map((h) => h.toLowerCase()));
  return (req: Request, _res: Response, next: NextFunction) => {
    const host = (req.headers.host ?? '').toLowerCase();
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
    if (!names.has(name)) return next(new HttpError(421, `unexpected Host header "${host.slice(0, 80)}"`));
    next();
  };
}

/** POST, PUT and DELETE must carry JSON (or nothing). */
export function jsonOnly(req: Request, _res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
  const length = Number(req.headers['content-length'] ?? 0);
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if ((length > 0 || chunked) && !req.is('application/json')) return next(new HttpError(415, 'request bodies must be application/json'));
  next();
}

/**
 * A body over the limit (in bytes, or one per request) is a 413 as soon as that is known:
 * from a declared Content-Length at once, or for a chunked body the moment the bytes
 * received pass the limit. The body parser refuses such bodies too, but only after reading
 * (and dropping) all of it, which a client may declare as 100 GB or never finish.
 * `Connection: close` ends the connection after the answer, so the rest is never read.
 */
export function bodyLimit(limit: number | ((req: Request) => number)) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const maxBytes = typeof limit === 'number' ? limit : limit(req);
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBytes) {
      res.setHeader('Connection', 'close');
      return next(new HttpError(413, `body too large: ${declared} bytes declared, at most ${maxBytes}`));
    }
    if (declared === undefined && req.headers['transfer-encoding'] !== undefined) {
      let received = 0;
      const count = (chunk: Buffer) => {
        received += chunk.length;
        if (received <= maxBytes) return;
        req.off('data', count);
        // The body parser's own 413 comes once the connection is gone, and finds this answer sent.
        if (!res.headersSent) res.status(413).set('Connection', 'close').json({ error: `body too large: more than ${maxBytes} bytes sent` });
      };
      req.on('data', count);
    }
    next();
  };
}

/**
 * `clientError`: a request Node's parser rejected before express saw it, answered with a
 * status and a one-line JSON reason (Node's own answer has no body), then the connection is
 * closed. An over-long request line is 414 URI Too Long (RFC 9110 §15.5.15: the target URI is
 * longer than the server will interpret) rather than 431, which RFC 6585 §5 keeps for header
 * fields: the parser reports one overflow for the request line and headers together (over
 * `http.maxHeaderSize`, 16 kB), so it is a 414 when the packet it failed on starts the request
 * and holds no line end (the target alone is over the limit), and a 431 otherwise.
 */
export function answerClientError(err: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, message] = clientErrorAnswer(err);
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(), // flushed: close both ways, whatever the client keeps sending
  );
}

/** A request line's start: a method token and a space (then the request-target). */
const REQUEST_START = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ /;

function clientErrorAnswer(err: Error & { code?: string; rawPacket?: Buffer }): [number, string] {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW': {
      const packet = err.rawPacket?.subarray(0, http.maxHeaderSize + 64).toString('latin1') ?? '';
      if (REQUEST_START.test(packet) && !packet.includes('\n')) return [414, `request-target longer than ${http.maxHeaderSize} bytes`];
      return [431, `request line and header fields longer than ${http.maxHeaderSize} bytes together`];
    }
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'chunk extensions too large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'the request took too long to arrive'];
    default:
      return [400, `malformed HTTP request (${err.code ?? err.message.split('\n')[0]})`];
  }
}
