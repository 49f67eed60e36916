/**
 * The query planner: chooses how to find candidate documents. Candidates
 * are always re-checked by the matcher (query.ts), so a plan only has to
 * return a superset of the answer; it never decides the answer.
 *
 * Strategies, best first:
 * - `ids`: `_id` equality or `$in` → direct document reads.
 * - `index`: the index with the longest prefix of equality fields
 *   (`$eq` or a small `$in` of scalars), then at most one range ($gt, $gte,
 *   $lt, $lte, $startsWith) on the next field. Ranges stay inside one value
 *   type (the encoding's tag), as the matcher compares within a type only.
 *   The index also serves the sort when the sort fields follow the
 *   equality prefix in one direction and the index is not multikey.
 * - `scan`: every document of the collection, in id order.
 * A sparse index is used only when the query requires its first field to
 * hold a non-null value (documents without it are not in the index).
 * A top-level `$text` uses the text index: the entries of words starting
 * with the longest search word (the others are checked by the matcher).
 */
import { concatBytes } from '../util/bytes.ts';
import { indexTupleKey, type IndexDef } from './index-keys.ts';
import type { Pred, QueryNode } from './query.ts';
import { encodeTuple, encodeValue, tagOf } from './value-codec.ts';

/** A key range in the DOCUMENTS keyspace. */
export interface KeyBounds {
  readonly gte: Uint8Array;
  readonly lt: Uint8Array;
}

export type Plan =
  | { readonly kind: 'ids'; readonly ids: readonly string[] }
  | {
    readonly kind: 'index'; readonly index: IndexDef; readonly ranges: readonly KeyBounds[]; readonly servesSort: boolean;
    readonly reverse: boolean; readonly eqFields: number; readonly hasRange: boolean;
    /** The ranges enforce every condition of the query exactly: the entries alone answer it (count without reading documents). */
    readonly exact?: boolean;
  }
  | { readonly kind: 'scan'; readonly servesSort: boolean; readonly reverse: boolean };

/** Sort spec: field path → 1 (ascending) or -1 (descending). */
export type Sort = ReadonlyArray<readonly [string, 1 | -1]>;

const MAX_RANGES = 64;

interface FieldConditions {
  eq: unknown[] | undefined;
  low: { value: unknown; inclusive: boolean } | undefined;
  high: { value: unknown; inclusive: boolean } | undefined;
  prefix: string | undefined;
}

function isScalar(value: unknown): boolean {
  return value !== null && value !== undefined && (typeof value !== 'object' || value instanceof Uint8Array || value instanceof Date);
}

/** Conditions per path from the top-level conjunction (or/nor/not parts are left to the matcher). */
function conditions(node: QueryNode): Map<string, FieldConditions> {
  const out = new Map<string, FieldConditions>();
  const fields = node.op === 'and' ? node.nodes : [node];
  for (const field of fields) {
    if (field.op !== 'field') continue;
    const c = out.get(field.path) ?? { eq: undefined, low: undefined, high: undefined, prefix: undefined };
    for (const pred of field.preds as Pred[]) {
      if (pred.kind === 'eq' && isScalar(pred.value)) c.eq = [pred.value];
      else if (pred.kind === 'in' && pred.values.length > 0 && pred.values.every(isScalar)) c.eq ??= [...pred.values];
      else if ((pred.kind === 'gt' || pred.kind === 'gte') && isScalar(pred.value)) c.low = { value: pred.value, inclusive: pred.kind === 'gte' };
      else if ((pred.kind === 'lt' || pred.kind === 'lte') && isScalar(pred.value)) c.high = { value: pred.value, inclusive: pred.kind === 'lte' };
      else if (pred.kind === 'startsWith') c.prefix = pred.value;
    }
    out.set(field.path, c);
  }
  return out;
}

function prefixEnd(bytes: Uint8Array): Uint8Array {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] !== 0xff) {
      const end = bytes.slice(0, i + 1);
      end[i] = (end[i] as number) + 1;
      return end;
    }
  }
  return concatBytes(bytes, new Uint8Array([0xff]));
}

/** The range of encodings the range conditions allow on one field, or undefined if none. */
function rangeOf(c: FieldConditions): { low: Uint8Array; lowInclusive: boolean; high: Uint8Array; highInclusive: boolean } | 'empty' | undefined {
  if (c.prefix !== undefined) {
    // Every string starting with the prefix encodes as tag + escaped prefix + more.
    const start = encodeValue(c.prefix).slice(0, -1);
    return { low: start, lowInclusive: true, high: prefixEnd(start), highInclusive: false };
  }
  if (c.low === undefined && c.high === undefined) return undefined;
  const tag = tagOf((c.low ?? c.high)?.value);
  if (c.low !== undefined && c.high !== undefined && tagOf(c.high.value) !== tag) return 'empty';
  const low = c.low === undefined ? new Uint8Array([tag]) : encodeValue(c.low.value);
  const high = c.high === undefined ? new Uint8Array([tag + 1]) : encodeValue(c.high.value);
  return { low, lowInclusive: c.low === undefined || c.low.inclusive, high, highInclusive: c.high !== undefined && c.high.inclusive };
}

function planIndex(collection: number, index: IndexDef, conds: Map<string, FieldConditions>, sort: Sort): (Plan & { kind: 'index'; score: number }) | undefined {
  const eqLists: unknown[][] = [];
  for (const field of index.fields) {
    const eq = conds.get(field)?.eq;
    if (eq === undefined) break;
    eqLists.push(eq);
  }
  const next = index.fields[eqLists.length];
  const range = next === undefined ? undefined : rangeOf(conds.get(next) ?? { eq: undefined, low: undefined, high: undefined, prefix: undefined });
  if (range === 'empty') return { kind: 'index', index, ranges: [], servesSort: false, reverse: false, eqFields: eqLists.length, hasRange: true, score: 1000 };
  let combos: unknown[][] = [[]];
  for (const list of eqLists) {
    combos = combos.flatMap((combo) => list.map((v) => [...combo, v]));
    if (combos.length > MAX_RANGES) return undefined;
  }
  const sortFields = sort.map(([f]) => f);
  const direction = sort[0]?.[1] ?? 1;
  // The index serves the sort only if the sort covers every field after the equality prefix:
  // then ties are in id order (the key's tail), exactly as the in-memory sort breaks them.
  const sortFollows = sort.length > 0 && combos.length === 1 && !index.multi && sort.every(([, d]) => d === direction) &&
    eqLists.length + sortFields.length === index.fields.length && sortFields.every((f, i) => index.fields[eqLists.length + i] === f);
  const usable = eqLists.length > 0 || range !== undefined;
  // A sparse index lacks documents without its first field: only a condition that excludes those may use it.
  if (index.sparse && !(eqLists.length > 0 || (range !== undefined && index.fields[0] === next))) return undefined;
  if (!usable && !sortFollows) return undefined;
  const ranges: KeyBounds[] = combos.map((combo) => {
    const head = indexTupleKey(collection, index.id, encodeTuple(combo));
    if (range === undefined) return { gte: head, lt: prefixEnd(head) };
    const low = concatBytes(head, range.low);
    const high = concatBytes(head, range.high);
    return { gte: range.lowInclusive ? low : prefixEnd(low), lt: range.highInclusive ? prefixEnd(high) : high };
  });
  const score = eqLists.length * 10 + (range !== undefined ? 5 : 0) + (sortFollows ? 3 : 0) + (index.unique && eqLists.length === index.fields.length ? 50 : 0);
  return { kind: 'index', index, ranges, servesSort: sortFollows, reverse: sortFollows && direction === -1, eqFields: eqLists.length, hasRange: range !== undefined, score };
}

/** Chooses a plan for a parsed query. */
export function plan(collection: number, query: QueryNode, indexes: readonly IndexDef[], sort: Sort): Plan {
  const conds = conditions(query);
  const idEq = conds.get('_id')?.eq;
  if (idEq !== undefined && idEq.every((v) => typeof v === 'string')) return { kind: 'ids', ids: [...new Set(idEq as string[])] };
  const text = (query.op === 'and' ? query.nodes : [query]).find((n) => n.op === 'text');
  const textIndex = indexes.find((ix) => ix.text === true);
  if (text !== undefined && text.op === 'text' && textIndex !== undefined) {
    const longest = [...text.tokens].sort((a, b) => b.length - a.length)[0] as string;
    // Words starting with `longest`: the string's encoding without its terminator is their common prefix.
    const head = indexTupleKey(collection, textIndex.id, encodeValue(longest).slice(0, -1));
    return { kind: 'index', index: textIndex, ranges: [{ gte: head, lt: prefixEnd(head) }], servesSort: false, reverse: false, eqFields: 0, hasRange: true };
  }
  let best: (Plan & { kind: 'index'; score: number }) | undefined;
  for (const index of indexes) {
    if (index.text === true) continue;
    const candidate = planIndex(collection, index, conds, sort);
    if (candidate !== undefined && (best === undefined || candidate.score > best.score)) best = candidate;
  }
  const scanSorted = sort.length === 1 && sort[0]?.[0] === '_id';
  if (best !== undefined && (best.score > 3 || !scanSorted)) {
    const { score: _score, ...chosen } = best;
    return { ...chosen, exact: isExact(query, chosen.index, chosen.eqFields, chosen.hasRange) };
  }
  return { kind: 'scan', servesSort: scanSorted, reverse: scanSorted && sort[0]?.[1] === -1 };
}

/**
 * True when the query is a plain conjunction whose every condition the
 * index ranges enforce precisely: scalar `$eq`/`$in` on the equality
 * prefix, and typed bounds or one `$startsWith` on the range field. Text
 * indexes never qualify (the matcher checks their other words).
 */
function isExact(query: QueryNode, index: IndexDef, eqFields: number, hasRange: boolean): boolean {
  if (index.text === true) return false;
  const nodes = query.op === 'and' ? query.nodes : [query];
  const seen = new Set<string>();
  for (const node of nodes) {
    if (node.op !== 'field' || seen.has(node.path)) return false;
    seen.add(node.path);
    const position = index.fields.indexOf(node.path);
    if (position < 0 || position > eqFields || (position === eqFields && !hasRange)) return false;
    if (position < eqFields) {
      const [pred, ...more] = node.preds;
      if (more.length > 0 || pred === undefined) return false;
      if (!((pred.kind === 'eq' && isScalar(pred.value)) || (pred.kind === 'in' && pred.values.length > 0 && pred.values.every(isScalar)))) return false;
    } else {
      const bounds = node.preds.every((p) => (p.kind === 'gt' || p.kind === 'gte' || p.kind === 'lt' || p.kind === 'lte') && isScalar(p.value));
      const prefix = node.preds.length === 1 && node.preds[0]?.kind === 'startsWith';
      if (!bounds && !prefix) return false;
    }
  }
  return seen.size === eqFields + (hasRange ? 1 : 0);
}

/** What `explain` reports. */
export interface Explanation {
  readonly strategy: 'ids' | 'index' | 'scan';
  readonly index?: string;
  readonly equalityFields?: number;
  readonly rangeOnNextField?: boolean;
  readonly ranges: number;
  readonly sortedByIndex: boolean;
  /** Rough relative cost: 1 per key read for ids; ranges for index; 'full' for a scan. */
  readonly estimatedCost: string;
}

export function explainPlan(chosen: Plan): Explanation {
  switch (chosen.kind) {
    case 'ids': return { strategy: 'ids', ranges: chosen.ids.length, sortedByIndex: false, estimatedCost: `${chosen.ids.length} document reads` };
    case 'index': return {
      strategy: 'index', index: chosen.index.name, equalityFields: chosen.eqFields, rangeOnNextField: chosen.hasRange,
      ranges: chosen.ranges.length, sortedByIndex: chosen.servesSort,
      estimatedCost: `${chosen.ranges.length} index range scan(s) + one read per match`,
    };
    case 'scan': return { strategy: 'scan', ranges: 1, sortedByIndex: chosen.servesSort, estimatedCost: 'full collection scan' };
  }
}
