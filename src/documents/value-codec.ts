/**
 * Order-preserving encoding of index values (a tuple encoding in the style
 * of FoundationDB's): byte order of encodings == the query order of values,
 * so index range queries are plain engine range scans.
 *
 * | tag  | type      | body                                                   |
 * |------|-----------|--------------------------------------------------------|
 * | 0x01 | null / missing (non-sparse indexes)                                |
 * | 0x02 | false     |                                                        |
 * | 0x03 | true      |                                                        |
 * | 0x04 | number    | float64 BE; negative: all bits flipped, else sign flipped |
 * | 0x05 | string    | UTF-8, 0x00 escaped as 0x00 0xFF, ended by 0x00        |
 * | 0x06 | bytes     | same escaping as strings                               |
 * | 0x07 | Date      | float64 of its time value, as numbers                  |
 * | 0x08 | array     | encoded elements, ended by 0x00                        |
 * | 0x09 | object    | (key string, value) pairs in key order, ended by 0x00  |
 *
 * Values of different types never compare as ranges ($gt: 5 matches only
 * numbers): each type occupies its own tag range. Escaping keeps a string
 * that is a prefix of another sorting first, and a tuple of several values
 * unambiguous. `-0` encodes as `0`; NaN is rejected by the document codec.
 */
import { compareBytes, utf8 } from '../util/bytes.ts';

export const TAG = { NULL: 0x01, FALSE: 0x02, TRUE: 0x03, NUMBER: 0x04, STRING: 0x05, BYTES: 0x06, DATE: 0x07, ARRAY: 0x08, OBJECT: 0x09 } as const;

const scratch = new DataView(new ArrayBuffer(8));

function pushNumber(out: number[], n: number): void {
  scratch.setFloat64(0, n === 0 ? 0 : n);
  const negative = (scratch.getUint8(0) & 0x80) !== 0;
  for (let i = 0; i < 8; i++) {
    const b = scratch.getUint8(i);
    out.push(negative ? b ^ 0xff : i === 0 ? b ^ 0x80 : b);
  }
}

function pushEscaped(out: number[], bytes: Uint8Array): void {
  for (const b of bytes) {
    out.push(b);
    if (b === 0) out.push(0xff);
  }
  out.push(0);
}

function push(out: number[], value: unknown): void {
  if (value === null || value === undefined) out.push(TAG.NULL);
  else if (value === false) out.push(TAG.FALSE);
  else if (value === true) out.push(TAG.TRUE);
  else if (typeof value === 'number') {
    out.push(TAG.NUMBER);
    pushNumber(out, value);
  } else if (typeof value === 'string') {
    out.push(TAG.STRING);
    pushEscaped(out, utf8(value));
  } else if (value instanceof Uint8Array) {
    out.push(TAG.BYTES);
    pushEscaped(out, value);
  } else if (value instanceof Date) {
    out.push(TAG.DATE);
    pushNumber(out, value.getTime());
  } else if (Array.isArray(value)) {
    out.push(TAG.ARRAY);
    for (const item of value) push(out, item);
    out.push(0);
  } else {
    out.push(TAG.OBJECT);
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record).sort()) {
      if (record[key] === undefined) continue;
      pushEscaped(out, utf8(key));
      push(out, record[key]);
    }
    out.push(0);
  }
}

/** The encoding of one value. */
export function encodeValue(value: unknown): Uint8Array {
  const out: number[] = [];
  push(out, value);
  return Uint8Array.from(out);
}

/** The encoding of a tuple of values (concatenated encodings). */
export function encodeTuple(values: readonly unknown[]): Uint8Array {
  const out: number[] = [];
  for (const value of values) push(out, value);
  return Uint8Array.from(out);
}

/** The type tag a value encodes with. */
export function tagOf(value: unknown): number {
  return encodeValue(value)[0] as number;
}

/** Compares two values by their encodings: the order indexes and sorts use. */
export function compareValues(a: unknown, b: unknown): number {
  return compareBytes(encodeValue(a), encodeValue(b));
}
