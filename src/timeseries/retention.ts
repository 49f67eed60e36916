/**
 * Whole-bucket maintenance: listing the series of a time series, deleting
 * one series, and retention (deleting buckets older than a cutoff).
 *
 * Series are listed by skip-scan: read the first key at or after a
 * position, decode its series, then jump past every key of that series
 * (prefixEnd of its prefix). One engine read per series, never one per
 * bucket, and a snapshot keeps the listing consistent.
 *
 * Retention deletes a bucket only when its whole span is older than the
 * cutoff: start + span <= cutoff. Bucket starts are multiples of the span,
 * so that is start < floor(cutoff / span) * span, one key range per series.
 * Each series is cleaned in its own transaction (its scanned range joins
 * the read set), so an append racing into a bucket being deleted either
 * commits first and is deleted with it, or retries after the delete and
 * writes a fresh bucket: no half-merged state.
 */
import type { Keyspace } from '../engine/keyspace.ts';
import { prefixEnd } from '../engine/input.ts';
import { breathe } from '../util/breathe.ts';
import { bucketKey, readEscaped, seriesPrefix } from './series-key.ts';

/** Engine transaction attempts for maintenance and appends (concurrent appends to one bucket retry). */
export const MAX_ATTEMPTS = 100;

/** Every series of the time series under `names` (its bucket prefix), in byte order, with its key prefix. */
export async function* listSeries(ks: Keyspace, names: Uint8Array): AsyncGenerator<{ series: string; prefix: Uint8Array }> {
  const end = prefixEnd(names);
  const snapshot = ks.snapshot();
  try {
    let gte: Uint8Array | undefined = names;
    while (gte !== undefined) {
      let next: Uint8Array | undefined;
      for await (const [key] of snapshot.scan(end === undefined ? { gte, limit: 1 } : { gte, lt: end, limit: 1 })) {
        const { text, end: at } = readEscaped(key, names.length);
        const prefix = key.slice(0, at);
        yield { series: text, prefix };
        next = prefixEnd(prefix);
      }
      gte = next;
    }
  } finally {
    await snapshot.close();
  }
}

/** Deletes keys of `ks` in [gte, lt) in one transaction; returns how many. */
export async function deleteRange(ks: Keyspace, gte: Uint8Array, lt: Uint8Array | undefined): Promise<number> {
  return ks.transaction(async (tx) => {
    let n = 0;
    for await (const [key] of tx.scan(lt === undefined ? { gte } : { gte, lt })) {
      tx.delete(key);
      n++;
    }
    return n;
  }, { maxAttempts: MAX_ATTEMPTS });
}

/** Deletes every bucket of one series; returns how many. */
export function deleteSeries(ks: Keyspace, names: Uint8Array, series: Uint8Array): Promise<number> {
  const prefix = seriesPrefix(names, series);
  return deleteRange(ks, prefix, prefixEnd(prefix));
}

/**
 * Deletes every bucket whose whole span ends at or before `cutoff` (ms),
 * in every series; returns the number of buckets deleted.
 */
export async function deleteOlderThan(ks: Keyspace, names: Uint8Array, span: number, cutoff: number): Promise<number> {
  const limit = Math.floor(cutoff / span) * span;
  if (limit <= 0) return 0;
  let deleted = 0;
  for await (const { prefix } of listSeries(ks, names)) {
    deleted += await deleteRange(ks, bucketKey(prefix, 0), bucketKey(prefix, limit));
    await breathe();
  }
  return deleted;
}
