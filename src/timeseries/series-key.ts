/**
 * Series keys: where a time series keeps its records inside the engine's
 * TIMESERIES keyspace (engine/input.ts NAMESPACE.TIMESERIES, byte 0x20,
 * added by the engine in front of every key below).
 *
 * | key                                                   | value                   |
 * |-------------------------------------------------------|-------------------------|
 * | 0x01, esc(name)                                       | meta (below)            |
 * | 0x02, esc(name), esc(series), u64be(bucket start ms)  | bucket (bucket.ts)      |
 *
 * esc(s): the UTF-8 bytes of `s` with every 0x00 written as 0x00 0x01, then
 * the terminator 0x00 0x00. The terminator sorts below every continuation
 * (a plain byte is > 0x00; an escaped NUL is 0x00 0x01 > 0x00 0x00), so
 * esc(a) || x < esc(b) || y whenever a < b in UTF-8 byte order, whatever
 * follows: byte order of keys is (name, series, bucket start) order, and a
 * name's or series' keys never interleave with another's. Bucket starts
 * are integers in [0, 2^53), big-endian so they sort as numbers.
 *
 * Meta value: | 1 byte format (META_V1) | varint bucket span in ms |.
 * The span is fixed when a time series is first opened; everything else
 * (retention, clock) is a property of the open handle, not of the data.
 *
 * Keys name series in plaintext only inside the engine; every engine
 * record is sealed, so nothing here reaches the disk readable.
 */
import { IntegrityError } from '../errors.ts';
import { fromUtf8, readU32, writeU32 } from '../util/bytes.ts';

/** Key family bytes (the first byte of a key in the TIMESERIES keyspace). Never renumber. */
export const FAMILY = {
  /** One record per time series name: its bucket span. */
  META: 0x01,
  /** One record per (name, series, bucket start): packed points. */
  BUCKET: 0x02,
} as const;

/** Version of the meta value. */
export const META_V1 = 1 as const;

/** Bytes of esc(s): the escaped UTF-8 of `s` and its terminator. */
export function escapeBytes(raw: Uint8Array): Uint8Array {
  let zeros = 0;
  for (let i = 0; i < raw.length; i++) if (raw[i] === 0) zeros++;
  const out = new Uint8Array(raw.length + zeros + 2);
  let p = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i] as number;
    out[p++] = b;
    if (b === 0) out[p++] = 1;
  }
  // The last two bytes stay 0x00 0x00: the terminator.
  return out;
}

/**
 * Reads esc(s) starting at `offset`: the string and the offset just past
 * its terminator.
 * @throws {IntegrityError} no terminator or a bad escape (only a bug or a foreign record can cause it).
 */
export function readEscaped(key: Uint8Array, offset: number): { text: string; end: number } {
  const raw: number[] = [];
  let p = offset;
  while (p < key.length) {
    const b = key[p++] as number;
    if (b !== 0) {
      raw.push(b);
      continue;
    }
    const next = key[p++];
    if (next === 0) return { text: fromUtf8(new Uint8Array(raw)), end: p };
    if (next !== 1) break;
    raw.push(0);
  }
  throw new IntegrityError('page', 'timeseries key', 'malformed escaped string');
}

/** The meta key of a time series (esc(name) given). */
export function metaKey(name: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + name.length);
  out[0] = FAMILY.META;
  out.set(name, 1);
  return out;
}

/** The prefix of every bucket of a time series: 0x02, esc(name). */
export function namePrefix(name: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + name.length);
  out[0] = FAMILY.BUCKET;
  out.set(name, 1);
  return out;
}

/** The prefix of every bucket of one series: 0x02, esc(name), esc(series). */
export function seriesPrefix(names: Uint8Array, series: Uint8Array): Uint8Array {
  const out = new Uint8Array(names.length + series.length);
  out.set(names, 0);
  out.set(series, names.length);
  return out;
}

/** The key of the bucket starting at `start` (0 <= start <= 2^53) of a series. */
export function bucketKey(prefix: Uint8Array, start: number): Uint8Array {
  const out = new Uint8Array(prefix.length + 8);
  out.set(prefix, 0);
  writeU32(out, prefix.length, Math.floor(start / 0x1_0000_0000));
  writeU32(out, prefix.length + 4, start % 0x1_0000_0000);
  return out;
}

/** The bucket start (ms) of a bucket key: its last 8 bytes. */
export function bucketStartOf(key: Uint8Array): number {
  const at = key.length - 8;
  return readU32(key, at) * 0x1_0000_0000 + readU32(key, at + 4);
}

/** The meta value: format byte and bucket span. */
export function encodeMeta(spanMs: number): Uint8Array {
  const out = new Uint8Array(1 + 8);
  out[0] = META_V1;
  let p = 1;
  let v = spanMs;
  while (v >= 0x80) {
    out[p++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[p++] = v;
  return out.slice(0, p);
}

/**
 * The bucket span stored in a meta value.
 * @throws {IntegrityError} unknown meta version or malformed value.
 */
export function decodeMeta(value: Uint8Array): number {
  if (value[0] !== META_V1) throw new IntegrityError('page', 'timeseries meta', `unknown record version ${String(value[0])}`);
  let span = 0;
  let scale = 1;
  for (let p = 1; p < value.length && p < 9; p++) {
    const b = value[p] as number;
    span += (b & 0x7f) * scale;
    scale *= 0x80;
    if (b < 0x80) {
      if (p !== value.length - 1 || !Number.isSafeInteger(span) || span < 1) break;
      return span;
    }
  }
  throw new IntegrityError('page', 'timeseries meta', 'malformed');
}
