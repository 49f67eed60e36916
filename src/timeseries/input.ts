/**
 * Argument checks of the time-series facade. Each throws
 * `InvalidArgumentError` naming the argument (`points[3].t`,
 * `options.bucket`, ...); internals assume the values they return.
 *
 * - names (of a time series and of its series): non-empty, well-formed
 *   strings (no lone surrogates: they would encode to the same UTF-8 as
 *   U+FFFD and collide) of at most 1 KiB of UTF-8;
 * - times: integers of milliseconds in [0, 2^53); a range's exclusive
 *   `to` may be 2^53, so the whole axis is expressible;
 * - values: finite numbers (NaN and infinities have no meaningful average);
 * - durations: positive integers of ms, or strings like '500ms', '10s',
 *   '15m', '1h', '30d'.
 */
import { InvalidArgumentError } from '../errors.ts';
import { utf8 } from '../util/bytes.ts';

/** Longest name of a time series or of a series, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 1024;
/** One past the largest timestamp: the exclusive end of the time axis. */
export const TIME_END: number = 2 ** 53;

/** A span of time: milliseconds, or a string such as '500ms', '10s', '15m', '1h', '30d'. */
export type Duration = number | string;

/** Names of the aggregate functions. */
export type AggregateFn = 'avg' | 'min' | 'max' | 'sum' | 'count' | 'first' | 'last';
/** Every aggregate function, in the order results list them by default. */
export const AGGREGATE_FNS: readonly AggregateFn[] = ['count', 'sum', 'avg', 'min', 'max', 'first', 'last'];

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^([1-9][0-9]{0,15})(ms|s|m|h|d)$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A name's UTF-8 bytes, after checking it. */
export function mustName(argument: string, value: unknown): Uint8Array {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidArgumentError(argument, 'a non-empty string', value);
  if (value.length > MAX_NAME_BYTES) throw new InvalidArgumentError(argument, `a string of at most ${MAX_NAME_BYTES} UTF-8 bytes`, value);
  if (LONE_SURROGATE.test(value)) throw new InvalidArgumentError(argument, 'a well-formed string (no lone surrogates)', value);
  const bytes = utf8(value);
  if (bytes.length > MAX_NAME_BYTES) throw new InvalidArgumentError(argument, `a string of at most ${MAX_NAME_BYTES} UTF-8 bytes`, value);
  return bytes;
}

/** A timestamp: an integer of ms in [0, 2^53). */
export function mustTime(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(argument, 'a safe non-negative integer of milliseconds', value);
  }
  return value;
}

/** An optional range bound: `fallback` when undefined, else an integer in [0, max]. */
export function mustBound(argument: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidArgumentError(argument, `an integer of milliseconds from 0 to ${max}`, value);
  }
  return value;
}

/** A point's value: a finite number. */
export function mustValue(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidArgumentError(argument, 'a finite number', value);
  return value;
}

/** A duration in ms (a positive safe integer). */
export function parseDuration(argument: string, value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value > 0) return value;
  } else if (typeof value === 'string') {
    const m = DURATION.exec(value);
    if (m !== null) {
      const ms = Number(m[1]) * (UNIT_MS[m[2] as string] as number);
      if (Number.isSafeInteger(ms)) return ms;
    }
  }
  throw new InvalidArgumentError(argument, "a positive integer of ms or a duration such as '500ms', '10s', '15m', '1h', '30d'", value);
}

/** An optional boolean. */
export function mustFlag(argument: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new InvalidArgumentError(argument, 'a boolean', value);
  return value;
}

/** An optional limit: a non-negative integer or Infinity (the default). */
export { mustLimit } from '../util/validate.ts';

/** A non-empty list of aggregate function names (duplicates dropped), or all of them. */
export function mustFns(argument: string, value: unknown): AggregateFn[] {
  if (value === undefined) return [...AGGREGATE_FNS];
  if (!Array.isArray(value) || value.length === 0) throw new InvalidArgumentError(argument, `a non-empty array of ${AGGREGATE_FNS.join(', ')}`, value);
  const out: AggregateFn[] = [];
  for (let i = 0; i < value.length; i++) {
    const fn: unknown = value[i];
    if (!AGGREGATE_FNS.includes(fn as AggregateFn)) throw new InvalidArgumentError(`${argument}[${i}]`, `one of ${AGGREGATE_FNS.join(', ')}`, fn);
    if (!out.includes(fn as AggregateFn)) out.push(fn as AggregateFn);
  }
  return out;
}
