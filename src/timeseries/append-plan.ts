/**
 * Append planning: validates a batch of points and groups it into one
 * write per bucket, each holding its points sorted by time with duplicate
 * timestamps resolved, ready to merge into the stored bucket with one read
 * and one write (timeseries-store.ts).
 *
 * Duplicates: within one call, the point that comes later in the array
 * wins for the same (series, t); across calls, the later commit wins (the
 * stored point is replaced). Out-of-order points are sorted into place.
 *
 * Cost: one pass to validate (a series name is checked and encoded once
 * per call, not once per point), a sort only for series whose points are
 * not already in increasing time order, one pass to split into buckets.
 */
import { InvalidArgumentError } from '../errors.ts';
import { mustName, mustTime, mustValue } from './input.ts';
import { bucketKey, escapeBytes, seriesPrefix } from './series-key.ts';

/** The new points of one bucket: strictly increasing `times`, all in [start, start + span). */
export interface BucketWrite {
  readonly key: Uint8Array;
  readonly start: number;
  readonly times: Float64Array;
  readonly values: Float64Array;
}

interface SeriesGroup {
  readonly prefix: Uint8Array;
  readonly indexes: number[];
}

/**
 * Validates `points` and groups them per bucket.
 * @throws {InvalidArgumentError} names the first bad point by position, e.g. 'points[3].t'.
 */
export function planAppend(points: readonly unknown[], names: Uint8Array, span: number): BucketWrite[] {
  const n = points.length;
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  const groups = new Map<string, SeriesGroup>();
  for (let i = 0; i < n; i++) {
    const p = points[i];
    if (p === null || typeof p !== 'object') throw new InvalidArgumentError(`points[${i}]`, 'an object { series, t, value }', p);
    const { series, t, value } = p as Record<string, unknown>;
    let group = typeof series === 'string' ? groups.get(series) : undefined;
    if (group === undefined) {
      const bytes = mustName(`points[${i}].series`, series);
      group = { prefix: seriesPrefix(names, escapeBytes(bytes)), indexes: [] };
      groups.set(series as string, group);
    }
    times[i] = mustTime(`points[${i}].t`, t);
    values[i] = mustValue(`points[${i}].value`, value);
    group.indexes.push(i);
  }
  const out: BucketWrite[] = [];
  for (const { prefix, indexes } of groups.values()) {
    if (!isIncreasing(times, indexes)) indexes.sort((a, b) => (times[a] as number) - (times[b] as number));
    splitBuckets(out, prefix, times, values, indexes, span);
  }
  return out;
}

function isIncreasing(times: Float64Array, indexes: readonly number[]): boolean {
  for (let k = 1; k < indexes.length; k++) {
    if ((times[indexes[k] as number] as number) <= (times[indexes[k - 1] as number] as number)) return false;
  }
  return true;
}

/**
 * Cuts one series' points (sorted by time; equal times in array order,
 * since the sort is stable) into buckets, keeping the last of equal times.
 */
function splitBuckets(out: BucketWrite[], prefix: Uint8Array, times: Float64Array, values: Float64Array, indexes: readonly number[], span: number): void {
  let k = 0;
  while (k < indexes.length) {
    const first = times[indexes[k] as number] as number;
    const start = first - (first % span);
    const end = start + span;
    let m = k;
    while (m < indexes.length && (times[indexes[m] as number] as number) < end) m++;
    const bt = new Float64Array(m - k);
    const bv = new Float64Array(m - k);
    let count = 0;
    for (let j = k; j < m; j++) {
      const i = indexes[j] as number;
      const t = times[i] as number;
      // An equal time replaces the previous point (last in the array wins).
      if (count > 0 && bt[count - 1] === t) count--;
      bt[count] = t;
      bv[count++] = values[i] as number;
    }
    out.push({ key: bucketKey(prefix, start), start, times: bt.subarray(0, count), values: bv.subarray(0, count) });
    k = m;
  }
}
