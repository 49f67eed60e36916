/**
 * LRU cache of decrypted, decoded blocks, bounded by plaintext bytes.
 *
 * Blocks are immutable (a run is never rewritten in place except by key
 * rotation, which re-seals identical plaintext), so entries never go stale;
 * a dropped run's blocks simply age out, or are evicted by `dropRun`.
 * A Map keeps insertion order: a hit re-inserts the entry at the end, and
 * eviction takes from the front.
 */
import type { Block } from './block.ts';

export class BlockCache {
  readonly #map = new Map<number, Block>();
  readonly #capacity: number;
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(capacityBytes: number) {
    this.#capacity = capacityBytes;
  }

  /** Cache key: run and block packed in one float64-safe integer. */
  static id(run: number, block: number): number {
    return run * 0x100000000 + block;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(id: number): Block | undefined {
    const block = this.#map.get(id);
    if (block === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.#map.delete(id);
    this.#map.set(id, block);
    return block;
  }

  set(id: number, block: Block): void {
    const previous = this.#map.get(id);
    if (previous !== undefined) {
      this.#bytes -= previous.bytes;
      this.#map.delete(id);
    }
    if (block.bytes > this.#capacity) return;
    this.#map.set(id, block);
    this.#bytes += block.bytes;
    for (const [key, old] of this.#map) {
      if (this.#bytes <= this.#capacity) break;
      this.#map.delete(key);
      this.#bytes -= old.bytes;
    }
  }

  /** Forgets every block of a run (after the run is deleted). */
  dropRun(run: number, blocks: number): void {
    for (let b = 0; b < blocks; b++) {
      const id = BlockCache.id(run, b);
      const block = this.#map.get(id);
      if (block === undefined) continue;
      this.#map.delete(id);
      this.#bytes -= block.bytes;
    }
  }

  clear(): void {
    this.#map.clear();
    this.#bytes = 0;
  }
}
