/**
 * Blob records in the engine's BLOBS namespace. The engine seals every one
 * of them under the current epoch's data key with AAD bound to its key, so
 * a content key stored here is "wrapped by the epoch's data key", and a key
 * rotation re-wraps it without touching a single chunk.
 *
 * | engine key (after the namespace byte) | value                          |
 * |----------------------------------------|--------------------------------|
 * | 'n' utf8(blob id)                      | name record: what `stat` shows |
 * | 'c' content id (16 bytes)              | content record: key, size,     |
 * |                                        | where the chunks are, refs     |
 * | 'h' keyed hash (32 bytes)              | content id (dedup lookup)      |
 * | 'k'                                    | the store's dedup hash key     |
 *
 * Names and contents are separate so deduplicated blobs share a content
 * (and its key and file) with a reference count.
 *
 * Values are MessagePack maps with a version field `v`; anything that does
 * not parse to the expected shape is an `IntegrityError('blob-manifest')`.
 */
import { decode, encode } from '@msgpack/msgpack';
import { FormatVersionError, IntegrityError } from '../errors.ts';
import { toHex, utf8 } from '../util/bytes.ts';

/** Record format version of name and content records. */
export const BLOB_RECORD_V1 = 1;

const NAME = 0x6e; // 'n'
const CONTENT = 0x63; // 'c'
const HASH = 0x68; // 'h'
/** Key of the dedup hash key record. */
export const DEDUP_KEY_RECORD: Uint8Array = Uint8Array.of(0x6b); // 'k'

/** Bytes in a content id (random). */
export const CONTENT_ID_LENGTH = 16;

/** Metadata values a caller may attach to a blob. */
export type BlobMetadata = Record<string, string | number | boolean | null>;

/** What a name record holds. */
export interface NameRecord {
  readonly content: Uint8Array;
  readonly size: number;
  readonly contentType: string | undefined;
  readonly metadata: BlobMetadata | undefined;
  readonly created: number;
  readonly modified: number;
}

/** What a content record holds. */
export interface ContentRecord {
  /** The blob's own 32-byte key (STREAM). */
  readonly key: Uint8Array;
  readonly size: number;
  /** Plaintext bytes per chunk. */
  readonly chunkBytes: number;
  /** The sealed single chunk of a small blob kept in the record itself, or undefined. */
  readonly inline: Uint8Array | undefined;
  /** The side file holding the chunks, or undefined for inline blobs. */
  readonly file: string | undefined;
  /** Names pointing at this content. */
  readonly refs: number;
  /** The keyed content hash, for deduplicated contents. */
  readonly hash: Uint8Array | undefined;
}

/** `tag` followed by `bytes`: every blob record key. */
function tagged(tag: number, bytes: Uint8Array): Uint8Array {
  const key = new Uint8Array(1 + bytes.length);
  key[0] = tag;
  key.set(bytes, 1);
  return key;
}

/** The name record key of `id`; with a prefix of ids, the scan prefix of all names under it. */
export function nameKey(id: string): Uint8Array {
  return tagged(NAME, utf8(id));
}

export function idOfNameKey(key: Uint8Array): string {
  return new TextDecoder().decode(key.subarray(1));
}

export function contentKey(contentId: Uint8Array): Uint8Array {
  return tagged(CONTENT, contentId);
}

export function hashKey(tag: Uint8Array): Uint8Array {
  return tagged(HASH, tag);
}

/** The side-file name of a content (random id: names reveal nothing). */
export function contentFileName(contentId: Uint8Array): string {
  return `${toHex(contentId)}.blob`;
}

export function encodeName(r: NameRecord): Uint8Array {
  return encode({ v: BLOB_RECORD_V1, c: r.content, s: r.size, t: r.contentType ?? null, m: r.metadata ?? null, cr: r.created, mo: r.modified });
}

export function encodeContent(r: ContentRecord): Uint8Array {
  return encode({ v: BLOB_RECORD_V1, k: r.key, s: r.size, cb: r.chunkBytes, i: r.inline ?? null, f: r.file ?? null, r: r.refs, h: r.hash ?? null });
}

function parse(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = decode(bytes);
  } catch (error) {
    throw new IntegrityError('blob-manifest', what, 'does not parse', { cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new IntegrityError('blob-manifest', what, 'not a record');
  const record = value as Record<string, unknown>;
  if (record.v !== BLOB_RECORD_V1) {
    if (typeof record.v === 'number') throw new FormatVersionError('blob-manifest', record.v);
    throw new IntegrityError('blob-manifest', what, 'no version');
  }
  return record;
}

const isSize = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isBytes = (b: unknown, length?: number): b is Uint8Array => b instanceof Uint8Array && (length === undefined || b.length === length);

export function decodeName(bytes: Uint8Array, id: string): NameRecord {
  const r = parse(bytes, `name ${id}`);
  const ok =
    isBytes(r.c, CONTENT_ID_LENGTH) && isSize(r.s) && (r.t === null || typeof r.t === 'string') &&
    (r.m === null || (typeof r.m === 'object' && !Array.isArray(r.m))) && isSize(r.cr) && isSize(r.mo);
  if (!ok) throw new IntegrityError('blob-manifest', `name ${id}`, 'bad fields');
  return {
    content: r.c as Uint8Array, size: r.s as number, contentType: (r.t as string | null) ?? undefined,
    metadata: (r.m as BlobMetadata | null) ?? undefined, created: r.cr as number, modified: r.mo as number,
  };
}

export function decodeContent(bytes: Uint8Array, id: string): ContentRecord {
  const r = parse(bytes, `content of ${id}`);
  const ok =
    isBytes(r.k, 32) && isSize(r.s) && isSize(r.cb) && (r.cb as number) > 0 && (r.i === null || isBytes(r.i)) &&
    (r.f === null || typeof r.f === 'string') && (r.i === null) !== (r.f === null) && isSize(r.r) && (r.h === null || isBytes(r.h, 32));
  if (!ok) throw new IntegrityError('blob-manifest', `content of ${id}`, 'bad fields');
  return {
    key: r.k as Uint8Array, size: r.s as number, chunkBytes: r.cb as number, inline: (r.i as Uint8Array | null) ?? undefined,
    file: (r.f as string | null) ?? undefined, refs: r.r as number, hash: (r.h as Uint8Array | null) ?? undefined,
  };
}
