/**
 * Bucket codec: the points of one series within one bucket span, packed
 * into one engine value (the engine seals it; nothing here encrypts).
 *
 * | bytes     | field                                                        |
 * |-----------|--------------------------------------------------------------|
 * | 1         | bucket format (BUCKET_V1)                                    |
 * | varint    | n, the number of points (>= 1)                               |
 * | varint    | t of the last point - bucket start                           |
 * | 8         | value of the last point (float64, big-endian)                |
 * | n times:  | one point, in strictly increasing t:                         |
 * |   varint  |   t delta: t0 - bucket start, then t(i) - t(i-1) (>= 1)      |
 * |   1       |   value tag (below)                                          |
 * |   0 to 8  |   value payload (below)                                      |
 *
 * Each value is coded against the previous one p (p = 0 before the first),
 * by whichever of two schemes is shorter:
 * - XOR (tags 0x00-0x88, high nibble L + low nibble T <= 8): x = bits(v)
 *   XOR bits(p); L and T count x's leading and trailing zero bytes; the
 *   payload is bytes L .. 7-T of x, big-endian. A repeat (x = 0) is the
 *   tag 0x80 with no payload. A byte-wise cousin of Gorilla's encoding.
 * - decimal (tags 0x90-0x96, k = low nibble): v has at most k decimals and
 *   v = (round(p * 10^k) + d) / 10^k exactly (that very float expression,
 *   checked bit for bit at encoding); the payload is d as a zigzag varint.
 *   A reading like 42.17 after 41.9 costs 3 bytes instead of 8 or 9.
 * Varints are unsigned LEB128, up to 8 bytes (t < 2^53).

 * The header repeats the last point so that appending points later than it
 * (the common case) re-encodes nothing: the old body is copied and the new
 * points continue from the header's state (`appendBucket`).
 *
 * Invariant: t strictly increases within a bucket (duplicates were resolved
 * before encoding) and every t is in [start, start + span).
 */
import { IntegrityError } from '../errors.ts';

/** Version of the bucket value. A new layout gets a new byte; old ones stay readable. */
export const BUCKET_V1 = 1 as const;

/** Worst case per point: an 8-byte varint, the tag and 8 value bytes. */
const MAX_POINT_BYTES = 17;
/** Worst case header: format, two 8-byte varints, the value. */
const MAX_HEADER_BYTES = 25;
/** Powers of ten of the decimal scheme, by k. */
const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000] as const;
/** Decimal tags are 0x90 | k. */
const DECIMAL_TAG = 0x90;
/** Decimal deltas stay below this magnitude (5 varint bytes); larger ones go XOR. */
const MAX_DECIMAL_DELTA = 2 ** 34;

/** Decoded points of a bucket, in time order. */
export interface BucketPoints {
  readonly times: Float64Array;
  readonly values: Float64Array;
}

/** The header of an encoded bucket, read without decoding the points. */
export interface BucketHeader {
  readonly count: number;
  /** Absolute time of the last point. */
  readonly lastT: number;
  readonly lastValue: number;
  /** Offset of the first point. */
  readonly body: number;
}

function malformed(start: number, detail: string): IntegrityError {
  return new IntegrityError('page', `timeseries bucket ${start}`, detail);
}

function writeVarint(out: Uint8Array, pos: number, value: number): number {
  let v = value;
  if (v < 0x8000_0000) {
    while (v >= 0x80) {
      out[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
  } else {
    while (v >= 0x80) {
      out[pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
  }
  out[pos++] = v;
  return pos;
}

/** A bounds-checked reader over one bucket value. */
class Reader {
  readonly bytes: Uint8Array;
  readonly start: number;
  pos: number;
  constructor(bytes: Uint8Array, start: number, pos: number) {
    this.bytes = bytes;
    this.start = start;
    this.pos = pos;
  }
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.bytes[this.pos++];
      if (b === undefined) throw malformed(this.start, 'truncated');
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
    throw malformed(this.start, 'varint too long');
  }
  byte(): number {
    const b = this.bytes[this.pos++];
    if (b === undefined) throw malformed(this.start, 'truncated');
    return b;
  }
}

/**
 * Reads the header of `bytes`, a bucket starting at `start`.
 * @throws {IntegrityError} an unknown version or a malformed header.
 */
export function readHeader(start: number, bytes: Uint8Array): BucketHeader {
  if (bytes[0] !== BUCKET_V1) throw malformed(start, `unknown record version ${String(bytes[0])}`);
  const r = new Reader(bytes, start, 1);
  const count = r.varint();
  const lastT = start + r.varint();
  if (count < 1 || r.pos + 8 > bytes.length) throw malformed(start, 'bad header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lastValue = view.getFloat64(r.pos);
  return { count, lastT, lastValue, body: r.pos + 8 };
}

/**
 * Every point of a bucket, in time order.
 * @throws {IntegrityError} an unknown version or a malformed value.
 */
export function decodeBucket(start: number, bytes: Uint8Array): BucketPoints {
  const header = readHeader(start, bytes);
  const n = header.count;
  if (n > bytes.length) throw malformed(start, 'count exceeds size');
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  const scratch = new DataView(new ArrayBuffer(8));
  const r = new Reader(bytes, start, header.body);
  let t = start;
  let hi = 0;
  let lo = 0;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const delta = r.varint();
    if (i > 0 && delta === 0) throw malformed(start, 'duplicate timestamp');
    t += delta;
    times[i] = t;
    const tag = r.byte();
    const lead = tag >>> 4;
    const trail = tag & 0x0f;
    if (lead === DECIMAL_TAG >>> 4 && trail < POW10.length) {
      const z = r.varint();
      const d = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      const scale = POW10[trail] as number;
      const v = (Math.round(prev * scale) + d) / scale;
      scratch.setFloat64(0, v);
      hi = scratch.getUint32(0);
      lo = scratch.getUint32(4);
      values[i] = prev = v;
      continue;
    }
    if (lead + trail > 8) throw malformed(start, 'bad value tag');
    let xh = 0;
    let xl = 0;
    for (let at = lead; at < 8 - trail; at++) {
      const b = r.byte();
      if (at < 4) xh |= b << (24 - 8 * at);
      else xl |= b << (56 - 8 * at);
    }
    hi = (hi ^ xh) >>> 0;
    lo = (lo ^ xl) >>> 0;
    scratch.setUint32(0, hi);
    scratch.setUint32(4, lo);
    values[i] = prev = scratch.getFloat64(0);
  }
  if (r.pos !== bytes.length || t !== header.lastT || !Object.is(values[n - 1], header.lastValue)) {
    throw malformed(start, 'body does not match header');
  }
  return { times, values };
}

/** Bytes of `value` as a varint. */
function varintLength(value: number): number {
  let n = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

/**
 * The decimal code of `v` after `prev`: k in the low bits, and the zigzag
 * delta, or -1 when no k <= 6 reproduces `v` exactly. The check is the
 * decoder's own expression, so decoding gives back the same bits.
 */
function decimalCode(prev: number, v: number, out: { zigzag: number }): number {
  for (let k = 0; k < POW10.length; k++) {
    const scale = POW10[k] as number;
    const scaled = Math.round(v * scale);
    const base = Math.round(prev * scale);
    if (!Number.isSafeInteger(scaled) || !Number.isSafeInteger(base)) return -1;
    const d = scaled - base + 0;
    if (d >= MAX_DECIMAL_DELTA || d <= -MAX_DECIMAL_DELTA) continue;
    if (!Object.is((base + d) / scale, v)) continue;
    out.zigzag = d >= 0 ? d * 2 : -d * 2 - 1;
    return k;
  }
  return -1;
}

/** Appends points [from, to) to `out` at `pos`, continuing from (prevT, previous value). */
function writePoints(out: Uint8Array, pos: number, times: ArrayLike<number>, values: ArrayLike<number>, from: number, to: number, prevT: number, prevValue: number): number {
  const scratch = new DataView(new ArrayBuffer(8));
  const code = { zigzag: 0 };
  scratch.setFloat64(0, prevValue);
  let ph = scratch.getUint32(0);
  let pl = scratch.getUint32(4);
  let prev = prevValue;
  let t0 = prevT;
  for (let i = from; i < to; i++) {
    const t = times[i] as number;
    pos = writeVarint(out, pos, t - t0);
    t0 = t;
    const v = values[i] as number;
    scratch.setFloat64(0, v);
    const hi = scratch.getUint32(0);
    const lo = scratch.getUint32(4);
    const xh = (hi ^ ph) >>> 0;
    const xl = (lo ^ pl) >>> 0;
    const p = prev;
    ph = hi;
    pl = lo;
    prev = v;
    if (xh === 0 && xl === 0) {
      out[pos++] = 0x80;
      continue;
    }
    const lead = xh !== 0 ? Math.clz32(xh) >>> 3 : 4 + (Math.clz32(xl) >>> 3);
    const trail = xl !== 0 ? (31 - Math.clz32(xl & -xl)) >>> 3 : 4 + ((31 - Math.clz32(xh & -xh)) >>> 3);
    if (lead + trail < 7) {
      const k = decimalCode(p, v, code);
      if (k >= 0 && varintLength(code.zigzag) < 8 - lead - trail) {
        out[pos++] = DECIMAL_TAG | k;
        pos = writeVarint(out, pos, code.zigzag);
        continue;
      }
    }
    out[pos++] = (lead << 4) | trail;
    for (let at = lead; at < 8 - trail; at++) out[pos++] = at < 4 ? (xh >>> (24 - 8 * at)) & 0xff : (xl >>> (56 - 8 * at)) & 0xff;
  }
  return pos;
}

function writeHeader(out: Uint8Array, start: number, count: number, lastT: number, lastValue: number): number {
  out[0] = BUCKET_V1;
  let pos = writeVarint(out, 1, count);
  pos = writeVarint(out, pos, lastT - start);
  new DataView(out.buffer, out.byteOffset, out.byteLength).setFloat64(pos, lastValue);
  return pos + 8;
}

/**
 * Encodes points [from, to) of `times`/`values` (strictly increasing t,
 * all inside the bucket) as a new bucket starting at `start`.
 */
export function encodeBucket(start: number, times: ArrayLike<number>, values: ArrayLike<number>, from = 0, to: number = times.length): Uint8Array {
  const out = new Uint8Array(MAX_HEADER_BYTES + (to - from) * MAX_POINT_BYTES);
  const body = writeHeader(out, start, to - from, times[to - 1] as number, values[to - 1] as number);
  const end = writePoints(out, body, times, values, from, to, start, 0);
  // A view: the engine copies values it keeps (tx.put), so no second copy here.
  return out.subarray(0, end);
}

/**
 * `existing` with points [from, to) appended, without decoding it.
 * Precondition: times[from] > header.lastT (strictly later than every stored point).
 */
export function appendBucket(
  start: number, existing: Uint8Array, header: BucketHeader, times: ArrayLike<number>, values: ArrayLike<number>, from: number, to: number,
): Uint8Array {
  const oldBody = existing.subarray(header.body);
  const out = new Uint8Array(MAX_HEADER_BYTES + oldBody.length + (to - from) * MAX_POINT_BYTES);
  let pos = writeHeader(out, start, header.count + (to - from), times[to - 1] as number, values[to - 1] as number);
  out.set(oldBody, pos);
  pos += oldBody.length;
  pos = writePoints(out, pos, times, values, from, to, header.lastT, header.lastValue);
  return out.subarray(0, pos);
}

/**
 * Merges stored points with incoming ones (both strictly increasing in t);
 * on an equal t the incoming point wins (last write wins).
 */
export function mergePoints(stored: BucketPoints, times: ArrayLike<number>, values: ArrayLike<number>, from: number, to: number): BucketPoints {
  const a = stored.times;
  const av = stored.values;
  const outT = new Float64Array(a.length + (to - from));
  const outV = new Float64Array(outT.length);
  let i = 0;
  let j = from;
  let n = 0;
  while (i < a.length || j < to) {
    const ta = i < a.length ? (a[i] as number) : Infinity;
    const tb = j < to ? (times[j] as number) : Infinity;
    if (tb <= ta) {
      outT[n] = tb;
      outV[n++] = values[j++] as number;
      if (tb === ta) i++;
    } else {
      outT[n] = ta;
      outV[n++] = av[i++] as number;
    }
  }
  return { times: outT.subarray(0, n), values: outV.subarray(0, n) };
}
