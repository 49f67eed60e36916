/**
 * Level range semantics on encoded (Uint8Array) keys, in byte order.
 *
 * abstract-level's rules, which differ from `Store.scan`'s and are applied
 * here before anything reaches the engine:
 * - `gte` takes precedence over `gt`, and `lte` over `lt` (the engine would
 *   intersect both); exactly one bound per side is forwarded.
 * - `limit` -1 means no limit (the engine wants Infinity).
 * - `seek(target)` outside the range ends the iterator, whatever the
 *   direction; inside it, the scan restarts at `target` inclusive (forward:
 *   new lower bound, reverse: new upper bound), the other bound unchanged.
 */
import type { ScanOptions } from '../engine/input.ts';
import { compareBytes } from '../util/bytes.ts';
import type { PrivateRangeOptions } from './private-api.ts';

/** A key range: each bound absent (open) or a key, inclusive or not. */
export interface Bounds {
  readonly low: Uint8Array | undefined;
  readonly lowInclusive: boolean;
  readonly high: Uint8Array | undefined;
  readonly highInclusive: boolean;
}

/** The range of Level range options (`gte` over `gt`, `lte` over `lt`). */
export function boundsOf(options: PrivateRangeOptions): Bounds {
  const low = options.gte ?? options.gt;
  const high = options.lte ?? options.lt;
  return {
    low,
    lowInclusive: options.gte !== undefined,
    high,
    highInclusive: options.lte !== undefined,
  };
}

/** Level's limit (-1 or any negative: none) as the engine's. */
export function limitOf(options: PrivateRangeOptions): number {
  return options.limit < 0 ? Infinity : options.limit;
}

/** True when `key` lies within `bounds`. */
export function contains(bounds: Bounds, key: Uint8Array): boolean {
  if (bounds.low !== undefined) {
    const c = compareBytes(key, bounds.low);
    if (c < 0 || (c === 0 && !bounds.lowInclusive)) return false;
  }
  if (bounds.high !== undefined) {
    const c = compareBytes(key, bounds.high);
    if (c > 0 || (c === 0 && !bounds.highInclusive)) return false;
  }
  return true;
}

/** Where a scan resumes after `seek(target)`, or undefined when `target` is out of range (the iterator ends). */
export function seekBounds(bounds: Bounds, target: Uint8Array, reverse: boolean): Bounds | undefined {
  if (!contains(bounds, target)) return undefined;
  return reverse
    ? { ...bounds, high: target, highInclusive: true }
    : { ...bounds, low: target, lowInclusive: true };
}

/** `Store.scan` / `Snapshot.scan` options for `bounds`. */
export function scanOptionsOf(bounds: Bounds, reverse: boolean, limit: number = Infinity): ScanOptions {
  const o: { gt?: Uint8Array; gte?: Uint8Array; lt?: Uint8Array; lte?: Uint8Array; reverse: boolean; limit: number } = { reverse, limit };
  if (bounds.low !== undefined) {
    if (bounds.lowInclusive) o.gte = bounds.low;
    else o.gt = bounds.low;
  }
  if (bounds.high !== undefined) {
    if (bounds.highInclusive) o.lte = bounds.high;
    else o.lt = bounds.high;
  }
  return o;
}
