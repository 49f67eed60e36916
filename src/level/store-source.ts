/**
 * Where a SynapsedLevel gets its Store at each open, and what close does to it.
 *
 * | given                       | open                  | close             |
 * |-----------------------------|-----------------------|-------------------|
 * | a `Store`                   | uses it (borrowed)    | leaves it open    |
 * | a factory -> disk store     | calls the factory     | closes the store  |
 * | a factory -> memory store   | first open only       | leaves it open    |
 *
 * A borrowed store belongs to the caller, who closes it. A disk store is
 * closed with the database so its lock is released, and the next open
 * unlocks it again through the factory. A memory store would lose its data
 * on close, yet Level expects data to survive `close()` + `open()` on the
 * same instance (memory-level keeps its tree; the official suite relies on
 * it), so it lives as long as the SynapsedLevel instance. Sharp edge: it is
 * never closed, so its keys are not wiped; a memory store holds no file or
 * lock, and the garbage collector reclaims it with the instance.
 */
import { InvalidArgumentError } from '../errors.ts';
import { Store } from '../engine/storage.ts';
import type { PrivateOpenOptions } from './private-api.ts';

/** Opens the store for the database; receives Level's open flags so a disk factory may honour them. */
export type StoreFactory = (options: PrivateOpenOptions) => Promise<Store>;

/** True for a memory-only store (its data does not outlive the process). */
export function isMemoryStore(store: Store): boolean {
  return !store.persistent;
}

export class StoreSource {
  readonly #given: Store | StoreFactory;
  #opened: Store | undefined;

  constructor(given: Store | StoreFactory) {
    this.#given = given;
  }

  /** The store to use from now until `release`. @throws what the factory throws. */
  async acquire(options: PrivateOpenOptions): Promise<Store> {
    if (this.#given instanceof Store) return this.#given;
    if (this.#opened !== undefined) return this.#opened;
    const store: unknown = await this.#given(options);
    if (!(store instanceof Store)) throw new InvalidArgumentError('options.store', 'a function resolving to a Store', store);
    this.#opened = store;
    return store;
  }

  /** Ends the current use (see the table above). */
  async release(): Promise<void> {
    const store = this.#opened;
    if (store === undefined || isMemoryStore(store)) return;
    await store.close();
    this.#opened = undefined;
  }
}
