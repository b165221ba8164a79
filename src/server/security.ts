/**
 * Security middleware: response headers every page and API answer carries, a Host check
 * against DNS rebinding when the server listens on loopback only, and JSON-only POST bodies
 * (a cross-site form cannot send `application/json` without a CORS preflight, which this
 * server never grants).
 */
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
