/**
 * Dotted paths into documents: `a.b.c` walks objects; when a step meets an
 * array, the rest of the path applies to every element (and a numeric step
 * indexes the array), as MongoDB does. `valuesAt` returns every value the
 * path reaches, with arrays at the end expanded into their elements too;
 * missing paths give [].
 */

/** Splits a path; callers validate it first. */
export function splitPath(path: string): string[] {
  return path.split('.');
}

function walk(value: unknown, steps: readonly string[], i: number, out: unknown[], expandLast: boolean): void {
  if (i === steps.length) {
    if (expandLast && Array.isArray(value)) {
      out.push(value);
      for (const item of value) out.push(item);
    } else out.push(value);
    return;
  }
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof Date) return;
  const step = steps[i] as string;
  if (Array.isArray(value)) {
    if (/^\d+$/.test(step)) {
      const index = Number(step);
      if (index < value.length) walk(value[index], steps, i + 1, out, expandLast);
    }
    for (const item of value) if (item !== null && typeof item === 'object' && !Array.isArray(item)) walk(item, steps, i, out, expandLast);
    return;
  }
  const record = value as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(record, step)) walk(record[step], steps, i + 1, out, expandLast);
}

/**
 * Every value `path` reaches in `doc`. An array at the end is returned
 * itself and element by element (so `{tags: 'a'}` matches `tags: ['a','b']`
 * and `{tags: ['a','b']}` matches it too).
 */
export function valuesAt(doc: unknown, path: readonly string[]): unknown[] {
  const out: unknown[] = [];
  walk(doc, path, 0, out, true);
  return out;
}

/** Index keys for one field: the elements of an array (the array itself is not indexed), or the value. */
export function indexValuesAt(doc: unknown, path: readonly string[]): unknown[] {
  const out: unknown[] = [];
  walk(doc, path, 0, out, false);
  const expanded: unknown[] = [];
  for (const value of out) {
    if (Array.isArray(value)) {
      if (value.length === 0) expanded.push(undefined);
      else for (const item of value) expanded.push(item);
    } else expanded.push(value);
  }
  return expanded;
}
