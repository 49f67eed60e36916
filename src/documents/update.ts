/**
 * Update operators: $set, $unset, $inc, $push (with $each), $pull, applied
 * to a copy of the document. Paths are dotted; $set and $inc create missing
 * parent objects. Invalid updates are `QueryError` naming the operator path
 * (an update changing `_id` included); the result is re-validated as a
 * document by the caller.
 */
import { QueryError } from '../errors.ts';
import { checkPath } from './query.ts';
import { compareValues } from './value-codec.ts';

export type Update = Record<string, Record<string, unknown>>;

const OPS = new Set(['$set', '$unset', '$inc', '$push', '$pull']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date);
}

function parentOf(doc: Record<string, unknown>, steps: readonly string[], create: boolean, at: string): Record<string, unknown> | undefined {
  let node: Record<string, unknown> = doc;
  for (const step of steps.slice(0, -1)) {
    const next = node[step];
    if (next === undefined && create) {
      node[step] = {};
      node = node[step] as Record<string, unknown>;
    } else if (isPlainObject(next)) node = next;
    else if (next === undefined) return undefined;
    else throw new QueryError(at, `'${step}' is not an object`);
  }
  return node;
}

/** Checks an update spec. @throws {QueryError} */
export function checkUpdate(update: unknown): Update {
  if (!isPlainObject(update) || Object.keys(update).length === 0) throw new QueryError('update', 'an update must be an object of operators like { $set: {...} }');
  for (const [op, fields] of Object.entries(update)) {
    if (!OPS.has(op)) throw new QueryError(`update.${op}`, `unknown update operator ${op}`);
    if (!isPlainObject(fields)) throw new QueryError(`update.${op}`, 'expects an object of paths');
    for (const [path, value] of Object.entries(fields)) {
      const at = `update.${op}.${path}`;
      checkPath(path, at);
      if (path === '_id' || path.startsWith('_id.')) throw new QueryError(at, '_id cannot be changed');
      if (op === '$inc' && (typeof value !== 'number' || !Number.isFinite(value))) throw new QueryError(at, '$inc needs a finite number');
    }
  }
  return update as Update;
}

/** Applies a checked update to a deep copy of `doc`. @throws {QueryError} when a path meets a non-object or a non-number for $inc. */
export function applyUpdate(doc: Record<string, unknown>, update: Update): Record<string, unknown> {
  const out = structuredClone(doc);
  for (const [op, fields] of Object.entries(update)) {
    for (const [path, value] of Object.entries(fields)) {
      const at = `update.${op}.${path}`;
      const steps = path.split('.');
      const last = steps[steps.length - 1] as string;
      const parent = parentOf(out, steps, op === '$set' || op === '$inc' || op === '$push', at);
      if (parent === undefined) continue;
      switch (op) {
        case '$set':
          parent[last] = value;
          break;
        case '$unset':
          delete parent[last];
          break;
        case '$inc': {
          const current = parent[last] ?? 0;
          if (typeof current !== 'number') throw new QueryError(at, '$inc on a field that is not a number');
          parent[last] = current + (value as number);
          break;
        }
        case '$push': {
          const current = parent[last] ?? [];
          if (!Array.isArray(current)) throw new QueryError(at, '$push on a field that is not an array');
          const items = isPlainObject(value) && Array.isArray(value.$each) ? value.$each : [value];
          parent[last] = [...current, ...items];
          break;
        }
        case '$pull': {
          const current = parent[last];
          if (current === undefined) break;
          if (!Array.isArray(current)) throw new QueryError(at, '$pull on a field that is not an array');
          parent[last] = current.filter((item) => compareValues(item, value) !== 0);
          break;
        }
      }
    }
  }
  return out;
}
