/**
 * Cursor: the engine side of one Level iterator, shared by the entry, key
 * and value iterators (iterator.ts).
 *
 * It reads from one engine `Snapshot` for its whole life: the caller's
 * explicit snapshot, or an implicit one pinned synchronously when the
 * iterator is created (abstract-level's implicit-snapshot rule) and released
 * on close. `seek()` therefore re-scans the same pinned view from the target
 * and never sees later writes.
 *
 * An abort signal is checked between entries, so an aborted read rejects
 * with LEVEL_ABORTED (abstract-level rejects reads started after the abort).
 *
 * Invariants: at most one `take` runs at a time and `seek` is never called
 * during one (AbstractIterator enforces both: LEVEL_ITERATOR_BUSY). A scan
 * replaced by `seek` is finished at the next `take` or `close`, so its
 * failure surfaces there instead of being dropped.
 */
import { AbortedError } from '../errors.ts';
import type { Snapshot } from '../engine/snapshot.ts';
import { toLevelError } from './errors.ts';
import { scanOptionsOf, seekBounds, type Bounds } from './range.ts';

export type Entry = [Uint8Array, Uint8Array];

export class Cursor {
  readonly #source: Snapshot;
  /** The implicit snapshot is ours to release; an explicit one belongs to its owner. */
  readonly #owned: boolean;
  readonly #bounds: Bounds;
  readonly #reverse: boolean;
  readonly #signal: AbortSignal | undefined;
  /** Where the next scan starts; undefined once a seek went out of range. */
  #from: Bounds | undefined;
  #scan: AsyncGenerator<Entry> | undefined;
  #retired: AsyncGenerator<Entry> | undefined;
  #done = false;

  constructor(source: Snapshot, owned: boolean, bounds: Bounds, reverse: boolean, signal: AbortSignal | undefined) {
    this.#source = source;
    this.#owned = owned;
    this.#bounds = bounds;
    this.#reverse = reverse;
    this.#signal = signal;
    this.#from = bounds;
  }

  /** Up to `max` next entries (fewer only at the end of the range). */
  async take(max: number): Promise<Entry[]> {
    const out: Entry[] = [];
    try {
      await this.#finishRetired();
      if (this.#done || this.#from === undefined) return out;
      this.#scan ??= this.#source.scan(scanOptionsOf(this.#from, this.#reverse));
      while (out.length < max) {
        const step = await this.#scan.next();
        if (this.#signal?.aborted === true) throw new AbortedError({ cause: this.#signal.reason });
        if (step.done === true) {
          this.#done = true;
          break;
        }
        out.push(step.value);
      }
      return out;
    } catch (error) {
      throw toLevelError(error);
    }
  }

  /** Restarts at `target` (encoded), within the original range. */
  seek(target: Uint8Array): void {
    this.#retired ??= this.#scan;
    this.#scan = undefined;
    this.#done = false;
    this.#from = seekBounds(this.#bounds, target, this.#reverse);
  }

  /** Ends the scan and releases the implicit snapshot. Called once (AbstractIterator). */
  async close(): Promise<void> {
    try {
      await this.#finishRetired();
      await this.#scan?.return(undefined);
    } finally {
      this.#scan = undefined;
      if (this.#owned) await this.#source.close();
    }
  }

  async #finishRetired(): Promise<void> {
    const retired = this.#retired;
    this.#retired = undefined;
    await retired?.return(undefined);
  }
}
