/**
 * Learning-rate schedule: linear warm-up from 0 to `peak` over `warmup` steps, then a
 * cosine decay to `peak · finalFraction` at `total` steps.
 *
 *   const lr = warmupCosine(step, { peak: 3e-4, warmup: 200, total: 10_000 });
 */
export interface ScheduleOptions {
  peak: number;
  warmup: number;
  total: number;
  /** The rate at the end, as a fraction of the peak (default 0.1). */
  finalFraction?: number;
}

/** The rate for 1-based `step`. */
export function warmupCosine(step: number, o: ScheduleOptions): number {
  const final = o.peak * (o.finalFraction ?? 0.1);
  if (o.warmup > 0 && step <= o.warmup) return (o.peak * step) / o.warmup;
  const span = Math.max(1, o.total - o.warmup);
  const progress = Math.min(1, (step - o.warmup) / span);
  return final + 0.5 * (o.peak - final) * (1 + Math.cos(Math.PI * progress));
}
