/**
 * Summary statistics for benchmark samples: median and nearest-rank
 * percentiles (p99 of 1,000 samples is the 990th smallest: no
 * interpolation, so it is always a latency that was actually measured).
 */

/** The nearest-rank `p`-th percentile (0 < p <= 100) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Median (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly count: number;
}

/** p50 (the median) and p99 of latencies. */
export function latency(values: readonly number[]): Latency {
  return { p50: median(values), p99: percentile(values, 99), count: values.length };
}
