/**
 * Binary encoding of entries, shared by WAL records and blocks.
 *
 * Entry: flags u8 | key length varint | key | [value length varint | value]
 *   flags 0 = put (value follows), 1 = delete (no value),
 *         2 = put whose value lives in a large-value record (value = u32 ref).
 * Varints are unsigned LEB128, at most 5 bytes (values < 2^32).
 *
 * A `Writer` grows one buffer (amortized doubling) so encoding a commit or a
 * block allocates O(log n) times, not per entry. The reader validates every
 * length against the buffer and throws `DecodeError` on malformed input;
 * callers turn it into the `IntegrityError` that names the record (only
 * authenticated plaintext reaches here, so this guards against our own bugs
 * and future format changes, not attackers).
 */

export const FLAG_PUT = 0;
export const FLAG_DELETE = 1;
export const FLAG_LARGE = 2;

/** Malformed encoded data. */
export class DecodeError extends Error {}

/** Appends bytes to a growing buffer. */
export class Writer {
  #buffer: Uint8Array;
  #length = 0;
  constructor(capacity = 256) {
    this.#buffer = new Uint8Array(capacity);
  }
  get length(): number {
    return this.#length;
  }
  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = next;
  }
  byte(value: number): void {
    this.#reserve(1);
    this.#buffer[this.#length++] = value;
  }
  varint(value: number): void {
    this.#reserve(5);
    let v = value >>> 0;
    while (v >= 0x80) {
      this.#buffer[this.#length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.#buffer[this.#length++] = v;
  }
  u32(value: number): void {
    this.#reserve(4);
    const b = this.#buffer;
    b[this.#length++] = value >>> 24;
    b[this.#length++] = (value >>> 16) & 0xff;
    b[this.#length++] = (value >>> 8) & 0xff;
    b[this.#length++] = value & 0xff;
  }
  bytes(data: Uint8Array): void {
    this.#reserve(data.length);
    this.#buffer.set(data, this.#length);
    this.#length += data.length;
  }
  /** Length-prefixed bytes. */
  chunk(data: Uint8Array): void {
    this.varint(data.length);
    this.bytes(data);
  }
  /** The written bytes (a view; the writer must not be reused after). */
  finish(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }
}

/** Reads what `Writer` wrote, checking bounds. Returned byte arrays are views. */
export class Reader {
  readonly #buffer: Uint8Array;
  #offset: number;
  constructor(buffer: Uint8Array, offset = 0) {
    this.#buffer = buffer;
    this.#offset = offset;
  }
  get done(): boolean {
    return this.#offset >= this.#buffer.length;
  }
  byte(): number {
    if (this.#offset >= this.#buffer.length) throw new DecodeError('unexpected end');
    return this.#buffer[this.#offset++] as number;
  }
  varint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (result > 0xffffffff) throw new DecodeError('varint overflow');
        return result;
      }
    }
    throw new DecodeError('varint too long');
  }
  u32(): number {
    if (this.#offset + 4 > this.#buffer.length) throw new DecodeError('unexpected end');
    const b = this.#buffer;
    const o = this.#offset;
    this.#offset += 4;
    return (((b[o] as number) << 24) >>> 0) + ((b[o + 1] as number) << 16) + ((b[o + 2] as number) << 8) + (b[o + 3] as number);
  }
  bytes(length: number): Uint8Array {
    if (this.#offset + length > this.#buffer.length) throw new DecodeError('unexpected end');
    const out = this.#buffer.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return out;
  }
  chunk(): Uint8Array {
    return this.bytes(this.varint());
  }
}
