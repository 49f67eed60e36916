/**
 * What `blobs.write` accepts, turned into one async sequence of bytes:
 * a Uint8Array (Buffer), a string (UTF-8), a Node Readable, a web
 * ReadableStream, or any (async) iterable of Uint8Array / string.
 */
import { InvalidArgumentError } from '../errors.ts';
import { utf8 } from '../util/bytes.ts';

/** Sources a blob can be written from. */
export type BlobSource =
  | Uint8Array
  | string
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array>
  | ReadableStream<Uint8Array>;

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function isIterable(x: unknown): x is Iterable<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

function isWebStream(x: unknown): x is ReadableStream<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as ReadableStream).getReader === 'function';
}

/** Validates `source` now (a wrong type throws before any write starts). */
export function mustSource(source: unknown): BlobSource {
  if (source instanceof Uint8Array || typeof source === 'string') return source;
  // A stream already read from (say, by an earlier attempt of a retried transaction) would store a truncated blob.
  const node = source as { readableDidRead?: unknown; destroyed?: unknown } | null;
  if (node !== null && typeof node === 'object' && (node.readableDidRead === true || node.destroyed === true)) {
    throw new InvalidArgumentError('source', 'a stream nobody has read from yet', 'a stream already read or destroyed');
  }
  if (isWebStream(source) && source.locked) throw new InvalidArgumentError('source', 'an unlocked ReadableStream', 'a locked ReadableStream');
  if (isAsyncIterable(source) || isWebStream(source) || isIterable(source)) return source as BlobSource;
  throw new InvalidArgumentError('source', 'a Uint8Array, string, Readable, ReadableStream or (async) iterable of Uint8Array', source);
}

function piece(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return utf8(value);
  throw new InvalidArgumentError('source', 'chunks of Uint8Array or string', value);
}

/** The bytes of `source`, piece by piece. */
export async function* sourcePieces(source: BlobSource): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  if (typeof source === 'string') {
    yield utf8(source);
    return;
  }
  if (isAsyncIterable(source)) {
    for await (const value of source) yield piece(value);
    return;
  }
  if (isWebStream(source)) {
    // Older runtimes' web streams are not async iterable: read them by hand.
    const reader = source.getReader();
    let finished = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          finished = true;
          return;
        }
        yield piece(value);
      }
    } finally {
      // Stopped early (abort, error): tell the producer, as for-await does for Readables.
      if (!finished) await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
  }
  for (const value of source as Iterable<unknown>) yield piece(value);
}
