/**
 * Shared by the importers: option checks, and a writer that groups imported
 * entries into atomic batches (by count and bytes) on a target keyspace,
 * reports progress after each batch, and stops with `AbortedError` between
 * batches. Batches go through the public `batch()`, so every key and value
 * is validated, sealed and written like any other write: the plaintext
 * source never reaches the store's files in the clear.
 *
 * Not one transaction: a large source would not fit in memory. An import
 * that stops (abort, crash, a bad entry) keeps the batches written so far;
 * running it again rewrites the same keys with the same values.
 */
import { InvalidArgumentError } from '../../errors.ts';
import { concatBytes } from '../../util/bytes.ts';
import { mustCallback, mustInteger, mustOptions, mustSignal, throwIfAborted } from '../../util/validate.ts';
import { toDurability, toValue, type BytesLike, type Durability } from '../input.ts';
import { Keyspace, type BatchOperation } from '../keyspace.ts';

/** Progress of an import: entries and source bytes done; `totalBytes` when the source size is known. */
export interface ImportProgress {
  readonly entries: number;
  readonly bytes: number;
  readonly totalBytes?: number;
}

export interface ImportOptions {
  /** Prepended to every imported key (e.g. 'legacy/'). */
  readonly prefix?: BytesLike;
  /** Entries per atomic batch. Default 1000; a batch is also cut at 4 MiB. */
  readonly batchSize?: number;
  /** Durability of each batch but the last, which is always 'sync'. Default 'relaxed'. */
  readonly durability?: Durability;
  readonly onProgress?: (progress: ImportProgress) => void;
  readonly signal?: AbortSignal;
}

/** What an import wrote. */
export interface ImportResult {
  readonly entries: number;
  readonly bytes: number;
}

const BATCH_BYTES = 4 * 1024 * 1024;

/** Checked import options. */
export interface CheckedImport {
  readonly prefix: Uint8Array;
  readonly batchSize: number;
  readonly durability: Durability;
  readonly onProgress: ((progress: ImportProgress) => void) | undefined;
  readonly signal: AbortSignal | undefined;
}

export function checkImportOptions(options: unknown): CheckedImport {
  const opts = mustOptions<ImportOptions>('options', options);
  return {
    prefix: opts.prefix === undefined ? new Uint8Array(0) : toValue(opts.prefix, 'options.prefix'),
    batchSize: opts.batchSize === undefined ? 1000 : mustInteger('options.batchSize', opts.batchSize, 1, 1_000_000),
    durability: toDurability(opts.durability, 'relaxed'),
    onProgress: mustCallback<(progress: ImportProgress) => void>('options.onProgress', opts.onProgress),
    signal: mustSignal('options.signal', opts.signal),
  };
}

/** A keyspace to import into (a Store, or `store.keyspace(ns)`). */
export function mustTarget(target: unknown): Keyspace {
  if (!(target instanceof Keyspace)) throw new InvalidArgumentError('target', 'a Store or keyspace', target);
  return target;
}

/** Groups entries into batches on `target`. */
export class BatchWriter {
  readonly #target: Keyspace;
  readonly #options: CheckedImport;
  readonly #totalBytes: number | undefined;
  #ops: BatchOperation[] = [];
  #pendingBytes = 0;
  #entries = 0;
  #bytes = 0;

  constructor(target: Keyspace, options: CheckedImport, totalBytes?: number) {
    this.#target = target;
    this.#options = options;
    this.#totalBytes = totalBytes;
    throwIfAborted(options.signal);
  }

  /** Queues one entry; `sourceBytes` is how much of the source it used (for progress). */
  async add(key: Uint8Array, value: Uint8Array, sourceBytes: number, where: string): Promise<void> {
    const prefixed = this.#options.prefix.length === 0 ? key : concatBytes(this.#options.prefix, key);
    if (prefixed.length === 0) throw new InvalidArgumentError(`${where}.key`, 'a non-empty key', 'empty');
    this.#ops.push({ type: 'put', key: prefixed, value });
    this.#pendingBytes += prefixed.length + value.length;
    this.#bytes += sourceBytes;
    if (this.#ops.length >= this.#options.batchSize || this.#pendingBytes >= BATCH_BYTES) await this.#write(this.#options.durability);
  }

  /** Counts source bytes that held no entry (blank lines), for progress. */
  skip(sourceBytes: number): void {
    this.#bytes += sourceBytes;
  }

  /** Writes the last batch durably and returns the totals. */
  async finish(): Promise<ImportResult> {
    await this.#write('sync');
    return { entries: this.#entries, bytes: this.#bytes };
  }

  async #write(durability: Durability): Promise<void> {
    throwIfAborted(this.#options.signal);
    const ops = this.#ops;
    if (ops.length === 0) return;
    this.#ops = [];
    this.#pendingBytes = 0;
    await this.#target.batch(ops, { durability });
    this.#entries += ops.length;
    const progress = { entries: this.#entries, bytes: this.#bytes };
    this.#options.onProgress?.(this.#totalBytes === undefined ? progress : { ...progress, totalBytes: this.#totalBytes });
  }
}
