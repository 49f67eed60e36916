/**
 * NDJSON import and export of documents: one JSON document per line.
 * JSON has no bytes or dates, so they travel as `{ "$bytes": base64 }` and
 * `{ "$date": milliseconds }` (field names cannot start with `$`, so these
 * never collide with user fields). Import validates every line as a
 * document; a bad line is `InvalidArgumentError` naming the line number.
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Doc } from './doc-codec.ts';

/** One document as a JSON line (no trailing newline). */
export function toNdjsonLine(doc: Doc): string {
  return JSON.stringify(doc, function replacer(this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    if (raw instanceof Uint8Array) return { $bytes: Buffer.from(raw).toString('base64') };
    if (raw instanceof Date) return { $date: raw.getTime() };
    return value;
  });
}

/** Parses one line back into a document (before validation). */
export function fromNdjsonLine(line: string, lineNumber: number): unknown {
  try {
    return JSON.parse(line, (_key, value: unknown) => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const keys = Object.keys(value);
        const v = value as Record<string, unknown>;
        if (keys.length === 1 && typeof v.$bytes === 'string') return new Uint8Array(Buffer.from(v.$bytes, 'base64'));
        if (keys.length === 1 && typeof v.$date === 'number') return new Date(v.$date);
      }
      return value;
    });
  } catch (error) {
    throw new InvalidArgumentError(`line ${lineNumber}`, 'a JSON document', 'unparseable JSON', { cause: error });
  }
}

/** Splits a stream of text or bytes into lines (any chunking; \n or \r\n). */
export async function* lines(source: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of source) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline = rest.indexOf('\n');
    while (newline >= 0) {
      yield rest.slice(0, newline).replace(/\r$/, '');
      rest = rest.slice(newline + 1);
      newline = rest.indexOf('\n');
    }
  }
  rest += decoder.decode();
  if (rest.length > 0) yield rest.replace(/\r$/, '');
}
