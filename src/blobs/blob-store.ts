/**
 * `BlobStore`: streamed, chunked, encrypted blobs of any size in a store.
 *
 * ```ts
 * const info = await store.blobs.write('photos/cat.jpg', fs.createReadStream(path), { contentType: 'image/jpeg' })
 * store.blobs.createReadStream('photos/cat.jpg', { start: 0, end: 1023 }).pipe(res)
 * for await (const info of store.blobs.list({ prefix: 'photos/' })) {}
 * await store.blobs.delete('photos/cat.jpg')
 * ```
 *
 * A write streams the source into a new content (write-pipeline.ts: fresh
 * key, STREAM-sealed chunks in a side file made durable), then commits the
 * records that name it (records.ts) in one engine transaction. Until that
 * commit nothing is visible and the previous version stays whole; a crash
 * leaves at most an unreferenced file, removed when the blob store is
 * first used after the next open.
 *
 * Delete is crypto-shredding: the content record holding the blob's key
 * is deleted in the commit and the file is removed after it (or when the
 * last reader of it finishes). See SECURITY.md for what that guarantees.
 */
import { Readable, Writable } from 'node:stream';
import { SymmetricKey } from '../crypto/keys.ts';
import { systemRandom } from '../crypto/random.ts';
import { BlobNotFoundError, ClosedError, IOError, InvalidArgumentError, IntegrityError, StorageFullError } from '../errors.ts';
import { NAMESPACE, toDurability, type Durability } from '../engine/input.ts';
import type { Keyspace } from '../engine/keyspace.ts';
import type { SideFileReader, SideFiles, SideFileWriter } from '../engine/side-files.ts';
import type { Store } from '../engine/storage.ts';
import { storeInternals, type StoreInternals } from '../engine/store-internals.ts';
import type { Transaction } from '../engine/transaction.ts';
import { concatAll, utf8 } from '../util/bytes.ts';
import { mustCallback, mustInteger, mustLimit, mustOptions, mustSignal, throwIfAborted } from '../util/validate.ts';
import { CHUNK_BYTES } from './chunks.ts';
import { readRange } from './read-pipeline.ts';
import {
  DEDUP_KEY_RECORD, contentKey, decodeContent, decodeName, encodeContent, encodeName, hashKey, idOfNameKey, nameKey,
  type BlobMetadata, type ContentRecord, type NameRecord,
} from './records.ts';
import { mustSource, type BlobSource } from './source.ts';
import { writeContent, type WrittenContent } from './write-pipeline.ts';

/** What `stat` and `list` report. */
export interface BlobInfo {
  readonly id: string;
  /** Bytes of plaintext. */
  readonly size: number;
  readonly contentType: string | undefined;
  readonly metadata: BlobMetadata | undefined;
  /** When this id was first written. */
  readonly created: Date;
  /** When its current version was written. */
  readonly modified: Date;
}

export interface BlobWriteOptions {
  /** A MIME type, kept with the blob. */
  readonly contentType?: string;
  /** Small JSON-like values kept with the blob (sealed like everything else). */
  readonly metadata?: BlobMetadata;
  readonly signal?: AbortSignal;
  /** Called as bytes are sealed and written. */
  readonly onProgress?: (progress: { readonly bytes: number }) => void;
  /** Share the stored content with an identical blob (keyed hash, so equality is not visible from outside). Default false. */
  readonly dedup?: boolean;
  /** Durability of the commit that makes the blob visible (the data is always fsynced first). */
  readonly durability?: Durability;
}

export interface BlobReadOptions {
  /** First byte, inclusive. Default 0. */
  readonly start?: number;
  /** Last byte, inclusive (as in `fs.createReadStream`). Default: the end of the blob. */
  readonly end?: number;
  readonly signal?: AbortSignal;
}

export interface BlobListOptions {
  /** Only ids starting with this string. */
  readonly prefix?: string;
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

/** Blob operations bound to a store transaction: they commit (or roll back) with it. */
export interface BlobsInTransaction {
  write(id: string, source: BlobSource, options?: BlobWriteOptions): Promise<BlobInfo>;
  delete(id: string): Promise<boolean>;
  stat(id: string): Promise<BlobInfo | undefined>;
  has(id: string): Promise<boolean>;
}

/** What `blobs.verify()` found. */
export interface BlobVerifyReport {
  /** Blobs checked, and their bytes. */
  readonly blobs: number;
  readonly bytes: number;
  /** Every blob that failed, with the error that names the chunk or record. */
  readonly problems: ReadonlyArray<{ readonly id: string; readonly error: Error }>;
}

export interface BlobVerifyOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: { readonly blobs: number; readonly bytes: number }) => void;
}

/** Tuning of a store's blobs (set with `BlobStore.of(store, options)` before first use). */
export interface BlobStoreOptions {
  /** Blobs up to this size are kept sealed inside their record instead of a file. Default 16 KiB, at most 64 KiB. */
  readonly inlineBytes?: number;
}

const MAX_ID_BYTES = 4096;
const DEFAULT_INLINE_BYTES = 16 * 1024;
const stores = new WeakMap<object, BlobStore>();

function mustId(id: unknown, argument = 'id'): string {
  if (typeof id !== 'string' || id.length === 0) throw new InvalidArgumentError(argument, 'a non-empty string', id);
  if (utf8(id).length > MAX_ID_BYTES) throw new InvalidArgumentError(argument, `at most ${MAX_ID_BYTES} UTF-8 bytes`, `${id.slice(0, 32)}...`);
  return id;
}

function mustMetadata(metadata: unknown): BlobMetadata | undefined {
  if (metadata === undefined) return undefined;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata) || Object.getPrototypeOf(metadata) !== Object.prototype) {
    throw new InvalidArgumentError('options.metadata', 'a plain object of string, number, boolean or null values', metadata);
  }
  for (const [k, v] of Object.entries(metadata)) {
    const ok = v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    if (!ok) throw new InvalidArgumentError(`options.metadata.${k}`, 'a string, finite number, boolean or null', v);
  }
  return metadata as BlobMetadata;
}

interface CheckedWrite {
  readonly contentType: string | undefined;
  readonly metadata: BlobMetadata | undefined;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((progress: { readonly bytes: number }) => void) | undefined;
  readonly dedup: boolean;
  readonly durability: Durability | undefined;
}

function checkWriteOptions(options: unknown): CheckedWrite {
  const o = mustOptions<BlobWriteOptions>('options', options);
  if (o.contentType !== undefined && (typeof o.contentType !== 'string' || o.contentType.length > 255)) {
    throw new InvalidArgumentError('options.contentType', 'a string of at most 255 characters', o.contentType);
  }
  if (o.dedup !== undefined && typeof o.dedup !== 'boolean') throw new InvalidArgumentError('options.dedup', 'a boolean', o.dedup);
  return {
    contentType: o.contentType, metadata: mustMetadata(o.metadata), signal: mustSignal('options.signal', o.signal),
    onProgress: mustCallback('options.onProgress', o.onProgress), dedup: o.dedup === true,
    durability: o.durability === undefined ? undefined : toDurability(o.durability, 'relaxed'),
  };
}

/** Validated [start, end) of a read; `end` resolved later against the size. */
function checkRange(options: unknown): { start: number; endInclusive: number | undefined; signal: AbortSignal | undefined } {
  const o = mustOptions<BlobReadOptions>('options', options);
  const start = o.start === undefined ? 0 : mustInteger('options.start', o.start, 0, Number.MAX_SAFE_INTEGER);
  const endInclusive = o.end === undefined ? undefined : mustInteger('options.end', o.end, 0, Number.MAX_SAFE_INTEGER);
  if (endInclusive !== undefined && endInclusive < start - 1) throw new InvalidArgumentError('options.end', `at least start - 1 (${start - 1})`, endInclusive);
  return { start, endInclusive, signal: mustSignal('options.signal', o.signal) };
}

function infoOf(id: string, name: NameRecord): BlobInfo {
  return { id, size: name.size, contentType: name.contentType, metadata: name.metadata, created: new Date(name.created), modified: new Date(name.modified) };
}

/** The blobs of one store. Obtain it as `store.blobs` (or `BlobStore.of(store)`). */
export class BlobStore {
  readonly #internals: StoreInternals;
  readonly #ks: Keyspace;
  readonly #files: SideFiles;
  readonly #inlineBytes: number;
  /** Orphan collection; every operation waits for it. */
  readonly #ready: Promise<void>;
  /** Open readers per side file: a file is removed only when none is left. */
  readonly #readers = new Map<string, number>();
  readonly #doomed = new Set<string>();
  /** Writes in progress (so close can abort them) and open read handles. */
  readonly #writers = new Set<SideFileWriter>();
  readonly #handles = new Set<SideFileReader>();
  #closed = false;
  #dedupKey: Promise<SymmetricKey> | undefined;

  private constructor(store: Store, internals: StoreInternals, options: BlobStoreOptions) {
    this.#internals = internals;
    this.#ks = store.keyspace(NAMESPACE.BLOBS);
    this.#files = internals.sideFiles('blobs');
    this.#inlineBytes = options.inlineBytes === undefined ? DEFAULT_INLINE_BYTES : mustInteger('options.inlineBytes', options.inlineBytes, 0, CHUNK_BYTES);
    internals.onClose(() => this.#close());
    // Best effort: a collection that fails (I/O, store closing) leaves the orphans for the next open and blocks nothing.
    this.#ready = this.#collectOrphans().catch(() => undefined);
  }

  /**
   * The blob store of `store` (one per store). `options` apply only on the
   * first call for a store.
   */
  static of(store: Store, options?: BlobStoreOptions): BlobStore {
    const internals = storeInternals(store);
    if (internals === undefined) throw new InvalidArgumentError('store', 'a Store', store);
    let blobs = stores.get(store);
    if (blobs === undefined) {
      internals.check();
      blobs = new BlobStore(store, internals, mustOptions<BlobStoreOptions>('options', options));
      stores.set(store, blobs);
    }
    return blobs;
  }

  #check(): void {
    this.#internals.check();
    if (this.#closed) throw new ClosedError('store');
  }

  async #close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#writers].map((w) => w.abort()));
    await Promise.allSettled([...this.#handles].map((h) => h.close()));
    (await this.#dedupKey?.catch(() => undefined))?.wipe();
  }

  /** Removes side files no committed content refers to (left by a crash or a failed commit). */
  async #collectOrphans(): Promise<void> {
    const files = await this.#files.list();
    if (files.length === 0) return;
    const live = new Set<string>();
    try {
      for await (const [, value] of this.#ks.scan({ prefix: contentKey(new Uint8Array(0)) })) {
        const content = decodeContent(value, 'scan');
        if (content.file !== undefined) live.add(content.file);
      }
    } catch (error) {
      // A damaged record: deleting files on a partial view could lose data. Leave everything.
      if (error instanceof IntegrityError) return;
      throw error;
    }
    for (const file of files) if (file.endsWith('.blob') && !live.has(file)) await this.#files.remove(file);
  }

  async #dedupHashKey(): Promise<SymmetricKey> {
    this.#dedupKey ??= this.#ks.transaction(async (tx) => {
      const stored = await tx.get(DEDUP_KEY_RECORD);
      if (stored !== undefined) return new SymmetricKey(stored.slice());
      const fresh = (this.#internals.random ?? systemRandom)(32);
      await tx.put(DEDUP_KEY_RECORD, fresh);
      return new SymmetricKey(fresh.slice());
    });
    this.#dedupKey.catch(() => {
      this.#dedupKey = undefined;
    });
    return this.#dedupKey;
  }

  /** Streams `source` into a new content; the caller commits it. */
  async #writeData(source: BlobSource, opts: CheckedWrite): Promise<WrittenContent> {
    await this.#ready;
    this.#check();
    const writers: SideFileWriter[] = [];
    try {
      return await writeContent(
        { files: this.#files, storeId: this.#internals.storeId, random: this.#internals.random ?? systemRandom },
        source,
        {
          signal: opts.signal, onProgress: opts.onProgress, inlineBytes: this.#inlineBytes,
          dedupKey: opts.dedup ? await this.#dedupHashKey() : undefined,
          onFile: (w) => {
            writers.push(w);
            this.#writers.add(w);
          },
        },
      );
    } catch (error) {
      // A write cut by close reports the close, not the I/O error of its aborted file.
      if (this.#closed && !(error instanceof ClosedError)) throw new ClosedError('store');
      throw error;
    } finally {
      for (const w of writers) this.#writers.delete(w);
    }
  }

  /**
   * Inside `tx`: points `id` at the new content (or at an identical one
   * already stored, with dedup), releases the previous content, and says
   * which files to remove once the commit is durable.
   */
  async #commitIn(tx: Transaction, id: string, written: WrittenContent, opts: CheckedWrite): Promise<{ info: BlobInfo; removeAfter: string[] }> {
    const ks = tx.keyspace(NAMESPACE.BLOBS);
    const key = nameKey(id);
    const oldBytes = await ks.get(key);
    const old = oldBytes === undefined ? undefined : decodeName(oldBytes, id);
    const removeAfter: string[] = [];
    let contentId = written.contentId;
    let reused = false;
    const hash = written.record.hash;
    if (hash !== undefined) {
      const existingId = await ks.get(hashKey(hash));
      const existingBytes = existingId === undefined ? undefined : await ks.get(contentKey(existingId));
      if (existingId !== undefined && existingBytes !== undefined) {
        const existing = decodeContent(existingBytes, id);
        if (existing.size === written.record.size) {
          await ks.put(contentKey(existingId), encodeContent({ ...existing, refs: existing.refs + 1 }));
          contentId = existingId;
          reused = true;
          if (written.record.file !== undefined) removeAfter.push(written.record.file);
        }
      }
    }
    if (!reused) {
      await ks.put(contentKey(contentId), encodeContent(written.record));
      if (hash !== undefined) await ks.put(hashKey(hash), contentId);
    }
    const now = Date.now();
    const name: NameRecord = {
      content: contentId, size: written.record.size, contentType: opts.contentType, metadata: opts.metadata,
      created: old?.created ?? now, modified: now,
    };
    await ks.put(key, encodeName(name));
    if (old !== undefined) await this.#release(ks, old.content, id, removeAfter);
    return { info: infoOf(id, name), removeAfter };
  }

  /** Drops one reference to a content; at zero its record (and key) goes and its file is queued for removal. */
  async #release(ks: Transaction, contentId: Uint8Array, id: string, removeAfter: string[]): Promise<void> {
    const bytes = await ks.get(contentKey(contentId));
    if (bytes === undefined) return;
    const content = decodeContent(bytes, id);
    if (content.refs > 1) {
      await ks.put(contentKey(contentId), encodeContent({ ...content, refs: content.refs - 1 }));
      return;
    }
    await ks.delete(contentKey(contentId));
    if (content.hash !== undefined) await ks.delete(hashKey(content.hash));
    if (content.file !== undefined) removeAfter.push(content.file);
  }

  /** Removes a side file now, or when its last reader finishes. */
  #removeFile(file: string): void {
    if ((this.#readers.get(file) ?? 0) > 0) {
      this.#doomed.add(file);
      return;
    }
    // Best effort: a file left behind is an orphan the next open collects.
    this.#files.remove(file).catch(() => undefined);
  }

  /**
   * Writes (or replaces) blob `id` from `source`, streaming: memory use does
   * not depend on the blob's size. The blob becomes visible, whole, when
   * this resolves; until then readers see the previous version.
   * @throws {AbortedError} the signal fired (nothing visible changed).
   * @throws {StorageFullError} the disk is full (nothing visible changed).
   */
  async write(id: string, source: BlobSource, options?: BlobWriteOptions): Promise<BlobInfo> {
    mustId(id);
    const src = mustSource(source);
    const opts = checkWriteOptions(options);
    this.#check();
    const written = await this.#writeData(src, opts);
    let removeAfter: string[] = [];
    try {
      const info = await this.#ks.transaction(
        async (tx) => {
          const result = await this.#commitIn(tx, id, written, opts);
          removeAfter = result.removeAfter;
          return result.info;
        },
        { ...(opts.durability === undefined ? {} : { durability: opts.durability }), ...(opts.signal === undefined ? {} : { signal: opts.signal }) },
      );
      for (const file of removeAfter) this.#removeFile(file);
      return info;
    } catch (error) {
      // Unless the commit's outcome is unknown (an I/O failure while writing it), the new data is garbage now.
      if (!(error instanceof IOError || error instanceof StorageFullError) && written.record.file !== undefined) this.#removeFile(written.record.file);
      throw error;
    } finally {
      written.record.key.fill(0);
    }
  }

  /**
   * A `Writable` that stores what is written to it as blob `id`. It emits
   * 'finish' only after the blob is committed; `stream.done` resolves with
   * its info. Destroying it (or an error) aborts the write.
   */
  createWriteStream(id: string, options?: BlobWriteOptions): BlobWriteStream {
    mustId(id);
    checkWriteOptions(options); // fail at the call, not at the first write
    this.#check();
    return new BlobWriteStream((source) => this.write(id, source, options));
  }

  /** Blob operations that join `tx`: visible when it commits, gone if it rolls back. */
  in(tx: Transaction): BlobsInTransaction {
    if (tx === null || typeof tx !== 'object' || typeof (tx as Transaction).keyspace !== 'function') throw new InvalidArgumentError('tx', 'a Transaction', tx);
    return {
      write: async (id, source, options) => {
        mustId(id);
        const src = mustSource(source);
        const opts = checkWriteOptions(options);
        this.#check();
        const written = await this.#writeData(src, opts);
        const file = written.record.file;
        try {
          const { info, removeAfter } = await this.#commitIn(tx, id, written, opts);
          tx.onCommit(() => {
            for (const f of removeAfter) this.#removeFile(f);
          });
          if (file !== undefined) tx.onRollback(() => this.#removeFile(file));
          return info;
        } catch (error) {
          if (file !== undefined) this.#removeFile(file);
          throw error;
        } finally {
          written.record.key.fill(0);
        }
      },
      delete: async (id) => {
        mustId(id);
        this.#check();
        await this.#ready;
        const removeAfter = await this.#deleteIn(tx, id);
        if (removeAfter === undefined) return false;
        tx.onCommit(() => {
          for (const f of removeAfter) this.#removeFile(f);
        });
        return true;
      },
      stat: async (id) => {
        mustId(id);
        this.#check();
        const bytes = await tx.keyspace(NAMESPACE.BLOBS).get(nameKey(id));
        return bytes === undefined ? undefined : infoOf(id, decodeName(bytes, id));
      },
      has: async (id) => {
        mustId(id);
        this.#check();
        return (await tx.keyspace(NAMESPACE.BLOBS).get(nameKey(id))) !== undefined;
      },
    };
  }

  async #deleteIn(tx: Transaction, id: string): Promise<string[] | undefined> {
    const ks = tx.keyspace(NAMESPACE.BLOBS);
    const bytes = await ks.get(nameKey(id));
    if (bytes === undefined) return undefined;
    const name = decodeName(bytes, id);
    await ks.delete(nameKey(id));
    const removeAfter: string[] = [];
    await this.#release(ks, name.content, id, removeAfter);
    return removeAfter;
  }

  /**
   * Deletes blob `id`: its key is destroyed in the commit (crypto-shredding)
   * and its file removed after it. Readers already streaming it finish.
   * @returns false when there was no such blob.
   */
  async delete(id: string, options?: { readonly durability?: Durability }): Promise<boolean> {
    mustId(id);
    const opts = mustOptions<{ durability?: Durability }>('options', options);
    this.#check();
    await this.#ready;
    let removeAfter: string[] | undefined;
    await this.#ks.transaction(
      async (tx) => {
        removeAfter = await this.#deleteIn(tx, id);
      },
      opts.durability === undefined ? {} : { durability: opts.durability },
    );
    for (const file of removeAfter ?? []) this.#removeFile(file);
    return removeAfter !== undefined;
  }

  /** Size, type, metadata and times of blob `id`, or undefined. */
  async stat(id: string): Promise<BlobInfo | undefined> {
    mustId(id);
    this.#check();
    await this.#ready;
    const bytes = await this.#ks.get(nameKey(id));
    return bytes === undefined ? undefined : infoOf(id, decodeName(bytes, id));
  }

  async has(id: string): Promise<boolean> {
    mustId(id);
    this.#check();
    await this.#ready;
    return (await this.#ks.get(nameKey(id))) !== undefined;
  }

  /** Blobs in id order (UTF-8 byte order), optionally under a prefix. */
  list(options?: BlobListOptions): AsyncGenerator<BlobInfo> {
    // Validated here, not at the first next(): a bad call fails where it is made.
    const o = mustOptions<BlobListOptions>('options', options);
    const prefix = o.prefix === undefined ? '' : o.prefix;
    if (typeof prefix !== 'string') throw new InvalidArgumentError('options.prefix', 'a string', prefix);
    const limit = mustLimit('options.limit', o.limit);
    const signal = mustSignal('options.signal', o.signal);
    this.#check();
    return this.#list(prefix, limit, signal);
  }

  async *#list(prefix: string, limit: number, signal: AbortSignal | undefined): AsyncGenerator<BlobInfo> {
    await this.#ready;
    for await (const [key, value] of this.#ks.scan({ prefix: nameKey(prefix), ...(limit === Infinity ? {} : { limit }) })) {
      throwIfAborted(signal);
      const id = idOfNameKey(key);
      yield infoOf(id, decodeName(value, id));
    }
  }

  /**
   * Reads and authenticates every chunk of every blob (writes may go on)
   * and reports the blobs that fail. Changes nothing.
   */
  async verify(options?: BlobVerifyOptions): Promise<BlobVerifyReport> {
    const o = mustOptions<BlobVerifyOptions>('options', options);
    const signal = mustSignal('options.signal', o.signal);
    const onProgress = mustCallback<NonNullable<BlobVerifyOptions['onProgress']>>('options.onProgress', o.onProgress);
    this.#check();
    await this.#ready;
    const problems: Array<{ id: string; error: Error }> = [];
    let blobs = 0;
    let bytes = 0;
    const ids: string[] = [];
    try {
      for await (const [key] of this.#ks.scan({ prefix: nameKey('') })) ids.push(idOfNameKey(key));
    } catch (error) {
      problems.push({ id: '(names)', error: error as Error });
    }
    for (const id of ids) {
      throwIfAborted(signal);
      try {
        for await (const piece of this.#pieces(id, { start: 0, endInclusive: undefined, signal })) bytes += piece.length;
        blobs++;
      } catch (error) {
        if (error instanceof BlobNotFoundError) continue; // deleted meanwhile
        if (!(error instanceof IntegrityError || error instanceof IOError)) throw error;
        problems.push({ id, error });
      }
      onProgress?.({ blobs, bytes });
    }
    return { blobs, bytes, problems };
  }

  /**
   * Looks up the current version of `id` and pins its file, in one
   * synchronous step: a delete or overwrite committing meanwhile cannot
   * remove the file under the reader.
   */
  #pin(id: string): { contentId: Uint8Array; content: ContentRecord; size: number; release: () => void } {
    const nameBytes = this.#ks.getSync(nameKey(id));
    if (nameBytes === undefined) throw new BlobNotFoundError(id);
    const name = decodeName(nameBytes, id);
    const contentBytes = this.#ks.getSync(contentKey(name.content));
    if (contentBytes === undefined) throw new IntegrityError('blob-manifest', `content of ${id}`, 'missing');
    const content = decodeContent(contentBytes, id);
    const file = content.file;
    if (file === undefined) return { contentId: name.content, content, size: content.size, release: () => undefined };
    this.#readers.set(file, (this.#readers.get(file) ?? 0) + 1);
    let released = false;
    return {
      contentId: name.content, content, size: content.size,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.#readers.get(file) ?? 1) - 1;
        if (left > 0) {
          this.#readers.set(file, left);
          return;
        }
        this.#readers.delete(file);
        if (this.#doomed.delete(file)) this.#removeFile(file);
      },
    };
  }

  /** Plaintext pieces of a range of blob `id`; every piece is authenticated before it is yielded. */
  async *#pieces(id: string, range: { start: number; endInclusive: number | undefined; signal: AbortSignal | undefined }): AsyncGenerator<Uint8Array> {
    await this.#ready;
    this.#check();
    throwIfAborted(range.signal);
    const pinned = this.#pin(id);
    let handle: SideFileReader | undefined;
    try {
      const content = pinned.content;
      if (content.file !== undefined) {
        handle = await this.#files.open(content.file);
        if (handle === undefined) throw new IntegrityError('blob-chunk', `${id}#0`, 'file missing');
        this.#handles.add(handle);
      }
      const end = Math.min(pinned.size, range.endInclusive === undefined ? pinned.size : range.endInclusive + 1);
      const start = Math.min(range.start, end);
      yield* readRange(
        {
          storeId: this.#internals.storeId, label: id, contentId: pinned.contentId, content, reader: handle,
          check: () => {
            if (this.#closed) throw new ClosedError('store');
            throwIfAborted(range.signal);
          },
        },
        start, end,
      );
    } finally {
      if (handle !== undefined) {
        this.#handles.delete(handle);
        await handle.close();
      }
      pinned.release();
      pinned.content.key.fill(0);
    }
  }

  /**
   * A `Readable` of blob `id` (or of bytes `start`..`end`, inclusive),
   * honouring backpressure. Errors with `BlobNotFoundError`, or with
   * `IntegrityError('blob-chunk')` before any byte of a damaged chunk.
   */
  createReadStream(id: string, options?: BlobReadOptions): Readable {
    mustId(id);
    const range = checkRange(options);
    this.#check();
    const pieces = this.#pieces(id, range);
    return Readable.from(
      (async function* () {
        for await (const piece of pieces) yield Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      })(),
      { objectMode: false, highWaterMark: CHUNK_BYTES },
    );
  }

  /** A web `ReadableStream` of blob `id` (or of a range), pulled on demand. */
  readableWebStream(id: string, options?: BlobReadOptions): ReadableStream<Uint8Array> {
    mustId(id);
    const range = checkRange(options);
    this.#check();
    const pieces = this.#pieces(id, range);
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          try {
            const { done, value } = await pieces.next();
            if (done) controller.close();
            else controller.enqueue(value);
          } catch (error) {
            controller.error(error);
          }
        },
        async cancel() {
          await pieces.return(undefined);
        },
      },
      { highWaterMark: 1 },
    );
  }

  /** The whole blob (or a range) in memory. For large blobs prefer the streams. */
  async read(id: string, options?: BlobReadOptions): Promise<Uint8Array> {
    mustId(id);
    const range = checkRange(options);
    this.#check();
    const parts: Uint8Array[] = [];
    for await (const piece of this.#pieces(id, range)) parts.push(piece);
    return parts.length === 1 ? parts[0]! : concatAll(parts);
  }
}

/**
 * The `Writable` of `createWriteStream`: chunks written to it feed the blob
 * write one at a time (backpressure reaches the writer), and 'finish' waits
 * for the commit.
 */
export class BlobWriteStream extends Writable {
  /** Resolves with the committed blob's info; rejects if the write failed or was destroyed. */
  readonly done: Promise<BlobInfo>;
  #pending: { chunk: Uint8Array; callback: (error?: Error | null) => void } | undefined;
  #wake: (() => void) | undefined;
  #ended = false;
  #failure: Error | undefined;

  constructor(start: (source: AsyncIterable<Uint8Array>) => Promise<BlobInfo>) {
    super({ highWaterMark: CHUNK_BYTES });
    this.done = start(this.#source());
    this.done.catch(() => undefined);
  }

  async *#source(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure;
      const pending = this.#pending;
      if (pending !== undefined) {
        this.#pending = undefined;
        // The pipeline asked for more: release the writer's next chunk.
        pending.callback();
        yield pending.chunk;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  override _write(chunk: unknown, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    if (!(bytes instanceof Uint8Array)) {
      callback(new InvalidArgumentError('chunk', 'a Uint8Array or string', chunk));
      return;
    }
    this.#pending = { chunk: bytes, callback };
    this.#poke();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#ended = true;
    this.#poke();
    this.done.then(
      () => callback(),
      (error: Error) => callback(error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#ended || error !== null) {
      this.#failure = error ?? new ClosedError('blob write stream');
      this.#ended = true;
      this.#poke();
    }
    callback(error);
  }
}
