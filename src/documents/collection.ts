/**
 * Collection: documents with secondary indexes, stored in the encrypted
 * engine (DOCUMENTS keyspace; definitions in SYSTEM). Every write updates
 * the document and all its index entries in one engine transaction, so an
 * index never disagrees with its collection, even across a crash.
 *
 * ```ts
 * const messages = await Collection.open(store, 'messages', { indexes: [{ fields: ['chatId', 'sentAt'] }] })
 * const id = await messages.insert({ chatId: 'c1', sentAt: Date.now(), body: 'hi' })
 * for await (const m of messages.find({ chatId: 'c1' }, { sort: { sentAt: -1 }, limit: 50 })) {}
 * ```
 *
 * One instance per (store, name) in a process (`open` returns the cached
 * one), so index definitions are shared by every writer. Cross-collection
 * and KV atomicity: `store.transaction(async tx => { await a.in(tx).insert(x); tx.put(k, v) })`.
 */
import { InvalidArgumentError, QueryError, UniqueConstraintError } from '../errors.ts';
import { NAMESPACE } from '../engine/input.ts';
import type { Keyspace } from '../engine/keyspace.ts';
import type { Snapshot } from '../engine/snapshot.ts';
import type { Transaction } from '../engine/transaction.ts';
import { systemRandom } from '../crypto/random.ts';
import { breathe } from '../util/breathe.ts';
import { fromUtf8 } from '../util/bytes.ts';
import { mustCallback, mustInteger, mustLimit, mustOptions, mustSignal, throwIfAborted } from '../util/validate.ts';
import { checkIndexSpec, createDef, readDef, writeDef, type CollectionDef } from './catalog.ts';
import { checkDocument, checkId, decodeDocument, encodeDocument, type Doc } from './doc-codec.ts';
import { IdGenerator } from './ids.ts';
import { docKey, docPrefix, idOfEntry, indexEntries, indexPrefix, indexTupleKey, indexTuples, type IndexDef, type IndexSpec } from './index-keys.ts';
import { explainPlan, plan, type Explanation, type Plan, type Sort } from './planner.ts';
import { matches, parseQuery, checkPath, usesText, type Query, type QueryNode } from './query.ts';
import { applyUpdate, checkUpdate, type Update } from './update.ts';
import { fromNdjsonLine, lines, toNdjsonLine } from './ndjson.ts';
import { compareValues } from './value-codec.ts';
import { valuesAt } from './paths.ts';

export interface CollectionOptions<T> {
  /** Indexes to have; missing ones are created (and filled from existing documents). */
  readonly indexes?: readonly IndexSpec[];
  /** Rejects a document by returning false or throwing. */
  readonly validate?: (doc: T) => boolean | void;
}

export interface FindOptions {
  /** e.g. { sentAt: -1 }; ties keep id order. */
  readonly sort?: Record<string, 1 | -1>;
  readonly limit?: number;
  readonly skip?: number;
  /** Top-level fields to keep ({ a: 1 }) or drop ({ a: 0 }); `_id` is kept unless dropped. */
  readonly projection?: Record<string, 0 | 1>;
}

export interface IndexBuildOptions {
  readonly onProgress?: (progress: { done: number }) => void;
  readonly signal?: AbortSignal;
}

/** A committed change, as `watch` reports it. */
export interface ChangeEvent<T> {
  readonly type: 'insert' | 'update' | 'delete';
  readonly id: string;
  /** The document after the change (insert, update). */
  readonly doc?: T;
  /** The document before the change (update, delete). */
  readonly previous?: T;
}

interface Watcher {
  readonly node: QueryNode;
  readonly push: (event: ChangeEvent<Doc>) => void;
}

const registry = new WeakMap<Keyspace, Map<string, Promise<Collection<Doc>>>>();
const BUILD_CHUNK = 256;

function mustName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 256) throw new InvalidArgumentError('name', 'a collection name of 1 to 256 characters', name);
  return name;
}

export class Collection<T extends Doc = Doc> {
  readonly #store: Keyspace;
  readonly #docs: Keyspace;
  readonly #system: Keyspace;
  #def: CollectionDef;
  readonly #validate: ((doc: T) => boolean | void) | undefined;
  readonly #ids = new IdGenerator(systemRandom);
  readonly #watchers = new Set<Watcher>();

  private constructor(store: Keyspace, def: CollectionDef, validate: ((doc: T) => boolean | void) | undefined) {
    this.#store = store;
    this.#docs = store.keyspace(NAMESPACE.DOCUMENTS);
    this.#system = store.keyspace(NAMESPACE.SYSTEM);
    this.#def = def;
    this.#validate = validate;
  }

  /**
   * Opens (creating if needed) the collection `name` of `store`, and
   * creates any missing index from `options.indexes`.
   * @throws {InvalidArgumentError} bad name or index spec.
   * @throws {UniqueConstraintError} existing documents violate a new unique index (the index is not created).
   */
  static async open<T extends Doc = Doc>(store: Keyspace, name: string, options?: CollectionOptions<T>): Promise<Collection<T>> {
    const n = mustName(name);
    const opts = mustOptions<CollectionOptions<T>>('options', options);
    const validate = mustCallback<(doc: T) => boolean | void>('options.validate', opts.validate);
    if (opts.indexes !== undefined && !Array.isArray(opts.indexes)) throw new InvalidArgumentError('options.indexes', 'an array of index specs', opts.indexes);
    const specs = (opts.indexes ?? []).map((spec, i) => ({ spec, name: checkIndexSpec(spec, `options.indexes[${i}]`).name }));
    let byName = registry.get(store);
    if (byName === undefined) registry.set(store, (byName = new Map()));
    let opening = byName.get(n);
    if (opening === undefined) {
      opening = (async () => {
        const system = store.keyspace(NAMESPACE.SYSTEM);
        const def = await system.transaction(async (tx) => (await readDef(tx, n)) ?? createDef(tx, n));
        return new Collection<Doc>(store, def, validate as ((doc: Doc) => boolean | void) | undefined);
      })();
      byName.set(n, opening);
      opening.catch(() => byName?.delete(n));
    }
    const collection = (await opening) as unknown as Collection<T>;
    for (const { spec, name: indexName } of specs) {
      if (!collection.#def.indexes.some((ix) => ix.name === indexName)) await collection.createIndex(spec);
    }
    return collection;
  }

  get name(): string {
    return this.#def.name;
  }

  /** Index definitions (name, fields, flags, ready). */
  indexes(): IndexDef[] {
    return [...this.#def.indexes];
  }

  #checkDoc(doc: unknown, argument: string): Doc {
    const clean = checkDocument(doc, argument);
    if (this.#validate !== undefined) {
      let ok: boolean | void;
      try {
        ok = this.#validate(clean as T);
      } catch (error) {
        throw new InvalidArgumentError(argument, 'a document the collection validator accepts', 'rejected', { cause: error });
      }
      if (ok === false) throw new InvalidArgumentError(argument, 'a document the collection validator accepts', 'rejected');
    }
    return clean;
  }

  /** Writes (or deletes, `next` undefined) one document and its index entries inside `tx` (DOCUMENTS view). */
  async #write(tx: Transaction, id: string, previous: Doc | undefined, next: Doc | undefined): Promise<void> {
    const collection = this.#def.id;
    for (const index of this.#def.indexes) {
      const before = previous === undefined ? [] : indexEntries(collection, index, previous, id);
      const after = next === undefined ? [] : indexEntries(collection, index, next, id);
      const keep = new Set(after.map(([k]) => Buffer.from(k).toString('latin1')));
      const had = new Set(before.map(([k]) => Buffer.from(k).toString('latin1')));
      for (const [key] of before) if (!keep.has(Buffer.from(key).toString('latin1'))) tx.delete(key);
      for (const [key, value] of after) {
        if (had.has(Buffer.from(key).toString('latin1'))) continue;
        if (index.unique) await this.#checkUnique(tx, index, next as Doc, id);
        tx.put(key, value);
      }
    }
    if (next === undefined) tx.delete(docKey(collection, id));
    else tx.put(docKey(collection, id), encodeDocument(next));
    if (this.#watchers.size > 0) {
      const event: ChangeEvent<Doc> = {
        type: previous === undefined ? 'insert' : next === undefined ? 'delete' : 'update', id,
        ...(next === undefined ? {} : { doc: next }), ...(previous === undefined ? {} : { previous }),
      };
      tx.onCommit(() => this.#emit(event));
    }
  }

  #emit(event: ChangeEvent<Doc>): void {
    for (const watcher of this.#watchers) {
      const relevant = (event.doc !== undefined && this.#matches(watcher.node, event.doc)) ||
        (event.previous !== undefined && this.#matches(watcher.node, event.previous));
      if (relevant) watcher.push(event);
    }
  }

  /**
   * Committed changes to documents matching `query` (before or after the
   * change), as they happen in this process, from now on. Ends when
   * `signal` fires or the consumer stops iterating. Events wait in memory
   * until read: keep up, or stop watching.
   */
  async *watch(query?: Query, options?: { signal?: AbortSignal }): AsyncGenerator<ChangeEvent<T>> {
    const node = this.#parse(query);
    const signal = mustSignal('options.signal', mustOptions<{ signal?: AbortSignal }>('options', options).signal);
    const queue: Array<ChangeEvent<Doc>> = [];
    let wake: (() => void) | undefined;
    const watcher: Watcher = { node, push: (event) => { queue.push(event); wake?.(); } };
    const onAbort = (): void => wake?.();
    this.#watchers.add(watcher);
    signal?.addEventListener('abort', onAbort);
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift() as ChangeEvent<T>;
        if (signal?.aborted === true) return;
        await new Promise<void>((resolve) => { wake = resolve; });
        wake = undefined;
      }
    } finally {
      this.#watchers.delete(watcher);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async #checkUnique(tx: Transaction, index: IndexDef, doc: Doc, id: string): Promise<void> {
    for (const tuple of indexTuples(index, doc)) {
      for await (const [entry] of tx.scan({ prefix: indexTupleKey(this.#def.id, index.id, tuple) })) {
        const other = idOfEntry(entry);
        if (other !== id) throw new UniqueConstraintError(this.#def.name, index.name, other);
      }
    }
  }

  async #read(tx: Transaction | Snapshot | Keyspace, id: string): Promise<Doc | undefined> {
    const bytes = await tx.get(docKey(this.#def.id, id));
    return bytes === undefined ? undefined : decodeDocument(bytes, id);
  }

  /** Runs `fn` in a transaction of the DOCUMENTS keyspace (or inside the caller's). */
  #tx<R>(outer: Transaction | undefined, fn: (tx: Transaction) => Promise<R>): Promise<R> {
    return outer === undefined ? this.#docs.transaction(fn) : fn(outer.keyspace(NAMESPACE.DOCUMENTS));
  }

  async #insert(outer: Transaction | undefined, docs: readonly unknown[]): Promise<string[]> {
    const clean = docs.map((d, i) => this.#checkDoc(d, docs.length === 1 ? 'doc' : `docs[${i}]`));
    return this.#tx(outer, async (tx) => {
      const ids: string[] = [];
      for (const doc of clean) {
        // Generated ids are unique by construction (time, then 80 bits that only increase within a
        // millisecond): only a caller's own _id needs the read that checks it is free.
        const id = doc._id ?? this.#ids.next();
        const stored = { ...doc, _id: id };
        if (doc._id !== undefined && (await this.#read(tx, id)) !== undefined) throw new UniqueConstraintError(this.#def.name, '_id', id);
        await this.#write(tx, id, undefined, stored);
        ids.push(id);
      }
      return ids;
    });
  }

  /** Inserts a document; returns its id (time-ordered unless the document has `_id`). @throws {UniqueConstraintError} */
  async insert(doc: T): Promise<string> {
    return (await this.#insert(undefined, [doc]))[0] as string;
  }

  /** Inserts several documents atomically. */
  async insertMany(docs: readonly T[]): Promise<string[]> {
    if (!Array.isArray(docs)) throw new InvalidArgumentError('docs', 'an array of documents', docs);
    return this.#insert(undefined, docs);
  }

  async get(id: string): Promise<T | undefined> {
    checkId(id);
    return (await this.#read(this.#docs, id)) as T | undefined;
  }

  async getMany(ids: readonly string[]): Promise<Array<T | undefined>> {
    if (!Array.isArray(ids)) throw new InvalidArgumentError('ids', 'an array of ids', ids);
    ids.forEach((id, i) => checkId(id, `ids[${i}]`));
    const snap = this.#docs.snapshot();
    try {
      return (await Promise.all(ids.map((id) => this.#read(snap, id)))) as Array<T | undefined>;
    } finally {
      await snap.close();
    }
  }

  async #update(outer: Transaction | undefined, id: string, update: unknown): Promise<boolean> {
    checkId(id);
    const spec: Update = checkUpdate(update);
    return this.#tx(outer, async (tx) => {
      const previous = await this.#read(tx, id);
      if (previous === undefined) return false;
      const next = this.#checkDoc({ ...applyUpdate(previous, spec), _id: id }, 'update result');
      await this.#write(tx, id, previous, next);
      return true;
    });
  }

  /** Applies $set/$unset/$inc/$push/$pull; false if there is no such document. @throws {QueryError} */
  async update(id: string, update: Record<string, Record<string, unknown>>): Promise<boolean> {
    return this.#update(undefined, id, update);
  }

  async #replace(outer: Transaction | undefined, id: string, doc: unknown, upsert: boolean): Promise<boolean> {
    checkId(id);
    const clean = this.#checkDoc(doc, 'doc');
    if (clean._id !== undefined && clean._id !== id) throw new InvalidArgumentError('doc._id', `the id '${id}' or none`, clean._id);
    return this.#tx(outer, async (tx) => {
      const previous = await this.#read(tx, id);
      if (previous === undefined && !upsert) return false;
      await this.#write(tx, id, previous, { ...clean, _id: id });
      return true;
    });
  }

  /** Replaces a whole document; false if there is no such document. */
  async replace(id: string, doc: T): Promise<boolean> {
    return this.#replace(undefined, id, doc, false);
  }

  /** Inserts or replaces by `doc._id` (inserts with a new id if it has none); returns the id. */
  async upsert(doc: T): Promise<string> {
    const clean = checkDocument(doc);
    if (clean._id === undefined) return this.insert(doc);
    await this.#replace(undefined, clean._id, doc, true);
    return clean._id;
  }

  async #delete(outer: Transaction | undefined, id: string): Promise<boolean> {
    checkId(id);
    return this.#tx(outer, async (tx) => {
      const previous = await this.#read(tx, id);
      if (previous === undefined) return false;
      await this.#write(tx, id, previous, undefined);
      return true;
    });
  }

  /** Deletes a document; false if there was none. */
  async delete(id: string): Promise<boolean> {
    return this.#delete(undefined, id);
  }

  /** Deletes every document matching `query` atomically; returns how many. */
  async deleteMany(query: Query): Promise<number> {
    const node = this.#parse(query);
    return this.#docs.transaction(async (tx) => {
      let n = 0;
      for await (const doc of this.#candidates(tx, node, [])) {
        await this.#write(tx, doc._id as string, doc, undefined);
        n++;
      }
      return n;
    });
  }

  /** Matching documents, sorted, skipped, limited and projected. @throws {QueryError} */
  async *find(query?: Query, options?: FindOptions): AsyncGenerator<T> {
    const node = this.#parse(query);
    const { sort, limit, skip, projection } = checkFindOptions(options);
    const snap = this.#docs.snapshot();
    try {
      const chosen = plan(this.#def.id, node, this.#readyIndexes(), sort);
      let source: AsyncIterable<Doc> = this.#run(snap, chosen, node);
      if (sort.length > 0 && !('servesSort' in chosen && chosen.servesSort)) source = sortAll(source, sort);
      let skipped = 0;
      let emitted = 0;
      if (limit === 0) return;
      for await (const doc of source) {
        if (skipped < skip) {
          skipped++;
          continue;
        }
        yield project(doc, projection) as T;
        if (++emitted >= limit) return;
      }
    } finally {
      await snap.close();
    }
  }

  /** Number of matching documents (from index entries alone when the index answers the query exactly). */
  async count(query?: Query): Promise<number> {
    const node = this.#parse(query);
    const snap = this.#docs.snapshot();
    try {
      const chosen = plan(this.#def.id, node, this.#readyIndexes(), []);
      if (chosen.kind === 'index' && chosen.exact === true) {
        const ids = new Set<string>();
        for (const range of chosen.ranges) {
          for await (const [entry] of snap.scan({ gte: range.gte, lt: range.lt })) ids.add(idOfEntry(entry));
        }
        return ids.size;
      }
      let n = 0;
      for await (const _ of this.#run(snap, chosen, node)) n++;
      return n;
    } finally {
      await snap.close();
    }
  }

  /** How `find(query, options)` would run: strategy, index, ranges, whether the sort is served by the index. */
  explain(query?: Query, options?: FindOptions): Explanation {
    const node = this.#parse(query);
    const { sort } = checkFindOptions(options);
    return explainPlan(plan(this.#def.id, node, this.#readyIndexes(), sort));
  }

  /** The matcher, with the text index's fields for `$text`. */
  #matches(node: QueryNode, doc: Doc): boolean {
    return matches(node, doc, this.#textFields());
  }

  #textFields(): string[][] {
    const index = this.#def.indexes.find((ix) => ix.text === true);
    return index === undefined ? [] : index.fields.map((f) => f.split('.'));
  }

  /** Parses a query; `$text` needs a text index. @throws {QueryError} */
  #parse(query: unknown): QueryNode {
    const node = parseQuery(query);
    if (usesText(node) && !this.#def.indexes.some((ix) => ix.text === true && ix.ready)) {
      throw new QueryError('$text', `collection '${this.#def.name}' has no (finished) text index: add { text: [fields] }`);
    }
    return node;
  }

  #readyIndexes(): IndexDef[] {
    return this.#def.indexes.filter((ix) => ix.ready);
  }

  /** Candidate documents of a plan that match the query, each once. */
  async *#run(reader: Snapshot | Transaction, chosen: Plan, node: QueryNode): AsyncGenerator<Doc> {
    const collection = this.#def.id;
    if (chosen.kind === 'ids') {
      for (const id of chosen.ids) {
        const doc = await this.#read(reader, id);
        if (doc !== undefined && this.#matches(node, doc)) yield doc;
      }
      return;
    }
    if (chosen.kind === 'scan') {
      for await (const [key, bytes] of reader.scan({ prefix: docPrefix(collection), reverse: chosen.reverse })) {
        const doc = decodeDocument(bytes, fromUtf8(key.subarray(5)));
        if (this.#matches(node, doc)) yield doc;
      }
      return;
    }
    const seen = new Set<string>();
    for (const range of chosen.ranges) {
      for await (const [entry] of reader.scan({ gte: range.gte, lt: range.lt, reverse: chosen.reverse })) {
        const id = idOfEntry(entry);
        if (seen.has(id)) continue;
        seen.add(id);
        const doc = await this.#read(reader, id);
        if (doc !== undefined && this.#matches(node, doc)) yield doc;
      }
    }
  }

  async *#candidates(tx: Transaction, node: QueryNode, sort: Sort): AsyncGenerator<Doc> {
    // Materialized first: deleting while scanning the same transaction's view would re-read its own writes.
    const docs: Doc[] = [];
    for await (const doc of this.#run(tx, plan(this.#def.id, node, this.#readyIndexes(), sort), node)) docs.push(doc);
    yield* docs;
  }

  /**
   * Creates an index and fills it from existing documents in chunks, while
   * writes go on (writes maintain it from the moment it is declared; queries
   * use it once filled).
   * @throws {UniqueConstraintError} existing documents break a unique index (it is dropped again).
   */
  async createIndex(spec: IndexSpec, options?: IndexBuildOptions): Promise<IndexDef> {
    const s = checkIndexSpec(spec, 'spec');
    const opts = mustOptions<IndexBuildOptions>('options', options);
    const signal = mustSignal('options.signal', opts.signal);
    const onProgress = mustCallback<(p: { done: number }) => void>('options.onProgress', opts.onProgress);
    const existing = this.#def.indexes.find((ix) => ix.name === s.name);
    if (existing !== undefined) return existing;
    if (s.text && this.#def.indexes.some((ix) => ix.text === true)) {
      throw new InvalidArgumentError('spec.text', 'at most one text index per collection', s.fields);
    }
    const def = await this.#system.transaction(async (tx) => {
      const current = (await readDef(tx, this.#def.name)) as CollectionDef;
      const index: IndexDef = { id: current.nextIndex, name: s.name, fields: s.fields, unique: s.unique, sparse: s.sparse, multi: s.multi, ready: false, text: s.text };
      const next = { ...current, nextIndex: current.nextIndex + 1, indexes: [...current.indexes, index] };
      writeDef(tx, next);
      return next;
    });
    this.#def = def;
    const index = def.indexes.find((ix) => ix.name === s.name) as IndexDef;
    try {
      let after: Uint8Array | undefined;
      let done = 0;
      for (;;) {
        throwIfAborted(signal);
        const ids: string[] = [];
        const prefix = docPrefix(this.#def.id);
        for await (const [key] of this.#docs.scan(after === undefined ? { prefix, limit: BUILD_CHUNK } : { prefix, gt: after, limit: BUILD_CHUNK })) {
          ids.push(fromUtf8(key.subarray(5)));
          after = key.slice();
        }
        if (ids.length === 0) break;
        await this.#docs.transaction(async (tx) => {
          for (const id of ids) {
            const doc = await this.#read(tx, id);
            if (doc === undefined) continue;
            if (index.unique) await this.#checkUnique(tx, index, doc, id);
            for (const [key, value] of indexEntries(this.#def.id, index, doc, id)) tx.put(key, value);
          }
        });
        done += ids.length;
        onProgress?.({ done });
        await breathe();
      }
    } catch (error) {
      await this.dropIndex(index.name);
      throw error;
    }
    const ready = await this.#system.transaction(async (tx) => {
      const current = (await readDef(tx, this.#def.name)) as CollectionDef;
      const next = { ...current, indexes: current.indexes.map((ix) => (ix.id === index.id ? { ...ix, ready: true } : ix)) };
      writeDef(tx, next);
      return next;
    });
    this.#def = ready;
    return ready.indexes.find((ix) => ix.id === index.id) as IndexDef;
  }

  /** Drops an index and deletes its entries; false if there is none of that name. */
  async dropIndex(name: string): Promise<boolean> {
    if (typeof name !== 'string') throw new InvalidArgumentError('name', 'an index name', name);
    const index = this.#def.indexes.find((ix) => ix.name === name);
    if (index === undefined) return false;
    this.#def = await this.#system.transaction(async (tx) => {
      const current = (await readDef(tx, this.#def.name)) as CollectionDef;
      const next = { ...current, indexes: current.indexes.filter((ix) => ix.id !== index.id) };
      writeDef(tx, next);
      return next;
    });
    for (;;) {
      const keys: Uint8Array[] = [];
      for await (const [key] of this.#docs.scan({ prefix: indexPrefix(this.#def.id, index.id), limit: 1024 })) keys.push(key.slice());
      if (keys.length === 0) break;
      await this.#docs.batch(keys.map((key) => ({ type: 'del' as const, key })));
    }
    return true;
  }

  /**
   * The matching documents as NDJSON lines (each ending in a newline), for
   * backups and moves. Bytes and dates travel as `{ $bytes }` / `{ $date }`.
   */
  async *export(query?: Query): AsyncGenerator<string> {
    for await (const doc of this.find(query)) yield `${toNdjsonLine(doc)}\n`;
  }

  /**
   * Imports NDJSON (text or bytes, any chunking) in atomic batches; blank
   * lines are skipped; documents keep their `_id` (an existing one is
   * replaced). Returns how many documents were written.
   * @throws {InvalidArgumentError} a line that is not a valid document (argument 'line N'); earlier batches stay written.
   * @throws {UniqueConstraintError} @throws {AbortedError}
   */
  async import(source: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>, options?: IndexBuildOptions & { batchSize?: number }): Promise<number> {
    if (source === null || typeof source !== 'object' || !(Symbol.asyncIterator in source || Symbol.iterator in source)) {
      throw new InvalidArgumentError('source', 'an iterable or async iterable of NDJSON text or bytes', source);
    }
    const opts = mustOptions<IndexBuildOptions & { batchSize?: number }>('options', options);
    const signal = mustSignal('options.signal', opts.signal);
    const onProgress = mustCallback<(p: { done: number }) => void>('options.onProgress', opts.onProgress);
    const batchSize = opts.batchSize === undefined ? 500 : mustInteger('options.batchSize', opts.batchSize, 1, Number.MAX_SAFE_INTEGER);
    let batch: Doc[] = [];
    let done = 0;
    let lineNumber = 0;
    const flush = async (): Promise<void> => {
      const docs = batch;
      batch = [];
      await this.#docs.transaction(async (tx) => {
        for (const doc of docs) {
          const id = doc._id ?? this.#ids.next();
          await this.#write(tx, id, await this.#read(tx, id), { ...doc, _id: id });
        }
      });
      done += docs.length;
      onProgress?.({ done });
    };
    for await (const line of lines(source)) {
      lineNumber++;
      if (line.trim().length === 0) continue;
      throwIfAborted(signal);
      batch.push(this.#checkDoc(fromNdjsonLine(line, lineNumber), `line ${lineNumber}`));
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length > 0) await flush();
    return done;
  }

  /** This collection inside a transaction started with `store.transaction(...)`: its writes commit with the rest. */
  in(tx: Transaction): CollectionInTransaction<T> {
    if (tx === null || typeof tx !== 'object' || typeof (tx as Transaction).keyspace !== 'function') throw new InvalidArgumentError('tx', 'a Transaction', tx);
    return {
      insert: async (doc) => (await this.#insert(tx, [doc]))[0] as string,
      insertMany: (docs) => this.#insert(tx, docs),
      get: async (id) => (await this.#read(tx.keyspace(NAMESPACE.DOCUMENTS), checkId(id))) as T | undefined,
      update: (id, update) => this.#update(tx, id, update),
      replace: (id, doc) => this.#replace(tx, id, doc, false),
      delete: (id) => this.#delete(tx, id),
    };
  }

  /** The store this collection lives in. */
  get store(): Keyspace {
    return this.#store;
  }
}

/** A collection bound to a transaction. */
export interface CollectionInTransaction<T> {
  insert(doc: T): Promise<string>;
  insertMany(docs: readonly T[]): Promise<string[]>;
  get(id: string): Promise<T | undefined>;
  update(id: string, update: Record<string, Record<string, unknown>>): Promise<boolean>;
  replace(id: string, doc: T): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}

function checkFindOptions(options: unknown): { sort: Sort; limit: number; skip: number; projection: Record<string, 0 | 1> | undefined } {
  const o = mustOptions<FindOptions>('options', options);
  const sort: Array<[string, 1 | -1]> = [];
  if (o.sort !== undefined) {
    if (o.sort === null || typeof o.sort !== 'object') throw new QueryError('options.sort', 'expects an object like { field: 1 }');
    for (const [field, dir] of Object.entries(o.sort)) {
      checkPath(field, `options.sort.${field}`);
      if (dir !== 1 && dir !== -1) throw new QueryError(`options.sort.${field}`, 'expects 1 or -1');
      sort.push([field, dir]);
    }
  }
  const count = (name: 'limit' | 'skip', fallback: number): number => (o[name] === undefined ? fallback : mustLimit(`options.${name}`, o[name]));
  let projection: Record<string, 0 | 1> | undefined;
  if (o.projection !== undefined) {
    if (o.projection === null || typeof o.projection !== 'object') throw new QueryError('options.projection', 'expects an object like { field: 1 }');
    const values = new Set(Object.entries(o.projection).filter(([k]) => k !== '_id').map(([, v]) => v));
    for (const [field, v] of Object.entries(o.projection)) if (v !== 0 && v !== 1) throw new QueryError(`options.projection.${field}`, 'expects 0 or 1');
    if (values.size > 1) throw new QueryError('options.projection', 'mixes included and excluded fields');
    projection = o.projection;
  }
  return { sort, limit: count('limit', Infinity), skip: count('skip', 0), projection };
}

async function* sortAll(source: AsyncIterable<Doc>, sort: Sort): AsyncGenerator<Doc> {
  const docs: Doc[] = [];
  for await (const doc of source) docs.push(doc);
  const keyOf = (doc: Doc, path: string): unknown => valuesAt(doc, path.split('.'))[0];
  docs.sort((a, b) => {
    for (const [field, dir] of sort) {
      const c = compareValues(keyOf(a, field), keyOf(b, field));
      if (c !== 0) return c * dir;
    }
    // Ties by id, in the direction of the first sort field: the order an index scan gives.
    return compareValues(a._id, b._id) * (sort[0]?.[1] ?? 1);
  });
  yield* docs;
}

function project(doc: Doc, projection: Record<string, 0 | 1> | undefined): Doc {
  if (projection === undefined) return doc;
  const include = Object.entries(projection).some(([k, v]) => k !== '_id' && v === 1);
  const out: Doc = {};
  if (include) {
    for (const [k, v] of Object.entries(projection)) if (v === 1 && k in doc) out[k] = doc[k];
    if (projection._id !== 0) out._id = doc._id as string;
    return out;
  }
  for (const [k, v] of Object.entries(doc)) if (projection[k] !== 0) out[k] = v;
  return out;
}
