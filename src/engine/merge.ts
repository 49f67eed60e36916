/**
 * Merges sorted sources into one sorted stream. Sources are ordered newest
 * first: when several hold the same key, the newest wins and the others'
 * entries for that key are skipped. Tombstones pass through (callers decide
 * whether a delete hides older data or is dropped).
 *
 * With few sources (memtables plus a handful of runs) a linear scan for the
 * smallest head beats a heap; the slow twin in test/reference/ checks it.
 */
import { compareBytes } from '../util/bytes.ts';

/** A merged entry: key, value (null = tombstone) and the index of the source it came from. */
export type Merged<V> = [key: Uint8Array, value: V, source: number];

export function* mergeSorted<V>(sources: ReadonlyArray<Iterator<[Uint8Array, V]>>, reverse: boolean): Generator<Merged<V>> {
  const n = sources.length;
  const heads: Array<[Uint8Array, V] | undefined> = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = (sources[i] as Iterator<[Uint8Array, V]>).next();
    heads[i] = r.done === true ? undefined : r.value;
  }
  const sign = reverse ? -1 : 1;
  for (;;) {
    let best = -1;
    let bestKey: Uint8Array | undefined;
    for (let i = 0; i < n; i++) {
      const head = heads[i];
      if (head === undefined) continue;
      if (bestKey === undefined || sign * compareBytes(head[0], bestKey) < 0) {
        best = i;
        bestKey = head[0];
      }
    }
    if (best < 0 || bestKey === undefined) return;
    const winner = heads[best] as [Uint8Array, V];
    // Advance every source positioned on this key; only the newest (lowest index) counts.
    for (let i = 0; i < n; i++) {
      const head = heads[i];
      if (head !== undefined && (i === best || compareBytes(head[0], bestKey) === 0)) {
        const r = (sources[i] as Iterator<[Uint8Array, V]>).next();
        heads[i] = r.done === true ? undefined : r.value;
      }
    }
    yield [winner[0], winner[1], best];
  }
}
