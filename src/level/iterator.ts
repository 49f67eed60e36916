/**
 * The three Level iterator kinds over one `Cursor` (cursor.ts): entries,
 * keys, values. AbstractIterator and friends do the validation, limit
 * accounting (`count`/`limit`), busy and closed checks, decoding and the
 * async-iterator protocol; these classes only translate:
 *
 * | private method | does                                        |
 * |----------------|---------------------------------------------|
 * | `_next()`      | one item, or undefined at the end            |
 * | `_nextv(n)`    | up to n items; [] at the end                 |
 * | `_all()`       | the rest, at most `limit - count` items      |
 * | `_seek(t)`     | re-scan the pinned view from encoded `t`     |
 * | `_close()`     | end the scan, release the implicit snapshot  |
 *
 * Keys and values are fresh copies from the engine, so they are handed to
 * the decoder as they are.
 */
import { AbstractIterator, AbstractKeyIterator, AbstractValueIterator } from 'abstract-level';
import type { Cursor, Entry } from './cursor.ts';

/** Any Level database: the iterators only hand it back as `iterator.db`. */
type Db = object;

const keyOf = (entry: Entry): Uint8Array => entry[0];
const valueOf = (entry: Entry): Uint8Array => entry[1];

/** Entries `[key, value]`. */
export class SynapsedIterator extends AbstractIterator<Db, unknown, unknown> {
  readonly #cursor: Cursor;
  constructor(db: Db, options: object, cursor: Cursor) {
    super(db, options);
    this.#cursor = cursor;
  }
  async _next(): Promise<Entry | undefined> {
    return (await this.#cursor.take(1))[0];
  }
  async _nextv(size: number): Promise<Entry[]> {
    return this.#cursor.take(size);
  }
  async _all(): Promise<Entry[]> {
    return this.#cursor.take(this.limit - this.count);
  }
  _seek(target: Uint8Array): void {
    this.#cursor.seek(target);
  }
  async _close(): Promise<void> {
    await this.#cursor.close();
  }
}

/** Keys only. */
export class SynapsedKeyIterator extends AbstractKeyIterator<Db, unknown> {
  readonly #cursor: Cursor;
  constructor(db: Db, options: object, cursor: Cursor) {
    super(db, options);
    this.#cursor = cursor;
  }
  async _next(): Promise<Uint8Array | undefined> {
    const entry = (await this.#cursor.take(1))[0];
    return entry === undefined ? undefined : entry[0];
  }
  async _nextv(size: number): Promise<Uint8Array[]> {
    return (await this.#cursor.take(size)).map(keyOf);
  }
  async _all(): Promise<Uint8Array[]> {
    return (await this.#cursor.take(this.limit - this.count)).map(keyOf);
  }
  _seek(target: Uint8Array): void {
    this.#cursor.seek(target);
  }
  async _close(): Promise<void> {
    await this.#cursor.close();
  }
}

/** Values only. */
export class SynapsedValueIterator extends AbstractValueIterator<Db, unknown, unknown> {
  readonly #cursor: Cursor;
  constructor(db: Db, options: object, cursor: Cursor) {
    super(db, options);
    this.#cursor = cursor;
  }
  async _next(): Promise<Uint8Array | undefined> {
    const entry = (await this.#cursor.take(1))[0];
    return entry === undefined ? undefined : entry[1];
  }
  async _nextv(size: number): Promise<Uint8Array[]> {
    return (await this.#cursor.take(size)).map(valueOf);
  }
  async _all(): Promise<Uint8Array[]> {
    return (await this.#cursor.take(this.limit - this.count)).map(valueOf);
  }
  _seek(target: Uint8Array): void {
    this.#cursor.seek(target);
  }
  async _close(): Promise<void> {
    await this.#cursor.close();
  }
}
