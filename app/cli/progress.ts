/**
 * A progress bar on stderr with rate and ETA. On a terminal it redraws one line; in a
 * log (CI, notebooks) it prints a line at most every few seconds and at the end.
 */
export class Progress {
  private done = 0;
  /** Items already done when this process started (a resumed run): not counted in the rate. */
  private base = 0;
  private start = performance.now();
  private lastPrint = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly unit = 'samples',
    private readonly quiet = false,
  ) {}

  tick(n = 1): void {
    this.update(this.done + n);
  }

  /** Start from `done` items already done (a resumed run): the rate and ETA count only what follows. */
  startAt(done: number): this {
    this.done = this.base = done;
    this.start = performance.now();
    return this;
  }

  /** Set the number of items done so far. */
  update(done: number): void {
    this.done = done;
    const now = performance.now();
    if (this.done >= this.total || now - this.lastPrint > (this.tty ? 100 : 5000)) {
      this.lastPrint = now;
      this.print();
    }
  }

  /** Items per second so far, in this process. */
  rate(): number {
    return (this.done - this.base) / Math.max(1e-9, (performance.now() - this.start) / 1000);
  }

  private print(): void {
    if (this.quiet) return;
    const frac = this.total > 0 ? this.done / this.total : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const rate = this.rate();
    const eta = rate > 0 ? (this.total - this.done) / rate : 0;
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} ${this.unit}  ${rate.toFixed(1)}/s  ETA ${formatSeconds(eta)}`;
    if (this.tty) process.stderr.write(`\r${line}${this.done >= this.total ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
