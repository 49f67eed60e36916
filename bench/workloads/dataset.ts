/**
 * The benchmark data set: N records of 16-byte keys and 100-byte random
 * values, computed from (seed, index) instead of stored, so the data set
 * adds almost nothing to the peak RSS measured per target.
 *
 * | key bytes | content                                             |
 * |-----------|-----------------------------------------------------|
 * | 0-3       | fmix32(index ^ seed mix), big-endian: a bijection,  |
 * |           | so keys are unique and their order is random        |
 * | 4-15      | counter hash of (seed, index, word)                 |
 *
 * A value is a 100-byte window of a 16 MiB random pool at a hashed
 * offset (a view, not a copy): random, so no engine gains from compression
 * (two windows in one 64 KiB block rarely overlap), and cheap enough
 * (about 0.15 µs per record with the key) to compute inside the timing.
 * Inserting index 0, 1, 2, ... therefore inserts keys in random order.
 * `sortedIndex(rank)` gives the record at a key-order rank, for scans.
 * Invariants: the same (n, seed) always gives the same bytes; n <= 2^21
 * (the sort packs (prefix, index) into one exact float64).
 */

export const KEY_BYTES = 16;
export const VALUE_BYTES = 100;
const MAX_N = 2 ** 21;
const POOL_BYTES = 16 * 1024 * 1024;

/** MurmurHash3's finalizer: a bijection on 32-bit integers. */
function fmix32(input: number): number {
  let h = input >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** sfc32, a small fast PRNG with 128 bits of state; `next()` gives a u32. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(...seeds: number[]) {
    this.#a = fmix32((seeds[0] ?? 0) ^ 0x9e3779b9);
    this.#b = fmix32((seeds[1] ?? 0) ^ 0x243f6a88);
    this.#c = fmix32((seeds[2] ?? 0) ^ 0xb7e15162);
    this.#d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A uniform integer in [0, bound). */
  below(bound: number): number {
    return Math.floor((this.next() / 2 ** 32) * bound);
  }
}

export class Dataset {
  readonly n: number;
  readonly seed: number;
  readonly #mix: number;
  #sorted: Uint32Array | undefined;
  readonly #pool: Uint8Array;

  constructor(n: number, seed: number) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_N) throw new RangeError(`n must be an integer from 1 to ${MAX_N}`);
    this.n = n;
    this.seed = seed >>> 0;
    this.#mix = fmix32(this.seed ^ 0x5bd1e995);
    this.#pool = new Uint8Array(POOL_BYTES);
    this.#fill(this.#pool, 0, 0, 0x2f0c3a27);
  }

  #prefix(index: number): number {
    return fmix32(index ^ this.#mix);
  }

  /** The key of record `index` (a fresh array). */
  key(index: number): Uint8Array {
    const out = new Uint8Array(KEY_BYTES);
    const prefix = this.#prefix(index);
    out[0] = prefix >>> 24;
    out[1] = (prefix >>> 16) & 0xff;
    out[2] = (prefix >>> 8) & 0xff;
    out[3] = prefix & 0xff;
    this.#fill(out, 4, index, 0x6b43a9b5);
    return out;
  }

  /** The value of record `index`: a read-only view (callers copy it if they keep it). */
  value(index: number): Uint8Array {
    const offset = fmix32(fmix32(index ^ 0x2f0c3a27) ^ this.#mix) % (POOL_BYTES - VALUE_BYTES);
    return this.#pool.subarray(offset, offset + VALUE_BYTES);
  }

  /** Fills `out[from..]` (a multiple of 4 long) with fmix32(base + word * golden), base from (seed, index, stream). */
  #fill(out: Uint8Array, from: number, index: number, stream: number): void {
    const base = fmix32(fmix32(index ^ stream) ^ this.#mix);
    for (let i = from, w = 1; i < out.length; i += 4, w++) {
      const x = fmix32((base + Math.imul(w, 0x9e3779b9)) | 0);
      out[i] = x >>> 24;
      out[i + 1] = x >>> 16;
      out[i + 2] = x >>> 8;
      out[i + 3] = x;
    }
  }

  /** The index of the record at key-order `rank` (0 = smallest key). */
  sortedIndex(rank: number): number {
    if (this.#sorted === undefined) {
      // prefix * 2^21 + index is exact in a float64 and sorts by key, since prefixes are unique.
      const packed = new Float64Array(this.n);
      for (let i = 0; i < this.n; i++) packed[i] = this.#prefix(i) * MAX_N + i;
      packed.sort();
      this.#sorted = new Uint32Array(this.n);
      for (let r = 0; r < this.n; r++) this.#sorted[r] = (packed[r] as number) % MAX_N;
    }
    return this.#sorted[rank] as number;
  }
}

/** True when both arrays hold the same bytes. */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
