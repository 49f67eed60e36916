/**
 * Imports NDJSON key-value lines into an encrypted store, streaming:
 *
 * ```
 * {"key": "user/1", "value": "Ada"}
 * {"key": {"$bytes": "AAEC"}, "value": {"$bytes": "3q2+7w=="}}
 * {"key": "user/2", "value": {"name": "Grace"}}
 * ```
 *
 * A key is a string (stored as UTF-8) or `{ "$bytes": base64 }` (the
 * convention of the documents layer's NDJSON). A value is a string,
 * `{ "$bytes": base64 }`, or any other JSON value, stored as its JSON text.
 * Blank lines are skipped; a malformed line is `InvalidArgumentError`
 * naming its number (the batches before it are written). The source is a
 * file path (progress then knows the total size) or any iterable of text or
 * byte chunks; it is only read. For a collection export (documents), use
 * `collection.import()` instead.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { InvalidArgumentError } from '../../errors.ts';
import { utf8 } from '../../util/bytes.ts';
import { ioError } from '../header-file.ts';
import { BatchWriter, checkImportOptions, mustTarget, type ImportOptions, type ImportResult } from './batch-writer.ts';
import type { Keyspace } from '../keyspace.ts';

/** NDJSON text or bytes, in chunks of any size. */
export type NdjsonSource = string | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/**
 * Writes every `{ key, value }` line of `source` (a file path, or chunks) into `target`.
 * Resolves once the last batch is durable.
 * @throws {InvalidArgumentError} a malformed line (argument 'line N') or a bad option.
 * @throws {IOError} the file cannot be read.
 * @throws {AbortedError} the signal fired; the batches written so far stay.
 */
export async function importNdjson(target: Keyspace, source: NdjsonSource, options?: ImportOptions): Promise<ImportResult> {
  const store = mustTarget(target);
  const opts = checkImportOptions(options);
  let chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;
  let totalBytes: number | undefined;
  if (typeof source === 'string') {
    if (source.length === 0) throw new InvalidArgumentError('source', 'a file path or an iterable of NDJSON chunks', source);
    try {
      totalBytes = (await stat(source)).size;
    } catch (error) {
      throw ioError('read import source', error);
    }
    chunks = readFile(source);
  } else if (source !== null && typeof source === 'object' && (Symbol.asyncIterator in source || Symbol.iterator in source)) {
    chunks = source;
  } else {
    throw new InvalidArgumentError('source', 'a file path or an iterable of NDJSON chunks', source);
  }
  const writer = new BatchWriter(store, opts, totalBytes);
  let lineNumber = 0;
  for await (const { line, bytes } of splitLines(chunks)) {
    lineNumber++;
    if (line.trim().length === 0) {
      writer.skip(bytes);
      continue;
    }
    const { key, value } = parseLine(line, lineNumber);
    await writer.add(key, value, bytes, `line ${lineNumber}`);
  }
  return writer.finish();
}

async function* readFile(path: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) yield chunk as Uint8Array;
  } catch (error) {
    throw ioError('read import source', error);
  }
}

/** Lines of a chunked UTF-8 stream (\n or \r\n), with the source bytes each took. */
async function* splitLines(source: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): AsyncGenerator<{ line: string; bytes: number }> {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of source) {
    if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) throw new InvalidArgumentError('source', 'chunks of text or bytes', chunk);
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline = rest.indexOf('\n');
    while (newline >= 0) {
      const line = rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      yield { line: line.replace(/\r$/, ''), bytes: Buffer.byteLength(line) + 1 };
      newline = rest.indexOf('\n');
    }
  }
  rest += decoder.decode();
  if (rest.length > 0) yield { line: rest.replace(/\r$/, ''), bytes: Buffer.byteLength(rest) };
}

function parseLine(line: string, lineNumber: number): { key: Uint8Array; value: Uint8Array } {
  const where = `line ${lineNumber}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new InvalidArgumentError(where, 'a JSON object { key, value }', 'unparseable JSON', { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError(where, 'a JSON object { key, value }', parsed);
  const { key, value } = parsed as { key?: unknown; value?: unknown };
  const keyBytes = typeof key === 'string' ? utf8(key) : bytesOf(key);
  if (keyBytes === undefined || keyBytes.length === 0) throw new InvalidArgumentError(`${where}.key`, 'a non-empty string or { "$bytes": base64 }', key);
  if (value === undefined) throw new InvalidArgumentError(`${where}.value`, 'a value (string, { "$bytes": base64 } or any JSON)', value);
  const valueBytes = typeof value === 'string' ? utf8(value) : (bytesOf(value) ?? utf8(JSON.stringify(value)));
  return { key: keyBytes, value: valueBytes };
}

/** The bytes of `{ "$bytes": base64 }`, or undefined for anything else. */
function bytesOf(value: unknown): Uint8Array | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const b64 = (value as { $bytes?: unknown }).$bytes;
  if (keys.length !== 1 || typeof b64 !== 'string') return undefined;
  return new Uint8Array(Buffer.from(b64, 'base64'));
}
