/**
 * SynapsedLevel: an `abstract-level` (v3) database over an encrypted Store,
 * so Level modules (sublevels, encodings, hooks, streams, ...) run on top of
 * the engine.
 *
 * ```ts
 * const db = new SynapsedLevel({ store: () => Store.memory(), valueEncoding: 'json' })
 * await db.put('a', { x: 1 })
 * for await (const [k, v] of db.iterator({ gt: 'a' })) {}
 * ```
 *
 * Division of labour (practice 3): AbstractLevel validates arguments and
 * state, encodes keys and values with its transcoder, runs hooks and events;
 * the private `_` methods here only translate to Store calls. They see
 * `Uint8Array` keys and values only, because the manifest declares the
 * single `'view'` encoding and the transcoder converts every other one
 * (utf8, buffer, json, custom) to and from it. Byte order is the key order.
 *
 * Snapshots: implicit ones come from the engine pinning a view
 * synchronously: `Store.get`/`getMany` read in the synchronous part of the
 * call, and each iterator pins a `store.snapshot()` when created. Explicit
 * ones (`db.snapshot()`) are engine snapshots too (snapshot.ts).
 *
 * Iterators honour the `signal` option between entries (LEVEL_ABORTED).
 * `getSync` reads synchronously (Store.getSync / Snapshot.getSync).
 * Not supported, and not claimed in `supports`: `createIfMissing`/`errorIfExists` (the factory
 * decides between `Store.create` and `Store.open`; it receives both flags,
 * but the adapter cannot guarantee them). `clear()` deletes in atomic chunks
 * of CLEAR_CHUNK keys read from a snapshot, so it is not atomic as a whole
 * (abstract-level allows that) and never deletes keys written after it began.
 * Writes accept classic-level's `sync: true` (durability 'sync').
 */
import { AbstractLevel, type AbstractDatabaseOptions } from 'abstract-level';
import { ClosedError, InvalidArgumentError } from '../errors.ts';
import type { Snapshot } from '../engine/snapshot.ts';
import { Store, type BatchOperation, type WriteOptions } from '../engine/storage.ts';
import { mustOptions } from '../util/validate.ts';
import { Cursor } from './cursor.ts';
import { asLevel, toLevelError } from './errors.ts';
import { SynapsedIterator, SynapsedKeyIterator, SynapsedValueIterator } from './iterator.ts';
import type {
  PrivateOpenOptions, PrivateOperation, PrivateRangeOptions, PrivateReadOptions, PrivateWriteOptions, SnapshotOption,
} from './private-api.ts';
import { boundsOf, limitOf, scanOptionsOf } from './range.ts';
import { SynapsedSnapshot } from './snapshot.ts';
import { isMemoryStore, StoreSource, type StoreFactory } from './store-source.ts';

export type { StoreFactory } from './store-source.ts';

/** Options of `new SynapsedLevel(...)`; other options are abstract-level's (encodings, ...). */
export interface SynapsedLevelOptions<K = string, V = string> extends AbstractDatabaseOptions<K, V> {
  /**
   * The store: an open `Store` (borrowed: you close it), or a function that
   * opens one at each `open()` (store-source.ts explains the lifetimes).
   */
  readonly store: Store | StoreFactory;
  /**
   * Whether data survives the process, for `db.supports.permanence`. For a
   * `Store` it is known and this option is ignored; for a factory it
   * defaults to false, and `open()` fails if it says true but the factory
   * returned a memory store.
   */
  readonly permanence?: boolean;
}

type Manifest = ConstructorParameters<typeof AbstractLevel>[0];

/** Keys deleted per atomic batch by `clear()`. */
const CLEAR_CHUNK = 1024;
const RELAXED: WriteOptions = {};
const SYNC: WriteOptions = { durability: 'sync' };

function manifestOf(permanence: boolean): Manifest {
  return {
    encodings: { view: true },
    implicitSnapshots: true,
    explicitSnapshots: true,
    has: true,
    seek: true,
    permanence,
    createIfMissing: false,
    errorIfExists: false,
    signals: { iterators: true },
    // abstract-level 3 checks this flag; level-supports' types predate it.
    ...({ getSync: true } as Partial<Manifest>),
  };
}

function parseOptions<K, V>(options: unknown): { source: StoreSource; manifest: Manifest; forward: AbstractDatabaseOptions<K, V> } {
  const { store, permanence, ...forward } = mustOptions<SynapsedLevelOptions<K, V>>('options', options);
  if (!(store instanceof Store) && typeof store !== 'function') {
    throw new InvalidArgumentError('options.store', 'a Store or a function that opens one', store);
  }
  if (permanence !== undefined && typeof permanence !== 'boolean') throw new InvalidArgumentError('options.permanence', 'a boolean', permanence);
  const permanent = store instanceof Store ? !isMemoryStore(store) : permanence === true;
  return { source: new StoreSource(store), manifest: manifestOf(permanent), forward };
}

/** An abstract-level database backed by an encrypted Store. */
export class SynapsedLevel<K = string, V = string> extends AbstractLevel<Uint8Array, K, V> {
  readonly #source: StoreSource;
  #store: Store | undefined;

  /**
   * @throws {InvalidArgumentError} `options.store` is neither a Store nor a function.
   * @example
   * const db = new SynapsedLevel({ store: () => Store.memory() })
   */
  constructor(options: SynapsedLevelOptions<K, V>) {
    const parsed = parseOptions<K, V>(options);
    super(parsed.manifest, parsed.forward);
    this.#source = parsed.source;
  }

  async _open(options: PrivateOpenOptions): Promise<void> {
    const store = await asLevel(this.#source.acquire(options));
    if (this.supports.permanence && isMemoryStore(store)) {
      throw new InvalidArgumentError('options.permanence', 'false for a factory that returns a memory store', true);
    }
    this.#store = store;
  }

  async _close(): Promise<void> {
    await asLevel(this.#source.release());
    this.#store = undefined;
  }

  async _get(key: Uint8Array, options: PrivateReadOptions): Promise<Uint8Array | undefined> {
    return asLevel(this.#reader(options.snapshot).get(key));
  }

  _getSync(key: Uint8Array, options: PrivateReadOptions): Uint8Array | undefined {
    try {
      return this.#reader(options.snapshot).getSync(key);
    } catch (error) {
      throw toLevelError(error);
    }
  }

  async _getMany(keys: Uint8Array[], options: PrivateReadOptions): Promise<Array<Uint8Array | undefined>> {
    return asLevel(this.#reader(options.snapshot).getMany(keys));
  }

  async _has(key: Uint8Array, options: PrivateReadOptions): Promise<boolean> {
    return asLevel(this.#reader(options.snapshot).has(key));
  }

  async _hasMany(keys: Uint8Array[], options: PrivateReadOptions): Promise<boolean[]> {
    const values = await asLevel(this.#reader(options.snapshot).getMany(keys));
    return values.map((value) => value !== undefined);
  }

  async _put(key: Uint8Array, value: Uint8Array, options: PrivateWriteOptions): Promise<void> {
    await asLevel(this.#mustStore().put(key, value, writeOptions(options)));
  }

  async _del(key: Uint8Array, options: PrivateWriteOptions): Promise<void> {
    await asLevel(this.#mustStore().delete(key, writeOptions(options)));
  }

  async _batch(operations: PrivateOperation[], options: PrivateWriteOptions): Promise<void> {
    const ops = operations.map((op): BatchOperation => (op.type === 'put' ? { type: 'put', key: op.key, value: op.value } : { type: 'del', key: op.key }));
    await asLevel(this.#mustStore().batch(ops, writeOptions(options)));
  }

  async _clear(options: PrivateRangeOptions): Promise<void> {
    const store = this.#mustStore();
    const { source, owned } = this.#pin(options.snapshot);
    try {
      let chunk: BatchOperation[] = [];
      for await (const [key] of source.scan(scanOptionsOf(boundsOf(options), options.reverse, limitOf(options)))) {
        chunk.push({ type: 'del', key });
        if (chunk.length === CLEAR_CHUNK) {
          await store.batch(chunk);
          chunk = [];
        }
      }
      if (chunk.length > 0) await store.batch(chunk);
    } catch (error) {
      throw toLevelError(error);
    } finally {
      if (owned) await source.close();
    }
  }

  _iterator(options: PrivateRangeOptions): SynapsedIterator {
    return new SynapsedIterator(this, options, this.#cursor(options));
  }

  _keys(options: PrivateRangeOptions): SynapsedKeyIterator {
    return new SynapsedKeyIterator(this, options, this.#cursor(options));
  }

  _values(options: PrivateRangeOptions): SynapsedValueIterator {
    return new SynapsedValueIterator(this, options, this.#cursor(options));
  }

  _snapshot(options: object): SynapsedSnapshot {
    return new SynapsedSnapshot(options, this.#pin(undefined).source, this);
  }

  #mustStore(): Store {
    if (this.#store === undefined) throw toLevelError(new ClosedError('level database'));
    return this.#store;
  }

  /** Where a read goes: the latest data, or the caller's explicit snapshot. */
  #reader(snapshot: SnapshotOption): Store | Snapshot {
    return snapshot == null ? this.#mustStore() : this.#own(snapshot).view;
  }

  /** A pinned view: the explicit snapshot's, or a new implicit one the caller must close. */
  #pin(snapshot: SnapshotOption): { source: Snapshot; owned: boolean } {
    if (snapshot != null) return { source: this.#own(snapshot).view, owned: false };
    const store = this.#mustStore();
    try {
      return { source: store.snapshot(), owned: true };
    } catch (error) {
      throw toLevelError(error);
    }
  }

  #cursor(options: PrivateRangeOptions): Cursor {
    const { source, owned } = this.#pin(options.snapshot);
    return new Cursor(source, owned, boundsOf(options), options.reverse, options.signal ?? undefined);
  }

  #own(snapshot: NonNullable<SnapshotOption>): SynapsedSnapshot {
    if (!(snapshot instanceof SynapsedSnapshot) || snapshot.origin !== this) {
      throw new InvalidArgumentError('options.snapshot', 'a snapshot made by this database (or its sublevels)', snapshot);
    }
    return snapshot;
  }
}

function writeOptions(options: PrivateWriteOptions): WriteOptions {
  return options.sync === true ? SYNC : RELAXED;
}
