/**
 * Memtable: the newest committed changes, in memory, sorted by key.
 *
 * Each key maps to a chain of versions, newest first, each stamped with its
 * commit sequence. A reader at sequence S (a snapshot or a transaction)
 * sees the newest version with seq <= S. Older versions are kept only while
 * a live snapshot may still need them (`oldestPinned`), so without
 * snapshots a key has one version.
 *
 * Keys are indexed as latin1 strings: one char per byte, so JavaScript's
 * string order is exactly byte order and lookups use V8's native compare.
 * Entries hold the caller's bytes only as copies (engine/commit-queue.ts
 * copies before applying), so no outside mutation reaches the tree.
 */
import btree from 'sorted-btree';

// sorted-btree is CommonJS: its class is the module's `default` property.
const BTree = btree.default;

/** One version of one key. `value` null is a delete (tombstone). */
export interface Version {
  readonly seq: number;
  readonly value: Uint8Array | null;
  older: Version | undefined;
}

/** A key with its version chain. */
export interface MemEntry {
  readonly key: Uint8Array;
  head: Version;
}

/**
 * Bytes of JavaScript heap per entry beyond key and value bytes: the B-tree
 * slot, the latin1 key string, the entry and version objects and two
 * Uint8Array views. Measured at about 530 bytes per 16-byte-key entry in
 * the benchmark; the size bound must count it, or a "16 MiB" memtable
 * holds three times that.
 */
const ENTRY_OVERHEAD = 420;
/** Heap per extra version (object + value view). */
const VERSION_OVERHEAD = 120;

/** latin1 string of bytes: byte order == string order. */
export function keyString(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

export class Memtable {
  readonly #tree = new BTree<string, MemEntry>();
  #bytes = 0;
  #frozen = false;
  /** Bumped on every insert, so iterators know to re-seek. */
  #mutations = 0;
  /** Highest sequence applied. */
  maxSeq = 0;

  /** Approximate memory held, for the flush trigger. */
  get bytes(): number {
    return this.#bytes;
  }
  get size(): number {
    return this.#tree.size;
  }
  get frozen(): boolean {
    return this.#frozen;
  }
  /** No more writes: the memtable is being (or was) flushed. */
  freeze(): void {
    this.#frozen = true;
  }

  /**
   * Applies one change at `seq`. `oldestPinned` is the lowest sequence a
   * live reader may read at (Infinity when none): versions no reader can
   * see are dropped.
   */
  apply(key: Uint8Array, value: Uint8Array | null, seq: number, oldestPinned: number): void {
    const k = keyString(key);
    const entry = this.#tree.get(k);
    const size = value === null ? 0 : value.length;
    if (entry === undefined) {
      this.#tree.set(k, { key, head: { seq, value, older: undefined } });
      this.#mutations++;
      this.#bytes += key.length + size + ENTRY_OVERHEAD;
    } else {
      const head: Version = { seq, value, older: entry.head };
      entry.head = head;
      this.#bytes += size + VERSION_OVERHEAD;
      this.#trim(head, oldestPinned);
    }
    if (seq > this.maxSeq) this.maxSeq = seq;
  }

  /** Drops versions below the newest one every reader can already see past. */
  #trim(head: Version, oldestPinned: number): void {
    let version: Version | undefined = head;
    while (version !== undefined) {
      if (version.seq <= oldestPinned) {
        // Every reader sees this version or a newer one: nothing older is needed.
        let dropped = version.older;
        version.older = undefined;
        while (dropped !== undefined) {
          this.#bytes -= (dropped.value === null ? 0 : dropped.value.length) + VERSION_OVERHEAD;
          dropped = dropped.older;
        }
        return;
      }
      version = version.older;
    }
  }

  /**
   * The version visible at `seq`: a Version (value or tombstone) if this
   * memtable knows the key at that sequence, undefined if not.
   */
  get(key: Uint8Array, seq: number): Version | undefined {
    const entry = this.#tree.get(keyString(key));
    return entry === undefined ? undefined : visible(entry.head, seq);
  }

  /**
   * Entries with keys in range, in order (or reverse), as seen at `seq`:
   * yields [key, version] including tombstones, so merges can shadow older
   * layers. Safe across inserts between yields: when the tree changed, the
   * walk re-seeks just past the last key it yielded (B-tree iterators are
   * not stable under node splits).
   */
  *range(low: string | undefined, lowInclusive: boolean, high: string | undefined, highInclusive: boolean, reverse: boolean, seq: number): Generator<[Uint8Array, Version]> {
    const tree = this.#tree;
    let from = reverse ? high : low;
    let fromInclusive = reverse ? highInclusive : lowInclusive;
    for (;;) {
      const mark = this.#mutations;
      const entries = reverse ? tree.entriesReversed(from) : tree.entries(from);
      let restarted = false;
      for (const [k, entry] of entries) {
        if (from !== undefined && !fromInclusive && k === from) continue;
        if (!reverse) {
          if (high !== undefined && (highInclusive ? k > high : k >= high)) return;
        } else if (low !== undefined && (lowInclusive ? k < low : k <= low)) return;
        const version = visible(entry.head, seq);
        if (version === undefined) continue;
        yield [entry.key, version];
        from = k;
        fromInclusive = false;
        if (this.#mutations !== mark) {
          restarted = true;
          break;
        }
      }
      if (!restarted) return;
    }
  }

  /** Every key with its newest version, in order: what a flush writes. */
  *latest(): Generator<[Uint8Array, Version]> {
    for (const entry of this.#tree.values()) yield [entry.key, entry.head];
  }
}

function visible(head: Version, seq: number): Version | undefined {
  let version: Version | undefined = head;
  while (version !== undefined && version.seq > seq) version = version.older;
  return version;
}
