/**
 * Queries: a MongoDB-like subset, parsed into a checked tree and matched
 * against documents. The matcher is the definition of what a query means;
 * the planner (planner.ts) only narrows which documents are read, and every
 * document it yields is matched here again, so an index can only make a
 * query faster, never change its answer.
 *
 * Grammar: `{ path: value }` is equality; `{ path: { $op: ... } }` uses
 * operators $eq $ne $gt $gte $lt $lte $in $nin $exists $startsWith $not;
 * top level also takes $and / $or / $nor (arrays of queries), $not (a
 * query) and $text: { $search: 'words' } (every word a prefix of a word in
 * the collection's text-indexed fields; text.ts). Paths are dotted (`a.b.c`); a path that reaches an array matches
 * when any element matches (and equality also accepts the whole array).
 * Range operators compare values of the same type only ($gt: 5 never
 * matches a string). `{ path: null }` matches null and missing fields.
 */
import { QueryError } from '../errors.ts';
import { valuesAt, splitPath } from './paths.ts';
import { compareValues, tagOf } from './value-codec.ts';
import { documentTokens, textMatches, tokenize } from './text.ts';

export type Pred =
  | { readonly kind: 'eq' | 'ne'; readonly value: unknown }
  | { readonly kind: 'gt' | 'gte' | 'lt' | 'lte'; readonly value: unknown }
  | { readonly kind: 'in' | 'nin'; readonly values: readonly unknown[] }
  | { readonly kind: 'exists'; readonly value: boolean }
  | { readonly kind: 'startsWith'; readonly value: string }
  | { readonly kind: 'not'; readonly preds: readonly Pred[] };

export type QueryNode =
  | { readonly op: 'and' | 'or' | 'nor'; readonly nodes: readonly QueryNode[] }
  | { readonly op: 'text'; readonly tokens: readonly string[] }
  | { readonly op: 'not'; readonly node: QueryNode }
  | { readonly op: 'field'; readonly path: string; readonly steps: readonly string[]; readonly preds: readonly Pred[] };

/** A query object as users write it. */
export type Query = Record<string, unknown>;

const FIELD_OPS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$startsWith', '$not']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => k.startsWith('$'));
}

/** Validates a field path. */
export function checkPath(path: string, at: string): string[] {
  if (path.length === 0 || path.startsWith('$')) throw new QueryError(at, `'${path}' is not a field path`);
  const steps = splitPath(path);
  if (steps.some((s) => s.length === 0)) throw new QueryError(at, `'${path}' has an empty step`);
  return steps;
}

function checkScalar(value: unknown, at: string): unknown {
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint' || (typeof value === 'number' && Number.isNaN(value))) {
    throw new QueryError(at, 'a value must be JSON-like, a Uint8Array or a Date');
  }
  return value;
}

function parsePreds(condition: unknown, at: string): Pred[] {
  if (!isOperatorObject(condition)) return [{ kind: 'eq', value: checkScalar(condition, at) }];
  const preds: Pred[] = [];
  for (const [op, arg] of Object.entries(condition)) {
    const here = `${at}.${op}`;
    if (!FIELD_OPS.has(op)) throw new QueryError(here, `unknown operator ${op}`);
    switch (op) {
      case '$eq': case '$ne':
        preds.push({ kind: op === '$eq' ? 'eq' : 'ne', value: checkScalar(arg, here) });
        break;
      case '$gt': case '$gte': case '$lt': case '$lte':
        if (arg === null || arg === undefined || Array.isArray(arg) || isPlainObject(arg)) throw new QueryError(here, 'a range bound must be a number, string, boolean, Date or Uint8Array');
        preds.push({ kind: op.slice(1) as 'gt' | 'gte' | 'lt' | 'lte', value: checkScalar(arg, here) });
        break;
      case '$in': case '$nin':
        if (!Array.isArray(arg)) throw new QueryError(here, 'expects an array');
        preds.push({ kind: op === '$in' ? 'in' : 'nin', values: arg.map((v, i) => checkScalar(v, `${here}[${i}]`)) });
        break;
      case '$exists':
        if (typeof arg !== 'boolean') throw new QueryError(here, 'expects true or false');
        preds.push({ kind: 'exists', value: arg });
        break;
      case '$startsWith':
        if (typeof arg !== 'string') throw new QueryError(here, 'expects a string');
        preds.push({ kind: 'startsWith', value: arg });
        break;
      case '$not':
        if (!isOperatorObject(arg)) throw new QueryError(here, 'expects an operator object, e.g. { $gt: 5 }');
        preds.push({ kind: 'not', preds: parsePreds(arg, here) });
        break;
    }
  }
  return preds;
}

/**
 * Parses and checks a query.
 * @throws {QueryError} with the path of the offending part.
 */
export function parseQuery(query: unknown, at = 'query'): QueryNode {
  if (query === undefined) return { op: 'and', nodes: [] };
  if (!isPlainObject(query)) throw new QueryError(at, 'a query must be a plain object');
  const nodes: QueryNode[] = [];
  for (const [key, value] of Object.entries(query)) {
    const here = at === 'query' ? key : `${at}.${key}`;
    if (key === '$and' || key === '$or' || key === '$nor') {
      if (!Array.isArray(value) || value.length === 0) throw new QueryError(here, 'expects a non-empty array of queries');
      nodes.push({ op: key.slice(1) as 'and' | 'or' | 'nor', nodes: value.map((q, i) => parseQuery(q, `${here}[${i}]`)) });
    } else if (key === '$not') {
      nodes.push({ op: 'not', node: parseQuery(value, here) });
    } else if (key === '$text') {
      const search = isPlainObject(value) ? value.$search : undefined;
      if (typeof search !== 'string' || Object.keys(value as object).some((k) => k !== '$search')) {
        throw new QueryError(here, "expects { $search: 'words' }");
      }
      const tokens = tokenize(search);
      if (tokens.length === 0) throw new QueryError(`${here}.$search`, 'needs at least one word');
      nodes.push({ op: 'text', tokens });
    } else if (key.startsWith('$')) {
      throw new QueryError(here, `unknown top-level operator ${key}`);
    } else {
      nodes.push({ op: 'field', path: key, steps: checkPath(key, here), preds: parsePreds(value, here) });
    }
  }
  return nodes.length === 1 ? (nodes[0] as QueryNode) : { op: 'and', nodes };
}

function equalsAny(values: readonly unknown[], target: unknown): boolean {
  if (target === null || target === undefined) return values.length === 0 || values.some((v) => v === null || v === undefined);
  return values.some((v) => compareValues(v, target) === 0);
}

function predHolds(values: readonly unknown[], pred: Pred): boolean {
  switch (pred.kind) {
    case 'eq': return equalsAny(values, pred.value);
    case 'ne': return !equalsAny(values, pred.value);
    case 'in': return pred.values.some((v) => equalsAny(values, v));
    case 'nin': return !pred.values.some((v) => equalsAny(values, v));
    case 'exists': return (values.length > 0) === pred.value;
    case 'startsWith': return values.some((v) => typeof v === 'string' && v.startsWith(pred.value));
    case 'not': return !pred.preds.every((p) => predHolds(values, p));
    default: {
      const tag = tagOf(pred.value);
      return values.some((v) => {
        if (Array.isArray(v) || tagOf(v) !== tag) return false;
        const c = compareValues(v, pred.value);
        return pred.kind === 'gt' ? c > 0 : pred.kind === 'gte' ? c >= 0 : pred.kind === 'lt' ? c < 0 : c <= 0;
      });
    }
  }
}

/** True when the query uses `$text` anywhere. */
export function usesText(node: QueryNode): boolean {
  switch (node.op) {
    case 'text': return true;
    case 'and': case 'or': case 'nor': return node.nodes.some(usesText);
    case 'not': return usesText(node.node);
    case 'field': return false;
  }
}

/**
 * True when `doc` matches the parsed query. `textFields` are the paths of
 * the collection's text index (a `$text` query needs one).
 */
export function matches(node: QueryNode, doc: unknown, textFields: readonly (readonly string[])[] = []): boolean {
  switch (node.op) {
    case 'and': return node.nodes.every((n) => matches(n, doc, textFields));
    case 'or': return node.nodes.some((n) => matches(n, doc, textFields));
    case 'nor': return !node.nodes.some((n) => matches(n, doc, textFields));
    case 'not': return !matches(node.node, doc, textFields);
    case 'text': return textMatches(node.tokens, documentTokens(textFields.flatMap((steps) => valuesAt(doc, steps))));
    case 'field': {
      const values = valuesAt(doc, node.steps);
      return node.preds.every((p) => predHolds(values, p));
    }
  }
}
