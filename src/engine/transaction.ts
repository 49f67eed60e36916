/**
 * Transaction: reads from a pinned view plus its own writes (read-your-
 * writes), buffers writes in a sorted map, and commits them atomically.
 * Optimistic and serializable: at commit, if any key it read, or any key
 * inside a range it scanned, was written by a commit after its view, it is
 * retried from scratch (keyspace.ts), up to a bound.
 *
 * `tx.keyspace(ns)` is the same transaction seen through another namespace:
 * all views share one write buffer and one read set, so documents, time
 * series and KV data commit together.
 */
import { ClosedError, InvalidArgumentError, UnlockRequiredError } from '../errors.ts';
import btree from 'sorted-btree';
import type { Engine, KeyRange, ReadSet, View } from './engine.ts';
import { isEmptyRange, mustNamespace, toKey, toRange, toValue, userKey, type BytesLike, type Namespace, type ScanOptions } from './input.ts';
import { keyString } from './memtable.ts';
import type { WriteOp } from './wal.ts';

const BTree = btree.default;

interface TxState {
  readonly engine: Engine;
  readonly view: View;
  readonly writes: InstanceType<typeof BTree<string, WriteOp>>;
  readonly readKeys: Set<string>;
  readonly ranges: KeyRange[];
  readonly committed: Array<() => void>;
  readonly rolledBack: Array<() => void>;
  done: boolean;
}

export class Transaction {
  readonly #state: TxState;
  readonly #ns: Namespace;

  private constructor(state: TxState, ns: Namespace) {
    this.#state = state;
    this.#ns = ns;
  }

  /** @internal Started by `transaction()` on a store or keyspace. */
  static begin(engine: Engine, view: View, ns: Namespace): Transaction {
    return new Transaction({ engine, view, writes: new BTree<string, WriteOp>(), readKeys: new Set(), ranges: [], committed: [], rolledBack: [], done: false }, ns);
  }

  /** This transaction in another namespace (shared writes and reads). */
  keyspace(ns: Namespace): Transaction {
    return new Transaction(this.#state, mustNamespace(ns));
  }

  #check(): void {
    const state = this.#state;
    const locked = state.engine.locked;
    if (locked !== undefined && !state.engine.closed) throw new UnlockRequiredError(locked);
    // A store closed under a running transaction: its view is gone, so it is closed too.
    if (state.done || state.engine.closed || state.view.released) throw new ClosedError('transaction');
  }

  /** Reads a key, seeing this transaction's own writes. */
  async get(key: BytesLike): Promise<Uint8Array | undefined> {
    const k = toKey(key, 'key', this.#ns);
    this.#check();
    return this.#read(k);
  }

  #read(key: Uint8Array): Uint8Array | undefined {
    const s = keyString(key);
    const own = this.#state.writes.get(s);
    if (own !== undefined) return own.value === null ? undefined : own.value.slice();
    this.#state.readKeys.add(s);
    return this.#state.engine.get(this.#state.view, key);
  }

  async getMany(keys: readonly BytesLike[]): Promise<Array<Uint8Array | undefined>> {
    if (!Array.isArray(keys)) throw new InvalidArgumentError('keys', 'an array of keys', keys);
    const ks = keys.map((k, i) => toKey(k, `keys[${i}]`, this.#ns));
    this.#check();
    return ks.map((k) => this.#read(k));
  }

  async has(key: BytesLike): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /** Buffers a put; visible to this transaction's reads at once, to others on commit. */
  put(key: BytesLike, value: BytesLike): void {
    const k = toKey(key, 'key', this.#ns);
    const v = toValue(value);
    this.#check();
    this.#state.writes.set(keyString(k), { key: k, value: v });
  }

  /** Buffers a delete. */
  delete(key: BytesLike): void {
    const k = toKey(key, 'key', this.#ns);
    this.#check();
    this.#state.writes.set(keyString(k), { key: k, value: null });
  }

  /** Entries in key order, this transaction's writes included. */
  async *scan(options?: ScanOptions): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const { range, limit } = toRange(options, this.#ns);
    this.#check();
    if (limit === 0 || isEmptyRange(range)) return;
    this.#state.ranges.push(range);
    let n = 0;
    for (const [key, value] of this.#state.engine.scan(this.#state.view, range, this.#ownRange(range))) {
      yield [userKey(key), value];
      this.#check();
      if (++n >= limit) return;
    }
  }

  *#ownRange(range: KeyRange): Generator<[Uint8Array, Uint8Array | null]> {
    const low = range.low === undefined ? undefined : keyString(range.low);
    const high = range.high === undefined ? undefined : keyString(range.high);
    const writes = this.#state.writes;
    const entries = range.reverse ? writes.entriesReversed(high) : writes.entries(low);
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

  /**
   * Runs `callback` once this transaction has committed (never for an
   * attempt that rolled back or is retried). Layers above use it for change
   * events; a throwing callback is ignored.
   */
  onCommit(callback: () => void): void {
    if (typeof callback !== 'function') throw new InvalidArgumentError('callback', 'a function', callback);
    this.#check();
    this.#state.committed.push(callback);
  }

  /**
   * Runs `callback` when this attempt is rolled back for sure: `fn` threw,
   * the signal fired, or a conflict retries it. Not run when the commit
   * itself failed (the outcome of an I/O error is unknown; see
   * docs/errors.md). Layers above use it to drop side data written for the
   * attempt; a throwing callback is ignored.
   */
  onRollback(callback: () => void): void {
    if (typeof callback !== 'function') throw new InvalidArgumentError('callback', 'a function', callback);
    this.#check();
    this.#state.rolledBack.push(callback);
  }

  /** @internal Runs the commit callbacks. */
  committed(): void {
    for (const callback of this.#state.committed) {
      try {
        callback();
      } catch {
        // A listener's failure must not turn a committed transaction into an error.
      }
    }
  }

  /** Number of buffered writes (all namespaces). */
  get size(): number {
    return this.#state.writes.size;
  }

  /** @internal The buffered writes and what was read, then the transaction is finished. */
  finish(): { ops: WriteOp[]; readSet: ReadSet } {
    const state = this.#state;
    state.done = true;
    return { ops: [...state.writes.values()], readSet: { startSeq: state.view.seq, keys: state.readKeys, ranges: state.ranges } };
  }

  /**
   * @internal Marks the transaction finished without committing; runs the
   * rollback callbacks unless the commit was attempted (its outcome unknown).
   */
  abandon(commitAttempted = false): void {
    const state = this.#state;
    state.done = true;
    if (commitAttempted) return;
    for (const callback of state.rolledBack.splice(0)) {
      try {
        callback();
      } catch {
        // Clean-up is best effort; the rollback itself already happened.
      }
    }
  }
}
