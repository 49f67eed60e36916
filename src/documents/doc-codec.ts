/**
 * Documents: validation and MessagePack encoding (@msgpack/msgpack).
 *
 * A document is a plain object of JSON-like values plus `Uint8Array` and
 * `Date`. Refused with `InvalidArgumentError` naming the path: functions,
 * symbols, bigints, NaN, class instances other than Date and Uint8Array,
 * cycles, field names starting with `$` or containing `.` (they would be
 * ambiguous in queries), and an `_id` that is not a non-empty string of at
 * most 1 KiB. `undefined` fields are dropped, as JSON does.
 * The encoded bytes are sealed by the engine like every other record.
 */
import { decode, encode } from '@msgpack/msgpack';
import { IntegrityError, InvalidArgumentError } from '../errors.ts';

/** A stored document. `_id` is its primary key. */
export type Doc = Record<string, unknown> & { _id?: string };

export const MAX_ID_BYTES = 1024;

/** Validates a document (deeply) and returns a clean copy without undefined fields. */
export function checkDocument(doc: unknown, argument = 'doc'): Doc {
  if (!isPlainObject(doc)) throw new InvalidArgumentError(argument, 'a plain object', doc);
  const seen = new Set<object>();
  const clean = copyValue(doc, argument, seen) as Doc;
  if (clean._id !== undefined) checkId(clean._id, `${argument}._id`);
  return clean;
}

/** Validates a document id. */
export function checkId(id: unknown, argument = 'id'): string {
  if (typeof id !== 'string' || id.length === 0 || Buffer.byteLength(id) > MAX_ID_BYTES) {
    throw new InvalidArgumentError(argument, `a non-empty string of at most ${MAX_ID_BYTES} bytes`, id);
  }
  return id;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function copyValue(value: unknown, path: string, seen: Set<object>): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw new InvalidArgumentError(path, 'a number other than NaN', value);
    return value;
  }
  if (value instanceof Uint8Array) return value.slice();
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new InvalidArgumentError(path, 'a valid Date', 'Invalid Date');
    return new Date(value.getTime());
  }
  if (typeof value !== 'object') throw new InvalidArgumentError(path, 'a JSON-like value, Uint8Array or Date', value);
  if (seen.has(value)) throw new InvalidArgumentError(path, 'a value without cycles', 'a cycle');
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item, i) => copyValue(item === undefined ? null : item, `${path}[${i}]`, seen));
    if (!isPlainObject(value)) throw new InvalidArgumentError(path, 'a plain object, array, Uint8Array or Date', value);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      if (key.startsWith('$') || key.includes('.') || key.length === 0) {
        throw new InvalidArgumentError(`${path}.${key}`, "a field name that is non-empty, without '.' and not starting with '$'", key);
      }
      out[key] = copyValue(item, `${path}.${key}`, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** Encodes a validated document. */
export function encodeDocument(doc: Doc): Uint8Array {
  return encode(doc);
}

/** Decodes a stored document. @throws {IntegrityError} where 'page' if undecodable (authenticated bytes: a bug, not an attack). */
export function decodeDocument(bytes: Uint8Array, id: string): Doc {
  try {
    const doc = decode(bytes);
    if (!isPlainObject(doc)) throw new Error('not an object');
    return doc as Doc;
  } catch (error) {
    throw new IntegrityError('page', `document ${id}`, 'undecodable', { cause: error });
  }
}
