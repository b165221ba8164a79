/**
 * Redis for sweeps: one BullMQ queue shared by every sweep, reached through ioredis.
 * `connectRedis` first checks the server answers, once and quickly, so an unreachable Redis is
 * a one-line error within a few seconds instead of a client retrying forever.
 *
 *   const redis = await connectRedis('redis://127.0.0.1:6379', { role: 'client' });
 *   const queue = new Queue(QUEUE_NAME, { connection: redis });
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { UserError, describeError } from '../../base/errors.js';

/** The BullMQ queue every sweep job goes through. */
export const QUEUE_NAME = 'spacetime-sweep';
/** How long the first connection may take before Redis counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 3000;
/** A submitter's client gives up after this many reconnects (a worker keeps trying). */
const CLIENT_RECONNECTS = 3;

/** `--redis` checked: a redis:// or rediss:// URL. */
export function parseRedisUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`--redis must be a URL like redis://HOST:6379, got "${raw}"`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new UserError(`--redis must be a redis:// or rediss:// URL, got "${raw}"`);
  return url;
}

/** The URL without its password, to show and to store. */
export function redactRedisUrl(raw: string): string {
  const url = parseRedisUrl(raw);
  if (url.password) url.password = '';
  return url.toString();
}

/**
 * A connected ioredis client, or a UserError naming the URL and why. A `worker` client
 * reconnects without end (BullMQ needs `maxRetriesPerRequest: null` for its blocking calls);
 * a `client` one (submit, status, wait) gives up after a few tries.
 */
export async function connectRedis(raw: string, options: { role: 'worker' | 'client' }): Promise<Redis> {
  const url = parseRedisUrl(raw);
  const shown = redactRedisUrl(raw);
  const probe = new Redis(url.toString(), { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let cause: unknown = null; // the socket's error (ECONNREFUSED…), more telling than connect()'s
  probe.on('error', (err) => (cause ??= err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new UserError(`cannot reach Redis at ${shown}: ${describeError(cause ?? err) || 'connection failed'}`);
  } finally {
    // A refused connection has ended already; disconnect() then arms a 2 s timer for nothing.
    if (probe.status !== 'end') probe.disconnect();
  }
  const opts: RedisOptions = {
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: null,
    retryStrategy: options.role === 'worker' ? (times) => Math.min(1000 * times, 5000) : (times) => (times > CLIENT_RECONNECTS ? null : 500),
  };
  const client = new Redis(url.toString(), opts);
  client.on('error', () => {}); // BullMQ surfaces failed commands; reconnects are ioredis's job
  return client;
}

/**
 * A job's id: the same sweep folder and name always give the same id, so submitting a sweep
 * twice finds its earlier jobs. BullMQ ids may not contain ':'.
 */
export function jobId(sweepDir: string, name: string): string {
  const folder = crypto.createHash('sha256').update(path.resolve(sweepDir)).digest('hex').slice(0, 16);
  return `${folder}.${name}`;
}
