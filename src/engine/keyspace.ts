/**
 * Keyspace: the key-value API over one namespace of the engine
 * (engine/input.ts NAMESPACE). `Store` is the user's keyspace plus
 * lifecycle; upper layers (documents, time series, sync) take their own
 * keyspace with `store.keyspace(ns)`, and one transaction can write in
 * several keyspaces atomically (`tx.keyspace(ns)`).
 *
 * Validates every argument (typed errors naming it) before touching the
 * engine; keys get the namespace byte here and lose it in scan results.
 * Every public operation is reported to the engine's observers
 * (observer.ts) when someone listens; otherwise it costs one boolean test.
 */
import { ClosedError, InvalidArgumentError, AbortedError, TransactionConflictError } from '../errors.ts';
import { mustInteger, mustOptions, mustSignal, throwIfAborted } from '../util/validate.ts';
import { ConflictSignal, type Engine } from './engine.ts';
import {
  isEmptyRange, mustNamespace, toDurability, toKey, toRange, toValue, userKey,
  type BytesLike, type Durability, type Namespace, type ScanOptions,
} from './input.ts';
import { errorCode, registerObservers, type ObservedOperation, type Observers } from './observer.ts';
import { Snapshot } from './snapshot.ts';
import { Transaction } from './transaction.ts';
import type { WriteOp } from './wal.ts';

export interface WriteOptions {
  readonly durability?: Durability;
}

/** One operation of `batch`. */
export type BatchOperation =
  | { readonly type: 'put'; readonly key: BytesLike; readonly value: BytesLike }
  | { readonly type: 'del'; readonly key: BytesLike };

export interface TransactionOptions {
  readonly signal?: AbortSignal;
  /** Tries before `TransactionConflictError`. Default 10. */
  readonly maxAttempts?: number;
  readonly durability?: Durability;
}

/** Checks the owner is open; throws `ClosedError` if not. */
export type OpenCheck = () => void;

export class Keyspace {
  readonly #engine: Engine;
  readonly #ns: Namespace;
  readonly #durability: Durability;
  readonly #check: OpenCheck;

  /** @internal Obtained from `store.keyspace(ns)`, or as the `Store` itself. */
  constructor(engine: Engine, ns: Namespace, durability: Durability, check: OpenCheck) {
    this.#engine = engine;
    this.#ns = ns;
    this.#durability = durability;
    this.#check = check;
    registerObservers(this, engine.observers);
  }

  get #observers(): Observers {
    return this.#engine.observers;
  }

  /** Runs an async operation and reports it to the observers. */
  async #observed<R>(op: ObservedOperation, run: () => Promise<R>, measure?: (result: R) => [bytesRead: number, entries: number, attempts: number]): Promise<R> {
    const started = performance.now();
    let result: R;
    try {
      result = await run();
    } catch (error) {
      this.#report(op, started, errorCode(error), 0, 0, 0);
      throw error;
    }
    const [bytesRead, entries, attempts] = measure === undefined ? [0, 0, 0] : measure(result);
    this.#report(op, started, undefined, bytesRead, entries, attempts);
    return result;
  }

  #report(op: ObservedOperation, started: number, error: string | undefined, bytesRead: number, entries: number, attempts: number): void {
    this.#observers.operation({ op, namespace: this.#ns, durationMs: performance.now() - started, error, bytesRead, entries, attempts });
  }

  /** The namespace byte of this keyspace. */
  get namespace(): Namespace {
    return this.#ns;
  }

  /** Another namespace of the same store (for layers built on the engine). */
  keyspace(ns: Namespace): Keyspace {
    return new Keyspace(this.#engine, mustNamespace(ns), this.#durability, this.#check);
  }

  #sync(options: unknown): boolean {
    const opts = mustOptions<WriteOptions>('options', options);
    return toDurability(opts.durability, this.#durability) === 'sync';
  }

  /** Writes `value` under `key`. Resolves once durable per `durability`. */
  put(key: BytesLike, value: BytesLike, options?: WriteOptions): Promise<void> {
    return this.#observers.active ? this.#observed('put', () => this.#put(key, value, options)) : this.#put(key, value, options);
  }

  async #put(key: BytesLike, value: BytesLike, options?: WriteOptions): Promise<void> {
    const op: WriteOp = { key: toKey(key, 'key', this.#ns), value: toValue(value) };
    const sync = this.#sync(options);
    this.#check();
    await this.#engine.commit([op], sync);
  }

  /** The value under `key` (a fresh copy), or undefined. */
  async get(key: BytesLike): Promise<Uint8Array | undefined> {
    return this.#observers.active ? this.#observedGet('get', key) : this.#getSync(key);
  }

  /**
   * The value under `key`, synchronously. Reads never wait on I/O queues:
   * the memtable and the decrypted-block cache answer in memory, and a block
   * miss is one synchronous LevelDB read.
   */
  getSync(key: BytesLike): Uint8Array | undefined {
    return this.#observers.active ? this.#observedGet('get', key) : this.#getSync(key);
  }

  #observedGet(op: ObservedOperation, key: BytesLike): Uint8Array | undefined {
    const started = performance.now();
    let value: Uint8Array | undefined;
    try {
      value = this.#getSync(key);
    } catch (error) {
      this.#report(op, started, errorCode(error), 0, 0, 0);
      throw error;
    }
    this.#report(op, started, undefined, value === undefined ? 0 : value.length, value === undefined ? 0 : 1, 0);
    return value;
  }

  #getSync(key: BytesLike): Uint8Array | undefined {
    const k = toKey(key, 'key', this.#ns);
    this.#check();
    return this.#engine.get(this.#engine.view(), k);
  }

  /** Values for several keys, in order, from one consistent view. */
  getMany(keys: readonly BytesLike[]): Promise<Array<Uint8Array | undefined>> {
    if (!this.#observers.active) return this.#getMany(keys);
    return this.#observed('getMany', () => this.#getMany(keys), (values) => {
      let bytes = 0;
      let found = 0;
      for (const v of values) if (v !== undefined) (bytes += v.length), found++;
      return [bytes, found, 0];
    });
  }

  async #getMany(keys: readonly BytesLike[]): Promise<Array<Uint8Array | undefined>> {
    if (!Array.isArray(keys)) throw new InvalidArgumentError('keys', 'an array of keys', keys);
    const ks = keys.map((k, i) => toKey(k, `keys[${i}]`, this.#ns));
    this.#check();
    const view = this.#engine.view();
    return ks.map((k) => this.#engine.get(view, k));
  }

  async has(key: BytesLike): Promise<boolean> {
    return (this.#observers.active ? this.#observedGet('has', key) : this.#getSync(key)) !== undefined;
  }

  /** Deletes `key` (no error if absent). */
  delete(key: BytesLike, options?: WriteOptions): Promise<void> {
    return this.#observers.active ? this.#observed('delete', () => this.#delete(key, options)) : this.#delete(key, options);
  }

  async #delete(key: BytesLike, options?: WriteOptions): Promise<void> {
    const op: WriteOp = { key: toKey(key, 'key', this.#ns), value: null };
    const sync = this.#sync(options);
    this.#check();
    await this.#engine.commit([op], sync);
  }

  /**
   * Applies puts and deletes atomically: all or none, even across a crash.
   * @throws {InvalidArgumentError} names the operation by index, e.g. 'operations[3].key'.
   */
  batch(operations: readonly BatchOperation[], options?: WriteOptions): Promise<void> {
    return this.#observers.active ? this.#observed('batch', () => this.#batch(operations, options)) : this.#batch(operations, options);
  }

  async #batch(operations: readonly BatchOperation[], options?: WriteOptions): Promise<void> {
    if (!Array.isArray(operations)) throw new InvalidArgumentError('operations', 'an array of { type, key, value }', operations);
    const ops: WriteOp[] = operations.map((o: unknown, i) => {
      if (o === null || typeof o !== 'object') throw new InvalidArgumentError(`operations[${i}]`, 'an object { type, key, value }', o);
      const { type, key, value } = o as Record<string, unknown>;
      if (type === 'put') return { key: toKey(key, `operations[${i}].key`, this.#ns), value: toValue(value, `operations[${i}].value`) };
      if (type === 'del') return { key: toKey(key, `operations[${i}].key`, this.#ns), value: null };
      throw new InvalidArgumentError(`operations[${i}].type`, "'put' or 'del'", type);
    });
    const sync = this.#sync(options);
    this.#check();
    if (ops.length === 0) return;
    await this.#engine.commit(ops, sync);
  }

  /** Entries in key order (or reverse), as of the moment the scan starts. */
  scan(options?: ScanOptions): AsyncGenerator<[Uint8Array, Uint8Array]> {
    return this.#observers.active ? this.#observedScan(options) : this.#scan(options);
  }

  async *#scan(options?: ScanOptions): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const { range, limit } = toRange(options, this.#ns);
    this.#check();
    if (limit === 0 || isEmptyRange(range)) return;
    const view = this.#engine.pin();
    try {
      let n = 0;
      for (const [key, value] of this.#engine.scan(view, range)) {
        yield [userKey(key), value];
        this.#check();
        // A lock closed this scan's view (its runs may be gone): resuming after the unlock must not read on.
        if (view.released) throw new ClosedError('iterator');
        if (++n >= limit) return;
      }
    } finally {
      this.#engine.release(view);
    }
  }

  /** `#scan`, timing only the steps that produce entries (the caller's loop body is not the scan's latency). */
  async *#observedScan(options?: ScanOptions): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const inner = this.#scan(options);
    let busy = 0;
    let bytes = 0;
    let entries = 0;
    let error: string | undefined;
    try {
      for (;;) {
        const started = performance.now();
        let step: IteratorResult<[Uint8Array, Uint8Array]>;
        try {
          step = await inner.next();
        } finally {
          busy += performance.now() - started;
        }
        if (step.done === true) return;
        entries++;
        bytes += step.value[0].length + step.value[1].length;
        yield step.value;
      }
    } catch (e) {
      error = errorCode(e);
      throw e;
    } finally {
      await inner.return(undefined);
      this.#observers.operation({ op: 'scan', namespace: this.#ns, durationMs: busy, error, bytesRead: bytes, entries, attempts: 0 });
    }
  }

  /**
   * Runs `fn` in an optimistic, serializable transaction and commits its
   * writes atomically. On a conflict with a concurrent commit, `fn` runs
   * again (so keep side effects out of it). A throw rolls back.
   * @throws {TransactionConflictError} still conflicting after `maxAttempts`.
   * @throws {AbortedError} the signal fired.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T> | T, options?: TransactionOptions): Promise<T> {
    if (!this.#observers.active) return this.#transaction(fn, options, undefined);
    const attempts = { n: 0 };
    return this.#observed('transaction', () => this.#transaction(fn, options, attempts), () => [0, 0, attempts.n]);
  }

  async #transaction<T>(fn: (tx: Transaction) => Promise<T> | T, options: TransactionOptions | undefined, attempts: { n: number } | undefined): Promise<T> {
    if (typeof fn !== 'function') throw new InvalidArgumentError('fn', 'a function (tx) => ...', fn);
    const opts = mustOptions<TransactionOptions>('options', options);
    const signal = mustSignal('options.signal', opts.signal);
    const maxAttempts = opts.maxAttempts === undefined ? 10 : mustInteger('options.maxAttempts', opts.maxAttempts, 1, Number.MAX_SAFE_INTEGER);
    const sync = toDurability(opts.durability, this.#durability) === 'sync';
    this.#check();
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempts !== undefined) attempts.n = attempt;
      throwIfAborted(signal);
      const view = this.#engine.pin();
      this.#engine.beginReadSet();
      const tx = Transaction.begin(this.#engine, view, this.#ns);
      let committing = false;
      try {
        const result = await fn(tx);
        throwIfAborted(signal);
        const { ops, readSet } = tx.finish();
        committing = true;
        if (ops.length > 0) await this.#engine.commit(ops, sync, readSet);
        tx.committed();
        return result;
      } catch (error) {
        // A conflict is detected before anything is written: that attempt surely rolled back.
        tx.abandon(committing && !(error instanceof ConflictSignal));
        if (error instanceof ConflictSignal) continue;
        if (signal?.aborted === true && !(error instanceof AbortedError)) throw new AbortedError({ cause: signal.reason });
        throw error;
      } finally {
        this.#engine.endReadSet();
        this.#engine.release(view);
      }
    }
    throw new TransactionConflictError(maxAttempts);
  }

  /** A consistent read-only view as of now. Close it when done (or `await using`). */
  snapshot(): Snapshot {
    this.#check();
    return Snapshot.pinned(this.#engine, this.#engine.pin(), this.#ns);
  }
}
