/**
 * Block: a sorted slice of one run's entries, sealed as one record.
 *
 * Plaintext: entry count varint, then entries (engine/codec.ts):
 * flags u8 | key chunk | value chunk (put) or u32 large-value number (large)
 * or nothing (delete). Decoded blocks keep views into the decrypted buffer,
 * so decoding allocates one array per field, not one buffer per entry.
 */
import { DecodeError, FLAG_DELETE, FLAG_LARGE, FLAG_PUT, Reader, Writer } from './codec.ts';

/** A value in a run: bytes, a delete, or a reference to a large-value record. */
export type StoredValue = Uint8Array | null | LargeRef;

/** Points at `V run n`. */
export class LargeRef {
  readonly n: number;
  constructor(n: number) {
    this.n = n;
  }
}

/** A decoded block. */
export interface Block {
  readonly keys: Uint8Array[];
  readonly values: StoredValue[];
  /** Plaintext bytes, for cache accounting. */
  readonly bytes: number;
}

/** Encodes block entries. */
export class BlockEncoder {
  #writer = new Writer(4096);
  #count = 0;
  #body = new Writer(4096);

  get count(): number {
    return this.#count;
  }
  /** Approximate plaintext size so far. */
  get size(): number {
    return this.#body.length + 5;
  }
  add(key: Uint8Array, value: StoredValue): void {
    const body = this.#body;
    if (value === null) {
      body.byte(FLAG_DELETE);
      body.chunk(key);
    } else if (value instanceof LargeRef) {
      body.byte(FLAG_LARGE);
      body.chunk(key);
      body.u32(value.n);
    } else {
      body.byte(FLAG_PUT);
      body.chunk(key);
      body.chunk(value);
    }
    this.#count++;
  }
  /** The block plaintext; resets the encoder. */
  finish(): Uint8Array {
    const writer = this.#writer;
    writer.varint(this.#count);
    writer.bytes(this.#body.finish());
    const out = writer.finish().slice();
    this.#writer = new Writer(4096);
    this.#body = new Writer(4096);
    this.#count = 0;
    return out;
  }
}

/** Decodes a block plaintext. @throws {DecodeError} if malformed. */
export function decodeBlock(plain: Uint8Array): Block {
  const reader = new Reader(plain);
  const count = reader.varint();
  if (count > plain.length) throw new DecodeError('entry count exceeds block size');
  const keys: Uint8Array[] = new Array(count);
  const values: StoredValue[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const flags = reader.byte();
    keys[i] = reader.chunk();
    if (flags === FLAG_PUT) values[i] = reader.chunk();
    else if (flags === FLAG_DELETE) values[i] = null;
    else if (flags === FLAG_LARGE) values[i] = new LargeRef(reader.u32());
    else throw new DecodeError(`unknown entry flags ${flags}`);
  }
  if (!reader.done) throw new DecodeError('trailing bytes');
  // Heap cost, for the cache bound: the plaintext plus about 100 bytes per key and value view.
  return { keys, values, bytes: plain.length + count * 200 };
}
