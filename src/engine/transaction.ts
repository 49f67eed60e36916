/**
 * Transaction: reads from a pinned view plus its own writes (read-your-
 * writes), buffers writes in a sorted map, and commits them atomically.
 * Optimistic and serializable: at commit, if any key it read, or any key
 * inside a range it scanned, was written by a commit after its view, it is
 * retried from scratch (storage.ts), up to a bound.
 */
import { ClosedError, InvalidArgumentError } from '../errors.ts';
import btree from 'sorted-btree';
import type { Engine, KeyRange, ReadSet, View } from './engine.ts';
import { isEmptyRange, toKey, toRange, toValue, type BytesLike, type ScanOptions } from './input.ts';
import { keyString } from './memtable.ts';
import type { WriteOp } from './wal.ts';

const BTree = btree.default;

export class Transaction {
  readonly #engine: Engine;
  readonly #view: View;
  readonly #writes = new BTree<string, WriteOp>();
  readonly #readKeys = new Set<string>();
  readonly #ranges: KeyRange[] = [];
  #done = false;

  /** @internal Created by `store.transaction()`. */
  constructor(engine: Engine, view: View) {
    this.#engine = engine;
    this.#view = view;
  }

  #check(): void {
    if (this.#done) throw new ClosedError('transaction');
  }

  /** Reads a key, seeing this transaction's own writes. */
  async get(key: BytesLike): Promise<Uint8Array | undefined> {
    const k = toKey(key);
    this.#check();
    return this.#read(k);
  }

  #read(key: Uint8Array): Uint8Array | undefined {
    const s = keyString(key);
    const own = this.#writes.get(s);
    if (own !== undefined) return own.value === null ? undefined : own.value.slice();
    this.#readKeys.add(s);
    return this.#engine.get(this.#view, key);
  }

  async getMany(keys: readonly BytesLike[]): Promise<Array<Uint8Array | undefined>> {
    if (!Array.isArray(keys)) throw new InvalidArgumentError('keys', 'an array of keys', keys);
    const ks = keys.map((k, i) => toKey(k, `keys[${i}]`));
    this.#check();
    return ks.map((k) => this.#read(k));
  }

  async has(key: BytesLike): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /** Buffers a put; visible to this transaction's reads at once, to others on commit. */
  put(key: BytesLike, value: BytesLike): void {
    const k = toKey(key);
    const v = toValue(value);
    this.#check();
    this.#writes.set(keyString(k), { key: k, value: v });
  }

  /** Buffers a delete. */
  delete(key: BytesLike): void {
    const k = toKey(key);
    this.#check();
    this.#writes.set(keyString(k), { key: k, value: null });
  }

  /** Entries in key order, this transaction's writes included. */
  async *scan(options?: ScanOptions): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const { range, limit } = toRange(options);
    this.#check();
    if (limit === 0 || isEmptyRange(range)) return;
    this.#ranges.push(range);
    let n = 0;
    for (const entry of this.#engine.scan(this.#view, range, this.#ownRange(range))) {
      yield entry;
      this.#check();
      if (++n >= limit) return;
    }
  }

  *#ownRange(range: KeyRange): Generator<[Uint8Array, Uint8Array | null]> {
    const low = range.low === undefined ? undefined : keyString(range.low);
    const high = range.high === undefined ? undefined : keyString(range.high);
    const entries = range.reverse ? this.#writes.entriesReversed(high) : this.#writes.entries(low);
    for (const [k, op] of entries) {
      if (low !== undefined && (range.lowInclusive ? k < low : k <= low)) {
        if (range.reverse) return;
        continue;
      }
      if (high !== undefined && (range.highInclusive ? k > high : k >= high)) {
        if (!range.reverse) return;
        continue;
      }
      yield [op.key, op.value];
    }
  }

  /** Number of buffered writes. */
  get size(): number {
    return this.#writes.size;
  }

  /** @internal The buffered writes and what was read, then the transaction is finished. */
  finish(): { ops: WriteOp[]; readSet: ReadSet } {
    this.#done = true;
    return { ops: [...this.#writes.values()], readSet: { startSeq: this.#view.seq, keys: this.#readKeys, ranges: this.#ranges } };
  }

  /** @internal Marks the transaction finished without committing. */
  abandon(): void {
    this.#done = true;
  }
}
