/**
 * Randomness source, injectable so tests can make runs repeatable and prove
 * that a broken generator is caught (a constant RNG must trip nonce checks).
 *
 * The default draws from the operating system CSPRNG through a small pool:
 * refilling 4 KiB at a time makes a 24-byte nonce cost a copy instead of a
 * system call. Bytes handed out are never handed out again.
 */
import { randomFillSync } from 'node:crypto';

/** Returns `length` fresh random bytes. */
export type Random = (length: number) => Uint8Array;

const POOL_SIZE = 4096;

/** A pooled reader of the OS CSPRNG. */
export class SystemRandom {
  readonly #pool = new Uint8Array(POOL_SIZE);
  #offset = POOL_SIZE;

  /** Fresh random bytes; requests above a quarter of the pool bypass it. */
  readonly bytes: Random = (length: number): Uint8Array => {
    if (length > POOL_SIZE / 4) return randomFillSync(new Uint8Array(length));
    if (this.#offset + length > POOL_SIZE) {
      randomFillSync(this.#pool);
      this.#offset = 0;
    }
    const out = this.#pool.slice(this.#offset, this.#offset + length);
    // Wipe what was handed out so the pool never holds a copy of a live key.
    this.#pool.fill(0, this.#offset, this.#offset + length);
    this.#offset += length;
    return out;
  };
}

/** The default source: the OS CSPRNG. */
export const systemRandom: Random = new SystemRandom().bytes;
