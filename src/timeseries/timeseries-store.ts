/**
 * TimeSeries: encrypted time series on the engine. Points (series, t,
 * value) are packed into buckets, one engine record per (name, series,
 * bucket start), so a million points are a few hundred records, not a
 * million. Key layout: series-key.ts; bucket layout: bucket.ts; both are
 * summarized in docs/timeseries.md.
 *
 * ```ts
 * const cpu = await TimeSeries.open(store, 'cpu', { retention: '30d' })
 * await cpu.append([{ series: 'host-1', t: Date.now(), value: 0.42 }])
 * for await (const p of cpu.range('host-1', { from, to })) {}       // { t, value }
 * await cpu.aggregate('host-1', { bucket: '1m', fn: ['avg', 'max'] })
 * ```
 *
 * Semantics (docs/timeseries.md §3):
 * - `append` is atomic per call and merges into stored buckets by
 *   read-modify-write inside one optimistic transaction, so concurrent
 *   appends to one bucket never lose points (the loser re-runs).
 * - Out-of-order points are sorted into place. For the same (series, t)
 *   the last write wins: later in the array, or a later call.
 * - Ranges are half-open: from <= t < to. Aggregate windows are aligned to
 *   epoch multiples of their width.
 * - Retention deletes whole buckets whose span ends at or before
 *   now - retention; it runs on demand and, when `retention` is set, at
 *   the start of `append` at most once per minute per instance.
 * - `range` and `aggregate` stream bucket by bucket from one consistent
 *   view: memory is one bucket (plus one row per window), not the range.
 *
 * Sharp edges: a bucket is rewritten whole on every append that touches it
 * (encrypted and logged again by the engine), so pick a bucket span that
 * holds thousands, not millions, of points; a bucket over 16 MiB encoded
 * (about a million noisy points) is refused with ValueTooLargeError.
 */
import { InvalidArgumentError, ValueTooLargeError } from '../errors.ts';
import { Keyspace } from '../engine/keyspace.ts';
import { MAX_VALUE_BYTES, NAMESPACE } from '../engine/input.ts';
import { mustCallback, mustOptions } from '../util/validate.ts';
import { WindowAggregator, type AggregateRow } from './aggregate.ts';
import { planAppend, type BucketWrite } from './append-plan.ts';
import { appendBucket, decodeBucket, encodeBucket, mergePoints, readHeader, type BucketPoints } from './bucket.ts';
import {
  TIME_END, mustBound, mustFlag, mustFns, mustLimit, mustName, mustTime, parseDuration,
  type AggregateFn, type Duration,
} from './input.ts';
import { MAX_ATTEMPTS, deleteOlderThan, deleteSeries, listSeries } from './retention.ts';
import { bucketKey, bucketStartOf, decodeMeta, encodeMeta, escapeBytes, metaKey, namePrefix, seriesPrefix } from './series-key.ts';

export type { AggregateFn, Duration } from './input.ts';
export type { AggregateRow } from './aggregate.ts';

/** Bucket span when a time series is created without `bucket`: one hour. */
export const DEFAULT_BUCKET_MS = 3_600_000;
/** `append` applies retention at most this often per instance. */
export const RETENTION_INTERVAL_MS = 60_000;

export interface TimeSeriesOptions {
  /** Delete buckets older than this (ms or '30d', ...). Default: keep everything. */
  readonly retention?: Duration;
  /**
   * Span of one stored bucket. Default '1h'. Fixed when the time series is
   * first created; reopening with a different span is an error.
   */
  readonly bucket?: Duration;
  /** The clock retention reads (ms since the epoch). Default `Date.now`. */
  readonly clock?: () => number;
}

/** A point to append. */
export interface TimeSeriesPoint {
  readonly series: string;
  /** Milliseconds since the epoch: an integer in [0, 2^53). */
  readonly t: number;
  /** A finite number. */
  readonly value: number;
}

/** A point read back. */
export interface Sample {
  readonly t: number;
  readonly value: number;
}

export interface RangeOptions {
  /** Inclusive lower bound (ms). Default 0. */
  readonly from?: number;
  /** Exclusive upper bound (ms), up to 2^53. Default: no bound. */
  readonly to?: number;
  /** Newest first. Default false. */
  readonly reverse?: boolean;
  /** At most this many points. Default: no limit. */
  readonly limit?: number;
}

export interface AggregateOptions {
  readonly from?: number;
  readonly to?: number;
  /** Window width (ms or '1m', ...). Default: the stored bucket span. */
  readonly bucket?: Duration;
  /** Functions to compute. Default: all of them. */
  readonly fn?: readonly AggregateFn[];
}

export interface RetentionOptions {
  /** The time to measure age from (ms). Default: the clock. */
  readonly now?: number;
}

interface Bounds {
  readonly from: number;
  readonly to: number;
}

/**
 * One named time series of a store: any number of series of (t, value)
 * points, stored in encrypted buckets. Holds no resources (nothing to
 * close); closing the store makes every method reject with ClosedError.
 */
export class TimeSeries {
  readonly #ks: Keyspace;
  readonly #name: string;
  /** 0x02, esc(name): the prefix of every bucket. */
  readonly #names: Uint8Array;
  readonly #span: number;
  readonly #retention: number | undefined;
  readonly #clock: () => number;
  #lastRetention = -Infinity;

  private constructor(ks: Keyspace, name: string, names: Uint8Array, span: number, retention: number | undefined, clock: () => number) {
    this.#ks = ks;
    this.#name = name;
    this.#names = names;
    this.#span = span;
    this.#retention = retention;
    this.#clock = clock;
  }

  /**
   * Opens (creating on first use) the time series `name` of `store`.
   * @throws {InvalidArgumentError} a bad name or option, or `bucket` differs from the span it was created with.
   * @throws {ClosedError} the store is closed.
   * @example
   * const store = await Store.memory()
   * const cpu = await TimeSeries.open(store, 'cpu', { retention: '30d', bucket: '1h' })
   */
  static async open(store: Keyspace, name: string, options?: TimeSeriesOptions): Promise<TimeSeries> {
    if (!(store instanceof Keyspace)) throw new InvalidArgumentError('store', 'an open Store', store);
    const nameBytes = mustName('name', name);
    const opts = mustOptions<TimeSeriesOptions>('options', options);
    const retention = opts.retention === undefined ? undefined : parseDuration('options.retention', opts.retention);
    const requested = opts.bucket === undefined ? undefined : parseDuration('options.bucket', opts.bucket);
    const clock = mustCallback<() => number>('options.clock', opts.clock) ?? Date.now;
    const ks = store.keyspace(NAMESPACE.TIMESERIES);
    const escaped = escapeBytes(nameBytes);
    const key = metaKey(escaped);
    const span = await ks.transaction(async (tx) => {
      const meta = await tx.get(key);
      if (meta !== undefined) return decodeMeta(meta);
      const created = requested ?? DEFAULT_BUCKET_MS;
      tx.put(key, encodeMeta(created));
      return created;
    }, { maxAttempts: MAX_ATTEMPTS });
    if (requested !== undefined && requested !== span) {
      throw new InvalidArgumentError('options.bucket', `${span} (ms), the span this time series was created with`, requested);
    }
    return new TimeSeries(ks, name, namePrefix(escaped), span, retention, clock);
  }

  /** The name of this time series. */
  get name(): string {
    return this.#name;
  }

  /** The stored bucket span in ms. */
  get bucketMs(): number {
    return this.#span;
  }

  /** The retention in ms, or undefined (keep everything). */
  get retentionMs(): number | undefined {
    return this.#retention;
  }

  /**
   * Appends points atomically: all of them or none. Points may come in any
   * order and for any number of series; for the same (series, t), the last
   * one wins (later in the array, or a later call).
   * @throws {InvalidArgumentError} names the bad point, e.g. 'points[3].value'.
   * @throws {ValueTooLargeError} a bucket would exceed 16 MiB encoded (choose a smaller `bucket` span).
   * @throws {TransactionConflictError} still conflicting after 100 attempts.
   * @example
   * await cpu.append([{ series: 'host-1', t: 1_700_000_000_000, value: 0.42 }])
   */
  async append(points: readonly TimeSeriesPoint[]): Promise<void> {
    if (!Array.isArray(points)) throw new InvalidArgumentError('points', 'an array of { series, t, value }', points);
    const writes = planAppend(points, this.#names, this.#span);
    if (writes.length === 0) return;
    await this.#retainIfDue();
    await this.#ks.transaction(async (tx) => {
      const stored = await tx.getMany(writes.map((w) => w.key));
      for (let i = 0; i < writes.length; i++) {
        const value = mergeWrite(writes[i] as BucketWrite, stored[i]);
        if (value.length > MAX_VALUE_BYTES) throw new ValueTooLargeError('points', value.length, MAX_VALUE_BYTES);
        tx.put((writes[i] as BucketWrite).key, value);
      }
    }, { maxAttempts: MAX_ATTEMPTS });
  }

  /**
   * The points of `series` with from <= t < to, in time order (newest first
   * with `reverse`), streamed bucket by bucket from one consistent view.
   * Arguments are checked when iteration starts.
   * @throws {InvalidArgumentError} a bad series name or option.
   * @example
   * for await (const { t, value } of cpu.range('host-1', { from: 0, limit: 10 })) console.log(t, value)
   */
  async *range(series: string, options?: RangeOptions): AsyncGenerator<Sample> {
    const prefix = this.#prefix(series);
    const opts = mustOptions<RangeOptions>('options', options);
    const bounds = this.#bounds(opts);
    const reverse = mustFlag('options.reverse', opts.reverse);
    const limit = mustLimit('options.limit', opts.limit);
    if (limit === 0) return;
    let n = 0;
    for await (const { times, values } of this.#buckets(prefix, bounds, reverse)) {
      const [lo, hi] = slice(times, bounds);
      if (reverse) {
        for (let i = hi - 1; i >= lo; i--) {
          yield { t: times[i] as number, value: values[i] as number };
          if (++n >= limit) return;
        }
      } else {
        for (let i = lo; i < hi; i++) {
          yield { t: times[i] as number, value: values[i] as number };
          if (++n >= limit) return;
        }
      }
    }
  }

  /**
   * Aggregates of `series` over from <= t < to, one row per window of
   * width `bucket` (aligned to epoch multiples) that holds points.
   * @throws {InvalidArgumentError} a bad series name or option.
   * @example
   * const rows = await cpu.aggregate('host-1', { bucket: '1m', fn: ['avg', 'max', 'count'] })
   */
  async aggregate(series: string, options?: AggregateOptions): Promise<AggregateRow[]> {
    const prefix = this.#prefix(series);
    const opts = mustOptions<AggregateOptions>('options', options);
    const bounds = this.#bounds(opts);
    const width = opts.bucket === undefined ? this.#span : parseDuration('options.bucket', opts.bucket);
    const fns = mustFns('options.fn', opts.fn);
    const aggregator = new WindowAggregator(width, fns);
    for await (const { times, values } of this.#buckets(prefix, bounds, false)) {
      const [lo, hi] = slice(times, bounds);
      aggregator.addAll(times, values, lo, hi);
    }
    return aggregator.finish();
  }

  /** The names of the series that hold points, in UTF-8 byte order. */
  async series(): Promise<string[]> {
    const out: string[] = [];
    for await (const { series } of listSeries(this.#ks, this.#names)) out.push(series);
    return out;
  }

  /**
   * Deletes every point of `series` (no error if it has none).
   * @throws {InvalidArgumentError} a bad series name.
   */
  async deleteSeries(series: string): Promise<void> {
    const bytes = mustName('series', series);
    await deleteSeries(this.#ks, this.#names, escapeBytes(bytes));
  }

  /**
   * Deletes, in every series, the buckets whose whole span ends at or before
   * `now - retention`. Without a configured retention it deletes nothing.
   * @returns the number of buckets deleted.
   * @throws {InvalidArgumentError} `options.now` is not a timestamp.
   */
  async applyRetention(options?: RetentionOptions): Promise<number> {
    const opts = mustOptions<RetentionOptions>('options', options);
    const now = opts.now === undefined ? this.#now() : mustTime('options.now', opts.now);
    if (this.#retention === undefined) return 0;
    return deleteOlderThan(this.#ks, this.#names, this.#span, now - this.#retention);
  }

  #now(): number {
    return mustTime('options.clock', this.#clock());
  }

  async #retainIfDue(): Promise<void> {
    if (this.#retention === undefined) return;
    const now = this.#now();
    if (now - this.#lastRetention < RETENTION_INTERVAL_MS) return;
    this.#lastRetention = now;
    await deleteOlderThan(this.#ks, this.#names, this.#span, now - this.#retention);
  }

  #prefix(series: unknown): Uint8Array {
    return seriesPrefix(this.#names, escapeBytes(mustName('series', series)));
  }

  #bounds(opts: Partial<RangeOptions>): Bounds {
    return { from: mustBound('options.from', opts.from, 0, TIME_END - 1), to: mustBound('options.to', opts.to, TIME_END, TIME_END) };
  }

  /** The decoded buckets of a series that may hold points in `bounds`. */
  async *#buckets(prefix: Uint8Array, { from, to }: Bounds, reverse: boolean): AsyncGenerator<BucketPoints> {
    if (from >= to) return;
    const gte = bucketKey(prefix, from - (from % this.#span));
    const lt = bucketKey(prefix, to);
    for await (const [key, value] of this.#ks.scan({ gte, lt, reverse })) {
      yield decodeBucket(bucketStartOf(key), value);
    }
  }
}

/** The new value of a bucket: `write` merged into what is stored. */
function mergeWrite(write: BucketWrite, stored: Uint8Array | undefined): Uint8Array {
  const { start, times, values } = write;
  if (stored === undefined) return encodeBucket(start, times, values);
  const header = readHeader(start, stored);
  if ((times[0] as number) > header.lastT) return appendBucket(start, stored, header, times, values, 0, times.length);
  const merged = mergePoints(decodeBucket(start, stored), times, values, 0, times.length);
  return encodeBucket(start, merged.times, merged.values);
}

/** The index range [lo, hi) of `times` (sorted) inside [from, to). */
function slice(times: Float64Array, { from, to }: Bounds): [number, number] {
  return [lowerBound(times, from), lowerBound(times, to)];
}

/** The first index whose time is >= t (binary search). */
function lowerBound(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
