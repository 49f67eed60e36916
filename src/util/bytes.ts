/**
 * Byte helpers used across layers: UTF-8, concatenation, comparison and
 * fixed-width big-endian integers. Pure, no I/O, no allocation beyond the
 * result. Big-endian so that encoded integers sort like the numbers.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 encodes a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8; throws TypeError on invalid sequences. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Concatenates byte arrays into a new one. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

/** Concatenates a list of byte arrays of any length (no argument-count limit, unlike a spread). */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Lexicographic byte order: negative, zero or positive, like `memcmp`. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Byte equality. Not constant-time: use only on public data. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

/** Lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses lowercase or uppercase hex; throws TypeError on odd length or bad digits. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError('invalid hex');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Writes `value` (0 <= value < 2^32) big-endian at `offset`. */
export function writeU32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = (value >>> 16) & 0xff;
  out[offset + 2] = (value >>> 8) & 0xff;
  out[offset + 3] = value & 0xff;
}

/** Reads a big-endian u32 at `offset`. Caller checks bounds. */
export function readU32(bytes: Uint8Array, offset: number): number {
  return (
    (((bytes[offset] as number) << 24) >>> 0) +
    ((bytes[offset + 1] as number) << 16) +
    ((bytes[offset + 2] as number) << 8) +
    (bytes[offset + 3] as number)
  );
}

/** Writes `value` (0 <= value < 2^64) big-endian at `offset`. */
export function writeU64(out: Uint8Array, offset: number, value: bigint): void {
  writeU32(out, offset, Number(value >> 32n));
  writeU32(out, offset + 4, Number(value & 0xffffffffn));
}

/** Reads a big-endian u64 at `offset`. Caller checks bounds. */
export function readU64(bytes: Uint8Array, offset: number): bigint {
  return (BigInt(readU32(bytes, offset)) << 32n) | BigInt(readU32(bytes, offset + 4));
}

/** Writes a safe integer (0 <= value < 2^53) as a big-endian u64, without BigInt (hot paths). */
export function writeSafeU64(out: Uint8Array, offset: number, value: number): void {
  writeU32(out, offset, Math.floor(value / 0x100000000));
  writeU32(out, offset + 4, value >>> 0);
}

/** A safe integer as 8 big-endian bytes. */
export function safeU64Bytes(value: number): Uint8Array {
  const out = new Uint8Array(8);
  writeSafeU64(out, 0, value);
  return out;
}

/** A u32 as 4 big-endian bytes. */
export function u32Bytes(value: number): Uint8Array {
  const out = new Uint8Array(4);
  writeU32(out, 0, value);
  return out;
}

/** A u64 as 8 big-endian bytes. */
export function u64Bytes(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  writeU64(out, 0, value);
  return out;
}
