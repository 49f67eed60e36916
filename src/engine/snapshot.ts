/**
 * Snapshot: a read-only, consistent view of the store at one moment.
 * Reads never see later commits. Holding a snapshot keeps the runs it
 * reads from alive (deleted only after `close`), so close it when done;
 * closing the store closes every snapshot.
 */
import { ClosedError, InvalidArgumentError } from '../errors.ts';
import type { Engine, View } from './engine.ts';
import { isEmptyRange, toKey, toRange, type BytesLike, type ScanOptions } from './input.ts';

export class Snapshot implements AsyncDisposable {
  readonly #engine: Engine;
  readonly #view: View;
  readonly #release: boolean;
  readonly #name: string | undefined;

  /** @internal Created by `store.snapshot()` and `store.snapshots.get()`. */
  constructor(engine: Engine, view: View, release: boolean, name?: string) {
    this.#engine = engine;
    this.#view = view;
    this.#release = release;
    this.#name = name;
  }

  /** The commit sequence this snapshot reads at. */
  get seq(): number {
    return this.#view.seq;
  }
  /** The name, for a named snapshot. */
  get name(): string | undefined {
    return this.#name;
  }

  #check(): void {
    if (this.#view.released || this.#engine.closed) throw new ClosedError(this.#name === undefined ? 'snapshot' : `snapshot '${this.#name}'`);
  }

  /** @throws {ClosedError} after close. */
  async get(key: BytesLike): Promise<Uint8Array | undefined> {
    const k = toKey(key);
    this.#check();
    return this.#engine.get(this.#view, k);
  }

  /** The value under `key`, synchronously. @throws {ClosedError} after close. */
  getSync(key: BytesLike): Uint8Array | undefined {
    const k = toKey(key);
    this.#check();
    return this.#engine.get(this.#view, k);
  }

  async getMany(keys: readonly BytesLike[]): Promise<Array<Uint8Array | undefined>> {
    if (!Array.isArray(keys)) throw new InvalidArgumentError('keys', 'an array of keys', keys);
    const ks = keys.map((k, i) => toKey(k, `keys[${i}]`));
    this.#check();
    return ks.map((k) => this.#engine.get(this.#view, k));
  }

  async has(key: BytesLike): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /** Entries in key order (see `ScanOptions`). */
  async *scan(options?: ScanOptions): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const { range, limit } = toRange(options);
    this.#check();
    if (limit === 0 || isEmptyRange(range)) return;
    let n = 0;
    for (const entry of this.#engine.scan(this.#view, range)) {
      yield entry;
      this.#check();
      if (++n >= limit) return;
    }
  }

  /** Releases the snapshot. Idempotent. Named snapshots stay stored (delete them with `store.snapshots.delete`). */
  async close(): Promise<void> {
    if (this.#release) this.#engine.release(this.#view);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
