/**
 * Bloom filter per run, so a point lookup skips runs that cannot hold the
 * key without fetching and decrypting a block. 10 bits per key and 7
 * probes give about 1% false positives. Stored inside the sealed run index,
 * so it reveals nothing on disk. Hashes are FNV-1a variants: not
 * cryptographic, and they need not be (the filter never leaves memory in
 * the clear).
 */

const BITS_PER_KEY = 10;
const PROBES = 7;

function hashes(key: Uint8Array): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const b = key[i] as number;
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 ^ b, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return [h1 >>> 0, (h2 | 1) >>> 0];
}

/** Builds a filter sized for `count` keys. */
export class BloomBuilder {
  readonly #bits: Uint8Array;
  readonly #size: number;
  constructor(count: number) {
    // Whole bytes: readers derive the size from the byte length, so both sides must agree.
    const bytes = Math.ceil(Math.max(64, count * BITS_PER_KEY) / 8);
    this.#size = bytes * 8;
    this.#bits = new Uint8Array(bytes);
  }
  add(key: Uint8Array): void {
    const [h1, h2] = hashes(key);
    for (let i = 0; i < PROBES; i++) {
      // >>> 0: Math.imul is signed; a negative index would be silently dropped by the typed array.
      const bit = ((h1 + Math.imul(i, h2)) >>> 0) % this.#size;
      this.#bits[bit >>> 3] = (this.#bits[bit >>> 3] as number) | (1 << (bit & 7));
    }
  }
  finish(): Uint8Array {
    return this.#bits;
  }
}

/** True if `key` may be in the set; false means certainly not. */
export function bloomMayContain(bits: Uint8Array, key: Uint8Array): boolean {
  const size = bits.length * 8;
  if (size === 0) return true;
  const [h1, h2] = hashes(key);
  for (let i = 0; i < PROBES; i++) {
    const bit = ((h1 + Math.imul(i, h2)) >>> 0) % size;
    if (((bits[bit >>> 3] as number) & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}
