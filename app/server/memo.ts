/**
 * A small cache of serialised JSON responses, keyed by the request and valid while the
 * objects it was computed from are the same objects (the RunIndex hands out the same object
 * until a file changes) and, optionally, for at most `ttlMs`. Under load this turns the
 * side-by-side request into a lookup.
 *
 *   const body = memo.get(req.originalUrl, [tableA, tableB], () => JSON.stringify(view));
 */
export class ResponseMemo {
  private readonly entries = new Map<string, { deps: readonly unknown[]; body: string; at: number }>();

  constructor(private readonly options: { maxEntries?: number; ttlMs?: number } = {}) {}

  get(key: string, deps: readonly unknown[], compute: () => string): string {
    const now = performance.now();
    const hit = this.entries.get(key);
    const fresh = hit && (this.options.ttlMs === undefined || now - hit.at < this.options.ttlMs);
    if (fresh && hit.deps.length === deps.length && hit.deps.every((d, i) => d === deps[i])) return hit.body;
    const body = compute();
    if (this.entries.size >= (this.options.maxEntries ?? 256)) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { deps, body, at: now });
    return body;
  }
}
