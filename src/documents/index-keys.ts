/**
 * Index definitions and the entries a document puts in each index.
 *
 * Layout in the DOCUMENTS keyspace (after the engine's namespace byte):
 *
 * | key                                                  | value          |
 * |------------------------------------------------------|----------------|
 * | 0x01 collection u32 · document id (UTF-8)            | the document   |
 * | 0x02 collection u32 · index u16 · tuple · id · len u16 | empty        |
 *
 * `tuple` is the order-preserving encoding of the indexed values
 * (value-codec.ts), so an index range is an engine range scan; the id and
 * its length end the key, making entries of equal values distinct and
 * ordered by id; the id is read back from the key's tail (`idOfEntry`), so
 * the value stays empty. Unique indexes are checked by scanning the tuple's prefix
 * before writing. Arrays are expanded (one entry per element, as MongoDB's
 * multikey indexes do); a compound index over arrays takes the cartesian
 * product, capped at MAX_ENTRIES_PER_DOC. A sparse index skips documents
 * missing every indexed field; other indexes enter missing as null.
 */
import { InvalidArgumentError } from '../errors.ts';
import { fromUtf8, utf8, writeU32 } from '../util/bytes.ts';
import { indexValuesAt, splitPath } from './paths.ts';
import { encodeValue } from './value-codec.ts';
import { documentTokens } from './text.ts';

/** An index over field values, as declared by the user. */
export interface FieldIndexSpec {
  /** Dotted field paths; the index orders by them in this order. */
  readonly fields: readonly string[];
  readonly unique?: boolean;
  readonly sparse?: boolean;
  /** Declares array fields (arrays are expanded either way). */
  readonly multi?: boolean;
  /** Defaults to the fields joined with '_'. */
  readonly name?: string;
}

/** A text index (for `$text`): one entry per distinct folded word of these string fields. */
export interface TextIndexSpec {
  readonly text: readonly string[];
  /** Defaults to 'text_' and the fields joined with '_'. */
  readonly name?: string;
}

/** An index as declared by the user. */
export type IndexSpec = FieldIndexSpec | TextIndexSpec;

/** A stored index definition. */
export interface IndexDef {
  readonly id: number;
  readonly name: string;
  readonly fields: readonly string[];
  readonly unique: boolean;
  readonly sparse: boolean;
  /** Declared multikey: the index never serves sorts (a document may appear once per element). */
  readonly multi: boolean;
  /** False while a new index is being filled from existing documents: writes maintain it, queries do not use it yet. */
  readonly ready: boolean;
  /** A text index: `fields` are text fields, entries are folded words (text.ts). */
  readonly text?: boolean;
}

export const KEY_DOC = 0x01;
export const KEY_INDEX = 0x02;
export const MAX_ENTRIES_PER_DOC = 1000;

/** `0x01 · collection` : the prefix of every document of a collection. */
export function docPrefix(collection: number): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = KEY_DOC;
  writeU32(out, 1, collection);
  return out;
}

export function docKey(collection: number, id: string): Uint8Array {
  const body = utf8(id);
  const out = new Uint8Array(5 + body.length);
  out.set(docPrefix(collection), 0);
  out.set(body, 5);
  return out;
}

/** `0x02 · collection · index` : the prefix of every entry of an index. */
export function indexPrefix(collection: number, index: number): Uint8Array {
  const out = new Uint8Array(7);
  out[0] = KEY_INDEX;
  writeU32(out, 1, collection);
  out[5] = index >> 8;
  out[6] = index & 0xff;
  return out;
}

/** The prefix followed by an encoded tuple (for range bounds and unique checks). */
export function indexTupleKey(collection: number, index: number, tuple: Uint8Array): Uint8Array {
  const prefix = indexPrefix(collection, index);
  const out = new Uint8Array(prefix.length + tuple.length);
  out.set(prefix, 0);
  out.set(tuple, prefix.length);
  return out;
}

function entryKey(collection: number, index: number, tuple: Uint8Array, id: string): Uint8Array {
  const body = utf8(id);
  const head = indexTupleKey(collection, index, tuple);
  const out = new Uint8Array(head.length + body.length + 2);
  out.set(head, 0);
  out.set(body, head.length);
  out[out.length - 2] = body.length >> 8;
  out[out.length - 1] = body.length & 0xff;
  return out;
}

/** Encoded tuples a document contributes to `def` (empty for a sparse index it is absent from). */
export function indexTuples(def: IndexDef, doc: unknown): Uint8Array[] {
  if (def.text === true) {
    const words = documentTokens(def.fields.flatMap((f) => indexValuesAt(doc, splitPath(f))));
    if (words.length > MAX_ENTRIES_PER_DOC) {
      throw new InvalidArgumentError('doc', `at most ${MAX_ENTRIES_PER_DOC} distinct words in text index '${def.name}'`, `${words.length} words`);
    }
    return words.map((w) => encodeValue(w));
  }
  const perField = def.fields.map((f) => indexValuesAt(doc, splitPath(f)));
  if (def.sparse && perField.every((values) => values.length === 0)) return [];
  const lists = perField.map((values) => (values.length === 0 ? [undefined] : values));
  let combos: Uint8Array[][] = [[]];
  for (const values of lists) {
    const next: Uint8Array[][] = [];
    const encoded = [...new Map(values.map((v) => { const e = encodeValue(v); return [Buffer.from(e).toString('latin1'), e] as const; })).values()];
    for (const combo of combos) for (const e of encoded) next.push([...combo, e]);
    if (next.length > MAX_ENTRIES_PER_DOC) {
      throw new InvalidArgumentError('doc', `at most ${MAX_ENTRIES_PER_DOC} entries in index '${def.name}' (arrays in several indexed fields multiply)`, `${next.length} entries`);
    }
    combos = next;
  }
  return combos.map((parts) => Buffer.concat(parts));
}

const EMPTY = new Uint8Array(0);

/** Index entries (key, empty value) of a document. */
export function indexEntries(collection: number, def: IndexDef, doc: unknown, id: string): Array<[Uint8Array, Uint8Array]> {
  return indexTuples(def, doc).map((tuple) => [entryKey(collection, def.id, tuple, id), EMPTY]);
}

/** The document id at the end of an index entry key (`· id · len u16`). */
export function idOfEntry(key: Uint8Array): string {
  const length = ((key[key.length - 2] as number) << 8) | (key[key.length - 1] as number);
  return fromUtf8(key.subarray(key.length - 2 - length, key.length - 2));
}
