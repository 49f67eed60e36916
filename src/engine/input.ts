/**
 * Argument normalization for the Store facade: keys and values (UTF-8
 * strings or bytes, copied so later mutation by the caller cannot reach the
 * engine), size limits, and scan ranges (prefix, gt/gte/lt/lte, reverse,
 * limit) folded into one `KeyRange`.
 *
 * Namespaces: every engine key starts with one namespace byte, so user KV
 * data and the records of upper layers (documents, time series, sync) share
 * one encrypted engine, commit together, and never collide or show up in
 * each other's scans. The byte is added here and stripped from scan results.
 */
import { InvalidArgumentError, ValueTooLargeError } from '../errors.ts';
import { compareBytes, utf8 } from '../util/bytes.ts';
import { mustLimit } from '../util/validate.ts';
import type { KeyRange } from './engine.ts';

/** Keys up to 64 KiB. */
export const MAX_KEY_BYTES: number = 64 * 1024;
/** Values up to 16 MiB; larger data belongs in the blob store. */
export const MAX_VALUE_BYTES: number = 16 * 1024 * 1024;

/** Bytes, or a string stored as UTF-8. */
export type BytesLike = Uint8Array | string;

/** Namespace bytes. Stored in every engine key: never renumber. */
export const NAMESPACE = {
  /** The user's key-value data (`store.put`, `store.scan`, ...). */
  USER: 0x00,
  /** Document collections and their indexes. */
  DOCUMENTS: 0x10,
  /** Time-series buckets. */
  TIMESERIES: 0x20,
  /** Sync change feeds and peer state. */
  SYNC: 0x30,
  /** Blob names, blob manifests (content keys, sizes, where the chunks are). */
  BLOBS: 0x40,
  /** Engine-level metadata of upper layers (collection definitions, ...). */
  SYSTEM: 0x7f,
} as const;

/** One of the `NAMESPACE` bytes. */
export type Namespace = (typeof NAMESPACE)[keyof typeof NAMESPACE];

const NAMESPACES = new Set<number>(Object.values(NAMESPACE));

/** Validates a namespace byte. @throws {InvalidArgumentError} argument 'ns'. */
export function mustNamespace(ns: unknown): Namespace {
  if (typeof ns !== 'number' || !NAMESPACES.has(ns)) throw new InvalidArgumentError('ns', 'one of the NAMESPACE bytes', ns);
  return ns as Namespace;
}

/** A copy of `value` as bytes. */
function bytesOf(argument: string, value: unknown): Uint8Array {
  if (typeof value === 'string') return utf8(value);
  if (value instanceof Uint8Array) return value.slice();
  throw new InvalidArgumentError(argument, 'a Uint8Array or a string', value);
}

/** `ns` followed by the key bytes (one allocation: the copy the engine keeps). */
function prefixed(ns: number, argument: string, value: unknown): Uint8Array {
  if (typeof value === 'string') {
    const body = utf8(value);
    const out = new Uint8Array(body.length + 1);
    out[0] = ns;
    out.set(body, 1);
    return out;
  }
  if (value instanceof Uint8Array) {
    const out = new Uint8Array(value.length + 1);
    out[0] = ns;
    out.set(value, 1);
    return out;
  }
  throw new InvalidArgumentError(argument, 'a Uint8Array or a string', value);
}

/**
 * The engine key for a user key in namespace `ns`.
 * @throws {InvalidArgumentError} not bytes or string. @throws {ValueTooLargeError} over 64 KiB.
 */
export function toKey(value: unknown, argument = 'key', ns: number = NAMESPACE.USER): Uint8Array {
  const key = prefixed(ns, argument, value);
  if (key.length - 1 > MAX_KEY_BYTES) throw new ValueTooLargeError(argument, key.length - 1, MAX_KEY_BYTES);
  return key;
}

/** The user-visible key of an engine key (a view without the namespace byte). */
export function userKey(engineKey: Uint8Array): Uint8Array {
  return engineKey.subarray(1);
}

/** @throws {InvalidArgumentError} not bytes or string. @throws {ValueTooLargeError} over 16 MiB. */
export function toValue(value: unknown, argument = 'value'): Uint8Array {
  const bytes = bytesOf(argument, value);
  if (bytes.length > MAX_VALUE_BYTES) throw new ValueTooLargeError(argument, bytes.length, MAX_VALUE_BYTES);
  return bytes;
}

/** Options of `scan`. Bounds combine (intersect) with `prefix`. */
export interface ScanOptions {
  readonly prefix?: BytesLike;
  readonly gt?: BytesLike;
  readonly gte?: BytesLike;
  readonly lt?: BytesLike;
  readonly lte?: BytesLike;
  readonly reverse?: boolean;
  /** At most this many entries (default: no limit). */
  readonly limit?: number;
}

/** The smallest key greater than every key starting with `prefix`, or undefined (all 0xff). */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] !== 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i] = (end[i] as number) + 1;
      return end;
    }
  }
  return undefined;
}

/** Validates scan options into an engine range inside namespace `ns`, and a limit. */
export function toRange(options: unknown, ns: number = NAMESPACE.USER): { range: KeyRange; limit: number } {
  const whole: KeyRange = { low: new Uint8Array([ns]), lowInclusive: true, high: new Uint8Array([ns + 1]), highInclusive: false, reverse: false };
  if (options === undefined) return { range: whole, limit: Infinity };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new InvalidArgumentError('options', 'a scan options object', options);
  const o = options as Record<string, unknown>;
  let low: Uint8Array | undefined;
  let lowInclusive = true;
  let high: Uint8Array | undefined;
  let highInclusive = true;
  const tightenLow = (key: Uint8Array, inclusive: boolean): void => {
    const c = low === undefined ? 1 : compareBytes(key, low);
    if (c > 0 || (c === 0 && !inclusive)) {
      low = key;
      lowInclusive = inclusive;
    }
  };
  const tightenHigh = (key: Uint8Array, inclusive: boolean): void => {
    const c = high === undefined ? -1 : compareBytes(key, high);
    if (c < 0 || (c === 0 && !inclusive)) {
      high = key;
      highInclusive = inclusive;
    }
  };
  // The namespace bounds first: every other bound only narrows them.
  tightenLow(whole.low as Uint8Array, true);
  tightenHigh(whole.high as Uint8Array, false);
  if (o.prefix !== undefined) {
    const prefix = toKey(o.prefix, 'options.prefix', ns);
    tightenLow(prefix, true);
    const end = prefixEnd(prefix);
    if (end !== undefined) tightenHigh(end, false);
  }
  if (o.gte !== undefined) tightenLow(toKey(o.gte, 'options.gte', ns), true);
  if (o.gt !== undefined) tightenLow(toKey(o.gt, 'options.gt', ns), false);
  if (o.lte !== undefined) tightenHigh(toKey(o.lte, 'options.lte', ns), true);
  if (o.lt !== undefined) tightenHigh(toKey(o.lt, 'options.lt', ns), false);
  if (o.reverse !== undefined && typeof o.reverse !== 'boolean') throw new InvalidArgumentError('options.reverse', 'a boolean', o.reverse);
  const limit = mustLimit('options.limit', o.limit);
  return { range: { low, lowInclusive, high, highInclusive, reverse: o.reverse === true }, limit };
}

/** True when the range cannot contain any key. */
export function isEmptyRange(range: KeyRange): boolean {
  if (range.low === undefined || range.high === undefined) return false;
  const c = compareBytes(range.low, range.high);
  return c > 0 || (c === 0 && !(range.lowInclusive && range.highInclusive));
}

/** Durability of a write: 'relaxed' survives a process crash; 'sync' also a power cut (fsync). */
export type Durability = 'relaxed' | 'sync';

export function toDurability(value: unknown, fallback: Durability, argument = 'options.durability'): Durability {
  if (value === undefined) return fallback;
  if (value !== 'relaxed' && value !== 'sync') throw new InvalidArgumentError(argument, "'relaxed' or 'sync'", value);
  return value;
}
