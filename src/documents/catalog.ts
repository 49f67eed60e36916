/**
 * The catalog: collection definitions (id, name, indexes), stored as
 * MessagePack in the SYSTEM keyspace, so collection and index names are
 * encrypted like everything else.
 *
 * | key (SYSTEM keyspace)      | value                                  |
 * |----------------------------|----------------------------------------|
 * | `documents/seq`            | next collection id, u32                |
 * | `documents/c/` name        | { id, name, nextIndex, indexes: [...] } |
 */
import { decode, encode } from '@msgpack/msgpack';
import { IntegrityError, InvalidArgumentError } from '../errors.ts';
import type { Transaction } from '../engine/transaction.ts';
import { readU32, u32Bytes } from '../util/bytes.ts';
import type { IndexDef } from './index-keys.ts';
import { checkPath } from './query.ts';

export interface CollectionDef {
  readonly id: number;
  readonly name: string;
  readonly nextIndex: number;
  readonly indexes: readonly IndexDef[];
}

const SEQ_KEY = 'documents/seq';
const defKey = (name: string): string => `documents/c/${name}`;

/** Reads a collection definition inside `tx` (a SYSTEM keyspace view). */
export async function readDef(tx: Transaction, name: string): Promise<CollectionDef | undefined> {
  const bytes = await tx.get(defKey(name));
  if (bytes === undefined) return undefined;
  try {
    return decode(bytes) as CollectionDef;
  } catch (error) {
    throw new IntegrityError('page', `collection ${name}`, 'undecodable definition', { cause: error });
  }
}

/** Creates the definition of a new collection inside `tx`. */
export async function createDef(tx: Transaction, name: string): Promise<CollectionDef> {
  const seq = await tx.get(SEQ_KEY);
  const id = seq === undefined ? 1 : readU32(seq, 0);
  tx.put(SEQ_KEY, u32Bytes(id + 1));
  const def: CollectionDef = { id, name, nextIndex: 1, indexes: [] };
  writeDef(tx, def);
  return def;
}

export function writeDef(tx: Transaction, def: CollectionDef): void {
  tx.put(defKey(def.name), encode(def));
}

/** Validates an index spec; returns its name and normalized fields. */
export function checkIndexSpec(spec: unknown, argument: string): { fields: string[]; name: string; unique: boolean; sparse: boolean; multi: boolean; text: boolean } {
  if (spec === null || typeof spec !== 'object') throw new InvalidArgumentError(argument, 'an index spec { fields, unique?, sparse?, multi?, name? } or { text: [fields] }', spec);
  const given = spec as Record<string, unknown>;
  const text = given.text !== undefined;
  if (text && given.fields !== undefined) throw new InvalidArgumentError(argument, 'either fields or text, not both', spec);
  if (text && given.unique === true) throw new InvalidArgumentError(`${argument}.unique`, 'false: a text index cannot be unique', true);
  // A text index is checked like a plain one over its text fields, then named text_<fields>.
  const s = text ? { ...given, fields: given.text, name: given.name ?? `text_${Array.isArray(given.text) ? given.text.join('_') : ''}` } : given;
  if (!Array.isArray(s.fields) || s.fields.length === 0 || s.fields.length > 16) throw new InvalidArgumentError(`${argument}.fields`, 'an array of 1 to 16 field paths', s.fields);
  const fields = s.fields.map((f: unknown, i: number) => {
    if (typeof f !== 'string') throw new InvalidArgumentError(`${argument}.fields[${i}]`, 'a field path string', f);
    try {
      checkPath(f, `${argument}.fields[${i}]`);
    } catch {
      throw new InvalidArgumentError(`${argument}.fields[${i}]`, 'a dotted field path', f);
    }
    return f;
  });
  for (const flag of ['unique', 'sparse', 'multi'] as const) {
    if (s[flag] !== undefined && typeof s[flag] !== 'boolean') throw new InvalidArgumentError(`${argument}.${flag}`, 'a boolean', s[flag]);
  }
  const name = s.name === undefined ? fields.join('_') : s.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > 256) throw new InvalidArgumentError(`${argument}.name`, 'a string of 1 to 256 characters', name);
  return { fields, name, unique: s.unique === true, sparse: s.sparse === true || text, multi: s.multi === true || text, text };
}
