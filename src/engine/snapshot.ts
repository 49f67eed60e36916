/**
 * Snapshot: a read-only, consistent view of the store at one moment.
 * Reads never see later commits. Holding a snapshot keeps the runs it
 * reads from alive (deleted only after `close`), so close it when done;
 * closing the store closes every snapshot. `keyspace(ns)` reads another
 * namespace of the same moment; closing any view closes them all.
 */
import { ClosedError, InvalidArgumentError, UnlockRequiredError } from '../errors.ts';
import type { Engine, View } from './engine.ts';
import { NAMESPACE, isEmptyRange, mustNamespace, toKey, toRange, userKey, type BytesLike, type Namespace, type ScanOptions } from './input.ts';

interface Pin {
  readonly engine: Engine;
  readonly view: View;
  readonly release: boolean;
  readonly name: string | undefined;
}

export class Snapshot implements AsyncDisposable {
  readonly #pin: Pin;
  readonly #ns: Namespace;

  private constructor(pin: Pin, ns: Namespace) {
    this.#pin = pin;
    this.#ns = ns;
  }

  /** @internal A snapshot over a pinned view, released by `close`. */
  static pinned(engine: Engine, view: View, ns: Namespace = NAMESPACE.USER, name?: string): Snapshot {
    return new Snapshot({ engine, view, release: true, name }, ns);
  }

  /** The commit sequence this snapshot reads at. */
  get seq(): number {
    return this.#pin.view.seq;
  }
  /** The name, for a named snapshot. */
  get name(): string | undefined {
    return this.#pin.name;
  }

  /** The same moment, another namespace (for layers built on the engine). */
  keyspace(ns: Namespace): Snapshot {
    return new Snapshot(this.#pin, mustNamespace(ns));
  }

  #check(): void {
    // A lock (storage.ts lock/autoLock) closes every snapshot: say so rather than "closed".
    const locked = this.#pin.engine.locked;
    if (locked !== undefined && !this.#pin.engine.closed) throw new UnlockRequiredError(locked);
    if (this.#pin.view.released || this.#pin.engine.closed) {
      throw new ClosedError(this.#pin.name === undefined ? 'snapshot' : `snapshot '${this.#pin.name}'`);
    }
  }

  /** @throws {ClosedError} after close. */
  async get(key: BytesLike): Promise<Uint8Array | undefined> {
    return this.getSync(key);
  }

  /** The value under `key`, synchronously. @throws {ClosedError} after close. */
  getSync(key: BytesLike): Uint8Array | undefined {
    const k = toKey(key, 'key', this.#ns);
    this.#check();
    return this.#pin.engine.get(this.#pin.view, k);
  }

  async getMany(keys: readonly BytesLike[]): Promise<Array<Uint8Array | undefined>> {
    if (!Array.isArray(keys)) throw new InvalidArgumentError('keys', 'an array of keys', keys);
    const ks = keys.map((k, i) => toKey(k, `keys[${i}]`, this.#ns));
    this.#check();
    return ks.map((k) => this.#pin.engine.get(this.#pin.view, k));
  }

  async has(key: BytesLike): Promise<boolean> {
    return this.getSync(key) !== undefined;
  }

  /** Entries in key order (see `ScanOptions`). */
  async *scan(options?: ScanOptions): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const { range, limit } = toRange(options, this.#ns);
    this.#check();
    if (limit === 0 || isEmptyRange(range)) return;
    let n = 0;
    for (const [key, value] of this.#pin.engine.scan(this.#pin.view, range)) {
      yield [userKey(key), value];
      this.#check();
      if (++n >= limit) return;
    }
  }

  /** Releases the snapshot. Idempotent. Named snapshots stay stored (delete them with `store.snapshots.delete`). */
  async close(): Promise<void> {
    if (this.#pin.release) this.#pin.engine.release(this.#pin.view);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
